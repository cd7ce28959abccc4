"""The appointment book (Q3): book, move and cancel with their rules, each change an event row,
and a refused call leaving the book as it was. Concurrency: clerks booking the last places of
a slot at the same instant never overfill it."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicehall.core.errors import ServiceError
from servicehall.org.models import OpeningHours
from servicehall.queueing import booking, selectors, services
from servicehall.queueing.models import Appointment, AppointmentEvent
from tests.factories import make_customer, make_hall, make_staff


def at(days: int, hh: int, mm: int = 0) -> datetime:
    """An aware local time `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as e:
        call(*args, **kwargs)
    return e.value


def test_q3_book_move_cancel_write_events(hall, clerk):
    make_customer("gold", phone="13900000011")
    appt = services.book_appointment(clerk, hall, "business", "139 0000 0011", at(1, 10))
    assert appt.status == "booked" and appt.phone == "13900000011"
    services.move_appointment(clerk, appt.pk, at(1, 10, 30))
    services.cancel_appointment(clerk, appt.pk, "客户临时有事")
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.slot_at == at(1, 10, 30)
    events = list(AppointmentEvent.objects.filter(appointment=appt))
    assert [e.kind for e in events] == ["booked", "moved", "cancelled"]
    assert all(e.actor_id == clerk.pk for e in events)
    assert events[1].data == {"old": at(1, 10).isoformat(), "new": at(1, 10, 30).isoformat()}
    assert events[2].data == {"reason": "客户临时有事"}


def test_q3_refusals_past_and_moving_into_the_past(hall, clerk):
    make_customer(phone="13900000012")
    e = refused(
        services.book_appointment,
        clerk,
        hall,
        "business",
        "13900000012",
        timezone.now() - timedelta(minutes=1),
    )
    assert (e.code, e.field, e.status) == ("slot_in_past", "slot_at", 422)
    appt = services.book_appointment(clerk, hall, "business", "13900000012", at(1, 11))
    e = refused(services.move_appointment, clerk, appt.pk, timezone.now() - timedelta(hours=1))
    assert e.code == "slot_in_past"
    appt.refresh_from_db()
    assert appt.slot_at == at(1, 11)
    assert AppointmentEvent.objects.filter(appointment=appt).count() == 1


def test_q3_other_hall_cannot_book_move_or_cancel(hall, clerk):
    other = make_hall("other-hall")
    outsider = make_staff("clerk", other)
    make_customer(phone="13900000013")
    e = refused(services.book_appointment, outsider, hall, "business", "13900000013", at(1, 9))
    assert (e.code, e.status) == ("unknown_hall", 404)
    appt = services.book_appointment(clerk, hall, "business", "13900000013", at(1, 9))
    # another hall's appointment is as unknown as a missing one
    assert refused(services.move_appointment, outsider, appt.pk, at(1, 12)).status == 404
    assert refused(services.cancel_appointment, outsider, appt.pk).status == 404
    appt.refresh_from_db()
    assert appt.status == "booked" and appt.slot_at == at(1, 9)
    # no hall of their own is no hall at all; a role that spans halls works in every hall
    nowhere = make_staff("hall_manager", None)
    assert refused(services.move_appointment, nowhere, appt.pk, at(1, 12)).status == 404
    services.move_appointment(make_staff("area_manager", None), appt.pk, at(1, 12))


def test_q3_one_appointment_per_customer_per_day_names_the_time(hall, clerk):
    make_customer(phone="13900000014")
    services.book_appointment(clerk, hall, "business", "13900000014", at(1, 10))
    e = refused(services.book_appointment, clerk, hall, "payment", "13900000014", at(1, 15))
    assert e.code == "already_booked" and e.field == "phone" and e.status == 409
    assert "10:00" in e.zh and "10:00" in e.en
    assert Appointment.objects.count() == 1
    # another day is fine; and a cancelled one frees the day
    other_day = services.book_appointment(clerk, hall, "business", "13900000014", at(2, 10))
    e = refused(services.move_appointment, clerk, other_day.pk, at(1, 16))
    assert e.code == "already_booked"
    first = Appointment.objects.get(slot_at=at(1, 10))
    services.cancel_appointment(clerk, first.pk)
    services.move_appointment(clerk, other_day.pk, at(1, 16))


def test_q3_slot_full(hall, clerk, settings):
    settings.APPOINTMENTS_PER_SLOT = 2
    for i in range(3):
        make_customer(phone=f"1390000002{i}")
    services.book_appointment(clerk, hall, "business", "13900000020", at(1, 14))
    services.book_appointment(clerk, hall, "payment", "13900000021", at(1, 14, 10))
    e = refused(services.book_appointment, clerk, hall, "business", "13900000022", at(1, 14, 20))
    assert (e.code, e.field, e.status) == ("slot_full", "slot_at", 409)
    assert "14:00" in e.zh
    third = services.book_appointment(clerk, hall, "business", "13900000022", at(1, 14, 30))
    assert refused(services.move_appointment, clerk, third.pk, at(1, 14)).code == "slot_full"
    counts = {s["at"]: s for s in selectors.slot_counts(hall, at(1, 0).date())}
    assert counts[at(1, 14)]["taken"] == 2 and not counts[at(1, 14)]["bookable"]
    assert counts[at(1, 14, 30)]["free"] == 1


def test_q3_moving_a_checked_in_appointment_is_refused(hall, clerk, device):
    make_customer("gold", phone="13900000015")
    appt = services.book_appointment(
        clerk, hall, "business", "13900000015", timezone.now() + timedelta(minutes=10)
    )
    ticket = services.check_in(device, hall, "13900000015")
    assert [e.kind for e in appt.events.all()] == ["booked", "checked_in"]
    assert appt.events.last().data == {"ticket": ticket.number}
    e = refused(services.move_appointment, clerk, appt.pk, at(1, 10))
    assert (e.code, e.status) == ("appointment_closed", 409)
    assert "已签到" in e.zh and "checked in" in e.en
    assert refused(services.cancel_appointment, clerk, appt.pk).code == "appointment_closed"


def test_q3_service_type_offered_hours_and_permissions(hall, clerk, device):
    make_customer(phone="13900000016")
    e = refused(services.book_appointment, clerk, hall, "sales", "13900000016", at(1, 10))
    assert e.code == "service_type_not_offered"  # no counter of the test hall sells cards
    assert (
        refused(
            services.book_appointment, device, hall, "business", "13900000016", at(1, 10)
        ).status
        == 403
    )
    day = at(1, 0).date()
    OpeningHours.objects.create(hall=hall, weekday=day.weekday(), opens=time(9), closes=time(12))
    e = refused(services.book_appointment, clerk, hall, "business", "13900000016", at(1, 13))
    assert e.code == "outside_hours"
    assert [s["at"] for s in selectors.slot_counts(hall, day)][-1] == at(1, 11, 30)
    assert Appointment.objects.count() == 0


def test_q3_rows_mask_the_customer(hall, clerk):
    make_customer("gold", phone="13900000017", name="欧阳娜娜")
    services.book_appointment(clerk, hall, "business", "13900000017", at(1, 10))
    (row,) = selectors.appointment_rows(hall, at(1, 0).date())
    assert row["phone"] == "139****0017" and row["customer"] == "欧***"
    assert row["status_label"] == "已预约"


@pytest.mark.django_db(transaction=True)
def test_q3_concurrent_bookings_never_overfill_a_slot(settings):
    """Eight clerks book eight customers into one slot of capacity 3 at the same instant."""
    settings.APPOINTMENTS_PER_SLOT = 3
    hall = make_hall("booking-race")
    clerks = [make_staff("clerk", hall) for _ in range(8)]
    for i in range(8):
        make_customer(phone=f"1390000003{i}")
    slot = at(1, 10)
    barrier = threading.Barrier(8)
    outcomes = [None] * 8

    def run(i):
        try:
            barrier.wait(timeout=30)
            services.book_appointment(clerks[i], hall, "business", f"1390000003{i}", slot)
            outcomes[i] = "ok"
        except ServiceError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok"] * 3 + ["slot_full"] * 5
    assert Appointment.objects.filter(slot_at=slot).count() == 3
    assert booking.per_slot() == 3
