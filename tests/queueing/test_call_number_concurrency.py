"""特呼 keeps call-next's guarantee (Q2): when counters press "call next" and "call B001" for
the same ticket at the same instant, exactly one of them gets it. Through the full request
stack, each thread with its own connection, on the database of the run (SQLite: serialized
writers; PostgreSQL: FOR UPDATE SKIP LOCKED for call-next, a conditional update for both)."""

from collections import Counter as Tally

import pytest
from django.test import Client

from servicehall.org.models import Counter
from servicehall.queueing import services
from servicehall.queueing.models import Ticket, TicketEvent
from tests.factories import make_hall, make_staff
from tests.queueing.test_concurrency import fire

N = 10  # counters on each side


@pytest.fixture
def contested(transactional_db):
    hall = make_hall(
        "special-call",
        counters=[
            (f"{i}号窗口", Counter.Kind.STANDARD, ["payment"], False) for i in range(1, 2 * N + 1)
        ],
    )
    clients = []
    for c in hall.counters.all():
        staff = make_staff("clerk", hall)
        services.sign_in(staff, c)
        client = Client()
        client.force_login(staff)
        clients.append((client, c.pk))
    return hall, clients


def test_q2_concurrent_call_number_and_call_next_on_one_ticket_exactly_one_wins(contested):
    hall, clients = contested
    device = make_staff("device", hall)
    for _round in range(3):
        Ticket.objects.filter(status="called").update(status="done")  # free the counters
        ticket = services.issue_ticket(device, hall, "payment")
        requests = []
        for i, (client, counter_id) in enumerate(clients):
            if i % 2:
                requests.append((client, f"/api/queue/counters/{counter_id}/call-next", None))
            else:
                path = f"/api/queue/counters/{counter_id}/call-number"
                requests.append((client, path, {"number": ticket.number}))
        results = fire(requests)
        winners = [body for status, body in results if status == 200]
        losers = [body for status, body in results if status != 200]
        assert len(winners) == 1 and winners[0]["id"] == ticket.pk, results
        assert {b["code"] for b in losers} <= {"queue_empty", "already_called", "not_waiting"}
        assert all(status == 409 for status, _ in results if status != 200)
    per_ticket = Tally(
        TicketEvent.objects.filter(kind="called").values_list("ticket_id", flat=True)
    )
    assert len(per_ticket) == 3 and set(per_ticket.values()) == {1}
