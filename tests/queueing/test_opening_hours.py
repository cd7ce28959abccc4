"""Q1/Q4: ticketing opens and closes by the hall's opening hours, a manager's override holds
until the next opening or closing, the day is closed (tickets not served, appointments
missed), and every queue query reads today's tickets only."""

import threading
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from servicehall.core.models import AuditLog
from servicehall.org.models import Hall, OpeningHours, ServiceType
from servicehall.queueing import selectors
from servicehall.queueing import services as queue
from servicehall.queueing.models import Appointment, Ticket, TicketEvent
from tests import factories

S = Ticket.Status


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


MON = (2026, 11, 23)


def with_hours(hall, spans=((time(9), time(18)),)):
    for d in range(7):
        for o, c in spans:
            OpeningHours.objects.create(hall=hall, weekday=d, opens=o, closes=c)


def sweep(at):
    with time_machine.travel(at, tick=False):
        return queue.apply_opening_hours(at)


def issue(device, hall, at, code="payment"):
    with time_machine.travel(at, tick=False):
        return queue.issue_ticket(device, hall, code)


def state(hall):
    h = Hall.objects.get(pk=hall.pk)
    return h.is_open, h.schedule_open


def audits(hall):
    return list(
        AuditLog.objects.filter(object_type="hall", object_id=hall.code)
        .order_by("id")
        .values_list("action", "actor__username")
    )


@pytest.mark.django_db
def test_q1_schedule_opens_and_closes_ticketing_and_audits_it(hall):
    Hall.objects.filter(pk=hall.pk).update(is_open=False)
    with_hours(hall)
    assert sweep(local(*MON, 8, 59))["closed"] == 1  # first application records the state
    assert state(hall) == (False, False)
    assert sweep(local(*MON, 9, 0))["opened"] == 1
    assert state(hall) == (True, True)
    assert sweep(local(*MON, 18, 0))["closed"] == 1
    assert state(hall) == (False, False)
    assert audits(hall) == [
        ("hall.close", "schedule"),
        ("hall.open", "schedule"),
        ("hall.close", "schedule"),
    ]


@pytest.mark.django_db
def test_q1_a_hall_without_hours_stays_under_manual_control(hall, manager):
    queue.set_hall_open(manager, hall, False)
    assert sweep(local(*MON, 10)) == {
        "opened": 0,
        "closed": 0,
        "not_served": 0,
        "appointments_missed": 0,
    }
    assert state(hall) == (False, None)


@pytest.mark.django_db
def test_q1_manager_override_holds_until_the_next_opening_or_closing(hall, manager):
    with_hours(hall)
    sweep(local(*MON, 10))
    queue.set_hall_open(manager, hall, False)  # a fire drill: stop issuing at 10:05
    for minute in (10 * 60 + 6, 12 * 60, 17 * 60 + 59):
        sweep(local(*MON) + timedelta(minutes=minute))
        assert state(hall) == (False, True)
    board = selectors.board(Hall.objects.get(pk=hall.pk), local(*MON, 11))
    assert board["schedule"]["mode"] == "override"
    assert board["schedule"]["today"] == [("09:00", "18:00")]
    sweep(local(*MON, 18))
    queue.set_hall_open(manager, hall, True)  # open late for a queue outside
    sweep(local(*MON, 20))
    assert state(hall) == (True, False)
    sweep(local(2026, 11, 24, 9))  # the next opening: by schedule again
    assert state(hall) == (True, True)
    board = selectors.board(Hall.objects.get(pk=hall.pk), local(2026, 11, 24, 9, 1))
    assert board["schedule"]["mode"] == "schedule"


@pytest.mark.django_db
def test_q1_the_sweep_is_idempotent(hall):
    with_hours(hall)
    first = sweep(local(*MON, 9, 30))
    audit_rows = AuditLog.objects.count()
    assert sweep(local(*MON, 9, 30)) == dict.fromkeys(first, 0)
    assert AuditLog.objects.count() == audit_rows


