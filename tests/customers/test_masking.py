"""V2: phone and ID numbers masked for roles without the right; every unmasked view audited."""

import json

import pytest

from servicehall.core.masking import mask_id_number, mask_name, mask_phone
from servicehall.core.models import AuditLog
from tests.factories import make_customer, make_staff


def test_mask_shapes():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("110101199003074518") == "110***********4518"
    assert mask_name("欧阳娜娜") == "欧***"


@pytest.fixture
def customer(db):
    return make_customer("gold", phone="13812345678", name="李秀兰")


def test_v2_lookup_is_masked_for_every_role(hall, customer, api_as):
    for role in (
        "clerk",
        "complaint_desk",
        "account_manager",
        "hall_manager",
        "quality_supervisor",
    ):
        r = api_as(make_staff(role, hall)).get("/customers/lookup", phone="13812345678")
        assert r.status_code == 200
        body = r.json()
        assert body["phones"] == ["138****5678"] and body["masked"] is True
        assert (
            "13812345678" not in r.content.decode() and customer.id_number not in r.content.decode()
        )
        assert body["name"] == "李**"
    assert AuditLog.objects.count() == 0


def test_v2_clerk_cannot_reveal(hall, customer, api_as):
    r = api_as(make_staff("clerk", hall)).post(
        f"/customers/{customer.pk}/reveal", {"reason": "回访"}
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert AuditLog.objects.count() == 0


def test_v2_reveal_needs_a_reason(hall, customer, api_as):
    r = api_as(make_staff("complaint_desk", hall)).post(
        f"/customers/{customer.pk}/reveal", {"reason": "  "}
    )
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert AuditLog.objects.count() == 0


def test_v2_unmasked_view_is_audited(hall, customer, api_as):
    desk = make_staff("complaint_desk", hall)
    r = api_as(desk).post(f"/customers/{customer.pk}/reveal", {"reason": "投诉回电核实"})
    assert r.status_code == 200
    assert r.json()["phones"] == ["13812345678"] and r.json()["id_number"] == customer.id_number
    log = AuditLog.objects.get()
    assert (log.actor, log.action, log.object_id, log.reason) == (
        desk,
        "pii.view",
        str(customer.pk),
        "投诉回电核实",
    )


def test_v2_queue_views_carry_no_phone_numbers(hall, customer, device, manager, api_as):
    kiosk = api_as(device)
    t = kiosk.post(
        f"/queue/halls/{hall.code}/tickets", {"service_type": "payment", "phone": "13812345678"}
    )
    assert t.status_code == 201 and t.json()["vip"]
    for resp in (
        t,
        api_as(manager).get(f"/queue/halls/{hall.code}/board"),
        api_as(manager).get(f"/queue/tickets/{t.json()['id']}"),
    ):
        assert "13812345678" not in json.dumps(resp.json(), ensure_ascii=False)
