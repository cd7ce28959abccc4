"""Reads of customer data."""

from __future__ import annotations

from .models import Bill, PhoneNumber


def recent_bills(number: str, months: int = 3) -> list[Bill]:
    """The line's latest bills, newest first."""
    return list(Bill.objects.filter(number=number).order_by("-month")[:months])


def line_on_file(number: str) -> bool:
    """Whether the operator knows this line: a customer's number, or a number billed (the
    billing import). Codes are texted only to such lines."""
    return (
        PhoneNumber.objects.filter(number=number).exists()
        or Bill.objects.filter(number=number).exists()
    )
