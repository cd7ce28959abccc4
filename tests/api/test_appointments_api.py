"""The appointment API (Q3): list a day, move, cancel, with the page's rules and every refusal a
4xx JSON body (code, message, message_en, field) that leaves the book unchanged."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from servicehall.queueing import services
from servicehall.queueing.models import Appointment
from tests.factories import make_customer, make_hall, make_staff


def at(days: int, hh: int, mm: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def test_q3_api_book_list_move_cancel(hall, clerk, api_as):
    make_customer("gold", phone="13900000021", name="李雷")
    api = api_as(clerk)
    r = api.post(
        f"/queue/halls/{hall.code}/appointments",
        {"service_type": "business", "phone": "13900000021", "slot_at": at(1, 10).isoformat()},
    )
    assert r.status_code == 201
    appt_id = r.json()["id"]
    day = at(1, 0).date().isoformat()
    body = api.get(f"/queue/halls/{hall.code}/appointments", day=day).json()
    (row,) = body["appointments"]
    assert row["phone"] == "139****0021" and row["customer"] == "李*"
    assert row["status"] == "booked" and row["service_type"] == "business"
    slot10 = next(s for s in body["slots"] if s["at"].startswith(f"{day}T10:00"))
    assert slot10["taken"] == 1 and slot10["free"] == body["per_slot"] - 1

    r = api.post(f"/queue/appointments/{appt_id}/move", {"slot_at": at(1, 10, 30).isoformat()})
    assert r.status_code == 200 and r.json()["slot_at"].endswith("10:30:00+08:00")
    assert Appointment.objects.get(pk=appt_id).slot_at == at(1, 10, 30)
    r = api.post(f"/queue/appointments/{appt_id}/cancel", {"reason": "电话取消"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["slot_at"].endswith("10:30:00+08:00")  # the same offset, not Z
    assert Appointment.objects.get(pk=appt_id).events.last().data == {"reason": "电话取消"}
    # a cancelled appointment cannot be moved: 409 with the words and the field
    r = api.post(f"/queue/appointments/{appt_id}/move", {"slot_at": at(1, 12).isoformat()})
    assert r.status_code == 409
    assert r.json() | {"message": "", "message_en": ""} == {
        "code": "appointment_closed",
        "message": "",
        "message_en": "",
        "field": "status",
        "status": "cancelled",
    }
    assert "已取消" in r.json()["message"] and "cancelled" in r.json()["message_en"]


def test_q3_api_refusals_are_json_4xx(hall, clerk, api_as, settings):
    settings.APPOINTMENTS_PER_SLOT = 1
    make_customer(phone="13900000022")
    make_customer(phone="13900000023")
    api = api_as(clerk)
    services.book_appointment(clerk, hall, "business", "13900000022", at(1, 9))
    r = api.post(
        f"/queue/halls/{hall.code}/appointments",
        {"service_type": "business", "phone": "13900000023", "slot_at": at(1, 9, 15).isoformat()},
    )
    assert r.status_code == 409 and r.json()["code"] == "slot_full"
    assert r.json()["field"] == "slot_at"
    other = make_hall("other-hall")
    theirs = services.book_appointment(
        make_staff("clerk", other), other, "business", "13900000023", at(1, 9)
    )
    r = api.get(f"/queue/halls/{other.code}/appointments")
    assert r.status_code == 404 and r.json()["code"] == "unknown_hall"
    r = api.post(f"/queue/appointments/{theirs.pk}/cancel", {})
    assert r.status_code == 404 and r.json()["code"] == "unknown_appointment"
    assert Appointment.objects.get(pk=theirs.pk).status == "booked"
    r = api_as(make_staff("device", hall)).get(f"/queue/halls/{hall.code}/appointments")
    assert r.status_code == 403


def test_q3_days_outside_the_book_are_refused_not_overflowed(hall, clerk, api_as):
    """0001-01-01 and 9999-12-31 once overflowed the date arithmetic into an HTML 500: they
    are outside the book's window (a month ahead, three years back) and refused with the
    field at fault; nothing is booked."""
    make_customer(phone="13900000024")
    api = api_as(clerk)
    for day in ("9999-12-31", "0001-01-01"):
        r = api.get(f"/queue/halls/{hall.code}/appointments", day=day)
        assert r.status_code == 422 and r.json()["field"] == "day", r.content
        r = api.post(
            f"/queue/halls/{hall.code}/appointments",
            {
                "service_type": "business",
                "phone": "13900000024",
                "slot_at": f"{day}T10:00:00+08:00",
            },
        )
        assert r.status_code == 422 and r.json()["field"] == "slot_at", r.content
    r = api.post(
        f"/queue/halls/{hall.code}/appointments",
        {"service_type": "business", "phone": "13900000024", "slot_at": at(31, 10).isoformat()},
    )
    assert r.status_code == 422 and "30" in r.json()["message"]
    assert r.json()["code"] == "day_out_of_range"  # a date, but beyond the book
    assert not Appointment.objects.exists()
