"""Two counters never call one ticket (Q2): 50 counters fire call-next at the same instant
through the full request stack, each thread with its own database connection. Runs on the
database of the run: SQLite (serialized writes) and PostgreSQL (FOR UPDATE SKIP LOCKED)."""

import threading
from collections import Counter as Tally

import pytest
from django.db import connection
from django.test import Client

from servicehall.org.models import Counter
from servicehall.queueing import services
from servicehall.queueing.models import Ticket, TicketEvent
from tests.factories import make_hall, make_staff

N_COUNTERS = 50


def fire(clients_and_paths):
    """Run every (client, path) POST at once; returns the responses in order."""
    barrier = threading.Barrier(len(clients_and_paths))
    results = [None] * len(clients_and_paths)

    def run(i, client, path, body):
        try:
            barrier.wait(timeout=30)
            r = client.post(path, body or {}, content_type="application/json")
            results[i] = (r.status_code, r.json())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, *cp)) for i, cp in enumerate(clients_and_paths)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def busy_hall(transactional_db):
    hall = make_hall(
        "concurrency",
        counters=[
            (f"{i}号窗口", Counter.Kind.STANDARD, ["payment"], False)
            for i in range(1, N_COUNTERS + 1)
        ],
    )
    clients = []
    for c in hall.counters.all():
        staff = make_staff("clerk", hall)
        services.sign_in(staff, c)
        client = Client()
        client.force_login(staff)
        clients.append((client, f"/api/queue/counters/{c.pk}/call-next", None))
    return hall, clients


def issue_many(hall, n):
    device = make_staff("device", hall)
    return [services.issue_ticket(device, hall, "payment") for _ in range(n)]


def test_q2_50_concurrent_call_next_each_ticket_called_once(busy_hall):
    hall, clients = busy_hall
    issue_many(hall, N_COUNTERS + 10)
    results = fire(clients)
    assert all(status == 200 for status, _ in results), results
    called = [body["id"] for _, body in results]
    assert len(set(called)) == N_COUNTERS  # fifty counters, fifty different tickets
    per_ticket = Tally(
        TicketEvent.objects.filter(kind="called").values_list("ticket_id", flat=True)
    )
    assert set(per_ticket.values()) == {1} and set(per_ticket) == set(called)
    assert Ticket.objects.filter(status="called").values("counter").distinct().count() == N_COUNTERS
    assert Ticket.objects.filter(status="waiting").count() == 10


def test_q2_more_counters_than_tickets(busy_hall):
    hall, clients = busy_hall
    issue_many(hall, 20)
    results = fire(clients)
    ok = [body["id"] for status, body in results if status == 200]
    empty = [body for status, body in results if status == 409]
    assert len(ok) == len(set(ok)) == 20
    assert len(empty) == N_COUNTERS - 20 and {b["code"] for b in empty} == {"queue_empty"}
    assert TicketEvent.objects.filter(kind="called").count() == 20


def test_q1_concurrent_issuing_gives_unique_consecutive_numbers(transactional_db):
    hall = make_hall("issuing")
    devices = [make_staff("device", hall) for _ in range(N_COUNTERS)]
    clients = []
    for d in devices:
        client = Client()
        client.force_login(d)
        clients.append(
            (client, f"/api/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
        )
    results = fire(clients)
    assert all(status == 201 for status, _ in results), results
    numbers = sorted(body["number"] for _, body in results)
    assert numbers == [f"B{i:03d}" for i in range(1, N_COUNTERS + 1)]
