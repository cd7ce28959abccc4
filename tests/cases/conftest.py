import pytest

from servicehall.queueing import services as queue
from tests import factories


@pytest.fixture
def serving(hall, clerk):
    """A ticket the clerk is serving at counter 1 right now."""
    counter = factories.counter(hall, "1号窗口")
    customer = factories.make_customer(phone="13900001234")
    queue.sign_in(clerk, counter)
    device = factories.make_staff("device", hall)
    queue.issue_ticket(device, hall, "consult", phone="13900001234")
    ticket = queue.call_next(clerk, counter)
    queue.start_service(clerk, ticket.pk)
    return ticket, customer


@pytest.fixture
def fault_desk(hall):
    lead = factories.make_staff("clerk", hall)
    member = factories.make_staff("clerk", hall)
    desk = factories.make_desk("fault", hall, lead=lead, members=[member])
    return desk, lead, member