@pytest.mark.django_db
def test_q1_closing_the_day_marks_waiting_tickets_not_served(hall, clerk, device):
    with_hours(hall, spans=((time(9), time(12)), (time(13), time(18))))
    sweep(local(*MON, 9))
    issue(device, hall, local(*MON, 11, 50))
    assert sweep(local(*MON, 12))["not_served"] == 0  # a lunch break closes nothing
    assert Hall.objects.get(pk=hall.pk).is_open is False
    assert Ticket.objects.get().status == S.WAITING
    assert sweep(local(*MON, 13))["opened"] == 1
    Ticket.objects.all().delete()
    counter = factories.counter(hall, "1号窗口")
    with time_machine.travel(local(*MON, 17), tick=False):
        queue.sign_in(clerk, counter)
    waiting = [issue(device, hall, local(*MON, 17, m)) for m in (1, 2, 3)]
    with time_machine.travel(local(*MON, 17, 10), tick=False):
        served = queue.call_next(clerk, counter)
        queue.start_service(clerk, served.pk)
    done = sweep(local(*MON, 18, 2))  # a late run
    assert done["closed"] == 1 and done["not_served"] == 2
    rows = {t.number: t.status for t in Ticket.objects.filter(hall=hall)}
    assert rows == {
        waiting[0].number: S.SERVING,
        waiting[1].number: S.NOT_SERVED,
        waiting[2].number: S.NOT_SERVED,
    }
    ev = TicketEvent.objects.get(ticket=waiting[1], kind="closed_unserved")
    assert (ev.from_status, ev.to_status, ev.data) == (
        S.WAITING,
        S.NOT_SERVED,
        {"reason": "hall_closed"},
    )
    board = selectors.board(hall, local(*MON, 18, 5))
    assert board["today"]["not_served"] == 2 and board["waiting_total"] == 0
    # the next morning the ticket still being served yesterday is closed the same way
    done = sweep(local(2026, 11, 24, 8))
    assert done["not_served"] == 1
    assert Ticket.objects.get(pk=served.pk).status == S.NOT_SERVED
    assert sweep(local(2026, 11, 24, 8, 1))["not_served"] == 0
    assert TicketEvent.objects.filter(kind="closed_unserved").count() == 3
    assert selectors.current_ticket(counter) is None


@pytest.mark.django_db
def test_q3_appointments_past_their_check_in_window_are_missed(hall, clerk):
    customer = factories.make_customer(phone="13900007777")
    mk = lambda h, m: Appointment.objects.create(  # noqa: E731
        hall=hall,
        service_type=ServiceType.objects.get(code="business"),
        customer=customer,
        phone="13900007777",
        slot_at=local(*MON, h, m),
    )
    early, later = mk(10, 0), mk(10, 30)
    done = sweep(local(*MON, 10, 16))  # 15 minutes late is the window's end
    assert done["appointments_missed"] == 1
    assert Appointment.objects.get(pk=early.pk).status == Appointment.Status.MISSED
    assert Appointment.objects.get(pk=later.pk).status == Appointment.Status.BOOKED
    assert [e.kind for e in early.events.all()] == ["missed"]
    assert sweep(local(*MON, 10, 17))["appointments_missed"] == 0


@pytest.mark.django_db
def test_q2_a_leftover_ticket_of_yesterday_is_never_called_nor_on_the_board(hall, clerk, device):
    counter = factories.counter(hall, "1号窗口")
    old = issue(device, hall, local(2026, 11, 22, 17, 55))  # nobody swept it away
    new = issue(device, hall, local(*MON, 9, 30))
    with time_machine.travel(local(*MON, 9, 31), tick=False):
        assert selectors.estimate_wait(new).ahead == 0
        b = selectors.board(hall)
        assert b["waiting_total"] == 1 and not b["overdue"]  # yesterday's would be overdue
        assert [r["number"] for r in selectors.oldest_waiting(hall, timezone.now())] == [new.number]
        queue.sign_in(clerk, counter)
        assert selectors.waiting_for_counter(counter) == 1
        assert queue.call_next(clerk, counter).pk == new.pk
        queue.start_service(clerk, new.pk)
        queue.finish_service(clerk, new.pk, "order-change")
        with pytest.raises(queue.Conflict) as e:
            queue.call_next(clerk, counter)
    assert e.value.code == "queue_empty"
    assert Ticket.objects.get(pk=old.pk).status == S.WAITING


@pytest.mark.django_db(transaction=True)
def test_q1_two_sweeps_at_once_switch_and_close_once():
    hall = factories.make_hall("sweep-race")
    device = factories.make_staff("device", hall)
    for m in range(6):
        issue(device, hall, local(2026, 11, 22, 10, m))
    with_hours(hall)
    at = local(*MON, 9, 0)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(queue.apply_opening_hours(at))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sum(r["opened"] for r in results) == 1
    assert sum(r["not_served"] for r in results) == 6
    assert AuditLog.objects.filter(object_id=hall.code).count() == 1
    assert TicketEvent.objects.filter(kind="closed_unserved").count() == 6
