"""Bad input gets a clear 4xx (Chinese and English, the field at fault) and changes nothing."""

import pytest

from servicehall.queueing.models import CounterSession, Ticket, TicketEvent
from tests.factories import counter


def snapshot():
    return (
        list(Ticket.objects.order_by("pk").values()),
        TicketEvent.objects.count(),
        list(CounterSession.objects.order_by("pk").values()),
    )


def assert_error(resp, status, code, field):
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert body["code"] == code
    assert body["field"] == field
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # Chinese text


@pytest.fixture
def kiosk(device, api_as):
    return api_as(device)


@pytest.fixture
def desk(clerk, api_as):
    return api_as(clerk)


def test_unknown_service_type(hall, kiosk):
    before = snapshot()
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "teleport"})
    assert_error(r, 422, "unknown_service_type", "service_type")
    assert snapshot() == before


def test_service_type_not_offered_in_hall(hall, kiosk):
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "sales"})
    assert_error(r, 422, "service_type_not_offered", "service_type")
    assert Ticket.objects.count() == 0


def test_closed_hall(hall, kiosk):
    hall.is_open = False
    hall.save()
    before = snapshot()
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
    assert_error(r, 409, "hall_closed", "hall")
    assert snapshot() == before


def test_unknown_hall(kiosk):
    assert_error(
        kiosk.post("/queue/halls/nowhere/tickets", {"service_type": "payment"}),
        404,
        "unknown_hall",
        "hall",
    )


@pytest.mark.parametrize("phone", ["12345", "2381234567a", "138123456789", "电话号码"])
def test_malformed_phone(hall, kiosk, phone):
    before = snapshot()
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment", "phone": phone})
    assert_error(r, 422, "invalid_phone", "phone")
    assert snapshot() == before


def test_missing_field_names_it(hall, kiosk):
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"phone": "13800000000"})
    assert_error(r, 422, "invalid_input", "service_type")


def test_counter_not_signed_in(hall, kiosk, desk):
    kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
    before = snapshot()
    r = desk.post(f"/queue/counters/{counter(hall, '1号窗口').pk}/call-next")
    assert_error(r, 409, "not_signed_in", "counter")
    assert snapshot() == before


def test_calling_with_nobody_waiting(hall, desk):
    c = counter(hall, "1号窗口")
    desk.post(f"/queue/counters/{c.pk}/sign-in")
    before = snapshot()
    assert_error(desk.post(f"/queue/counters/{c.pk}/call-next"), 409, "queue_empty", "counter")
    assert snapshot() == before


def test_finishing_twice_and_without_category(hall, kiosk, desk):
    t = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"}).json()
    c = counter(hall, "1号窗口")
    desk.post(f"/queue/counters/{c.pk}/sign-in")
    desk.post(f"/queue/counters/{c.pk}/call-next")
    desk.post(f"/queue/tickets/{t['id']}/start")
    before = snapshot()
    assert_error(
        desk.post(f"/queue/tickets/{t['id']}/finish", {"category": "nope"}),
        422,
        "unknown_category",
        "category",
    )
    empty = desk.post(f"/queue/tickets/{t['id']}/finish", {"category": ""})
    assert_error(empty, 422, "required", "category")
    assert empty.json()["message"] == "请选择办理的业务"  # in words, not a field code
    assert snapshot() == before
    assert (
        desk.post(f"/queue/tickets/{t['id']}/finish", {"category": "bill-pay"}).status_code == 200
    )
    before = snapshot()
    r = desk.post(f"/queue/tickets/{t['id']}/finish", {"category": "bill-pay"})
    assert_error(r, 409, "invalid_transition", "status")
    assert r.json()["allowed"] == []
    assert snapshot() == before


def test_start_before_call_lists_allowed_actions(hall, kiosk, desk):
    t = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"}).json()
    r = desk.post(f"/queue/tickets/{t['id']}/start")
    assert_error(r, 409, "invalid_transition", "status")
    assert "call" in [a["action"] for a in r.json()["allowed"]]
    assert {"action": "call", "label": "叫号", "label_en": "Call"} in r.json()["allowed"]


def test_other_staff_cannot_act_on_my_ticket(hall, kiosk, desk, api_as):
    from tests.factories import make_staff

    t = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"}).json()
    c = counter(hall, "1号窗口")
    desk.post(f"/queue/counters/{c.pk}/sign-in")
    desk.post(f"/queue/counters/{c.pk}/call-next")
    other = api_as(make_staff("clerk", hall))
    before = snapshot()
    assert_error(other.post(f"/queue/tickets/{t['id']}/start"), 409, "not_signed_in", "counter")
    assert snapshot() == before


def test_second_staff_cannot_take_a_signed_in_counter(hall, desk, api_as):
    from tests.factories import make_staff

    c = counter(hall, "1号窗口")
    desk.post(f"/queue/counters/{c.pk}/sign-in")
    r = api_as(make_staff("clerk", hall)).post(f"/queue/counters/{c.pk}/sign-in")
    assert_error(r, 409, "counter_taken", "counter")


def test_unknown_ticket_and_counter(desk):
    assert_error(desk.post("/queue/tickets/999999/start"), 404, "unknown_ticket", "ticket")
    assert_error(desk.post("/queue/counters/999999/call-next"), 404, "unknown_counter", "counter")


def test_appointment_in_the_past(hall, api_as):
    from tests.factories import make_customer, make_staff

    make_customer("gold", phone="13800000099")
    am = api_as(make_staff("account_manager", hall))
    r = am.post(
        f"/queue/halls/{hall.code}/appointments",
        {
            "service_type": "business",
            "phone": "13800000099",
            "slot_at": "2020-01-01T09:00:00+08:00",
        },
    )
    assert_error(r, 422, "slot_in_past", "slot_at")


def test_anonymous_gets_401(hall, api_as):
    r = api_as(None).post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert Ticket.objects.count() == 0


def test_q2_a_clerk_signs_in_only_at_their_own_hall(api_as, hall):
    from tests.factories import counter, make_hall, make_staff

    other = make_hall("other-hall")
    stranger = make_staff("clerk", other)
    before = counter(hall, "1号窗口").sessions.count()
    r = api_as(stranger).post(f"/queue/counters/{counter(hall, '1号窗口').pk}/sign-in")
    assert r.status_code == 404 and r.json()["code"] == "unknown_counter"  # not their hall's
    assert r.json()["field"] == "counter" and r.json()["message_en"]
    assert counter(hall, "1号窗口").sessions.count() == before


def test_opening_and_closing_ticketing_is_audited(api_as, manager, hall):
    from servicehall.core.models import AuditLog

    assert api_as(manager).post(f"/queue/halls/{hall.code}/close").status_code == 200
    assert api_as(manager).post(f"/queue/halls/{hall.code}/open").status_code == 200
    rows = list(AuditLog.objects.order_by("at", "id").values_list("action", "actor", "object_id"))
    assert rows == [("hall.close", manager.pk, hall.code), ("hall.open", manager.pk, hall.code)]
