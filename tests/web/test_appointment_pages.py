"""The appointment page (Q3) as a clerk uses it: the day's book by time with status in words
and the customer masked, booking with errors beside the field in the interface language,
moving and cancelling a row; other halls' appointments are never shown or touched; the admin
list renders with the phone masked."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from servicehall.queueing import services
from servicehall.queueing.models import Appointment
from tests.conftest import client_for
from tests.factories import make_customer, make_hall, make_staff


def at(days: int, hh: int, mm: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


as_user = client_for  # signed in, in a language if given


@pytest.fixture
def tomorrow():
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_q3_page_book_move_cancel_as_a_clerk(hall, clerk, tomorrow):
    make_customer("gold", phone="13900000011", name="王小明")
    make_customer(phone="13900000012")
    c = as_user(clerk)
    page = c.get(f"/appointments/?day={tomorrow}")
    assert page.status_code == 200 and 'id="nav-appointments"' in page.content.decode()
    r = c.post(
        "/appointments/",
        {"phone": "13900000011", "service_type": "business", "day": tomorrow, "time": "10:00"},
    )
    assert r.status_code == 302 and f"day={tomorrow}" in r["Location"]
    appt = Appointment.objects.get(phone="13900000011")
    assert appt.slot_at == at(1, 10) and appt.created_by == clerk
    body = c.get(r["Location"]).content.decode()
    assert "139****0011" in body and "13900000011" not in body  # masked (V2)
    assert "王**" in body and "已预约" in body and "已预约 10:00" not in body

    r = c.post(
        f"/appointments/{appt.pk}/move", {"day": tomorrow, "time": "10:30", "view_day": tomorrow}
    )
    assert r.status_code == 302
    appt.refresh_from_db()
    assert appt.slot_at == at(1, 10, 30)
    other = services.book_appointment(clerk, hall, "payment", "13900000012", at(1, 11))
    r = c.post(f"/appointments/{other.pk}/cancel", {"reason": "客户改期", "view_day": tomorrow})
    other.refresh_from_db()
    assert other.status == "cancelled"
    body = c.get(r["Location"]).content.decode()
    assert "已取消" in body and "客户改期" in body and "已改约" in body


def test_q3_booking_error_beside_the_field_in_the_interface_language(hall, clerk, tomorrow):
    make_customer(phone="13900000013")
    services.book_appointment(clerk, hall, "business", "13900000013", at(1, 9))
    form = {"phone": "13900000013", "service_type": "payment", "day": tomorrow, "time": "15:00"}
    r = as_user(clerk).post("/appointments/", form)
    body = r.content.decode()
    assert r.status_code == 409
    assert 'data-field="phone"' in body and "该客户当天已有预约" in body and "09:00" in body
    assert "already has an appointment" not in body  # Chinese interface: Chinese only
    assert 'value="13900000013"' in body  # the form keeps what was typed
    r = as_user(clerk, "en").post("/appointments/", form | {"phone": "12"})
    body = r.content.decode()
    assert r.status_code == 422 and 'data-field="phone"' in body
    assert "Malformed phone number" in body and "手机号码格式不正确" not in body
    r = as_user(clerk, "en").post(
        "/appointments/", form | {"phone": "13900000013", "day": "2020-01-01"}
    )
    assert r.status_code == 422 and 'data-field="slot_at"' in r.content.decode()
    assert Appointment.objects.count() == 1


def test_q3_a_refused_move_is_shown_beside_its_row(hall, clerk, device, tomorrow):
    make_customer(phone="13900000014")
    appt = services.book_appointment(
        clerk, hall, "business", "13900000014", timezone.now() + timedelta(minutes=5)
    )
    services.check_in(device, hall, "13900000014")
    c = as_user(clerk)
    r = c.post(f"/appointments/{appt.pk}/move", {"day": tomorrow, "time": "10:00"}, follow=True)
    body = r.content.decode()
    assert "该预约已签到，不能改约" in body
    row = body[body.index(f'id="appt-{appt.pk}"') :]
    assert row.index("该预约已签到") < row.index("</tr>")  # in its own row
    assert 'data-status="checked_in"' in body


def test_q3_device_account_gets_403(hall, device):
    c = as_user(device)
    assert c.get("/appointments/").status_code == 403
    assert c.post("/appointments/1/cancel").status_code == 403


def test_q3_another_halls_appointment_is_never_shown(hall, clerk, tomorrow):
    other = make_hall("other-hall")
    theirs = make_staff("clerk", other)
    make_customer(phone="13900000015")
    appt = services.book_appointment(theirs, other, "business", "13900000015", at(1, 10))
    c = as_user(clerk)
    body = c.get(f"/appointments/?day={tomorrow}&hall=other-hall").content.decode()
    assert "139****0015" not in body and hall.name in body  # own hall, whatever is asked
    assert c.post(f"/appointments/{appt.pk}/cancel").status_code == 404
    r = c.post(f"/appointments/{appt.pk}/move", {"day": tomorrow, "time": "11:00"})
    assert r.status_code == 404
    appt.refresh_from_db()
    assert appt.status == "booked" and appt.slot_at == at(1, 10)
    # a hall manager with no hall works in none: no hall's book, and no crash
    nowhere = as_user(make_staff("hall_manager", None))
    r = nowhere.get(f"/appointments/?day={tomorrow}&hall=other-hall")
    assert r.status_code == 200 and "139****0015" not in r.content.decode()
    # an area manager (a role that spans halls, org/roles.py) picks the hall
    area = make_staff("area_manager", None)
    body = as_user(area).get(f"/appointments/?day={tomorrow}&hall=other-hall").content.decode()
    assert "139****0015" in body and 'id="hall"' in body


def test_q3_admin_lists_appointments_with_the_phone_masked(hall, clerk):
    make_customer(phone="13900000016", name="赵云")
    appt = services.book_appointment(clerk, hall, "business", "13900000016", at(1, 10))
    services.move_appointment(clerk, appt.pk, at(1, 11))
    admin = make_staff("administrator", None)
    c = as_user(admin)
    r = c.get("/admin/queueing/appointment/")
    body = r.content.decode()
    assert r.status_code == 200 and "139****0016" in body and "13900000016" not in body
    assert "赵*" in body and "预约时间" in body and "已预约" in body
    body = c.get(f"/admin/queueing/appointment/{appt.pk}/change/").content.decode()
    i = body.find("13900000016")
    assert i < 0, body[i - 300 : i + 100]
    assert "已改约" in body and "11:00" in body
    assert c.get("/admin/queueing/appointment/?status__exact=booked").status_code == 200


def test_q3_a_day_outside_the_book_shows_today_not_a_500(hall, clerk):
    page = as_user(clerk)
    for day in ("0001-01-01", "9999-12-31", "2026-13-45"):
        r = page.get("/appointments/", {"day": day})
        assert r.status_code == 200
        assert r.context["day"] == timezone.localdate()
    r = page.post(
        "/appointments/",
        {"service_type": "business", "phone": "13900000031", "day": "9999-12-31", "time": "10:00"},
    )
    assert r.status_code == 422 and "30 天" in r.content.decode()  # the form again, the words
