"""ServiceHall: customer service for telecom operators."""
