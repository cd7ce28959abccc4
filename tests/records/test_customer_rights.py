"""The customer's rights (PIPL, V2, L5): a file of everything held about the customer, for
the hall manager or the administrator, with a reason, audited as an export; erasure on request
removes what no legal period protects and says what is kept, why and until when; a customer in
service is refused, in both languages."""

import io
import json
import zipfile

import pytest
import time_machine
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.core.audit import verify
from servicehall.core.errors import ServiceError
from servicehall.core.models import AuditLog
from servicehall.core.sms import queue_sms
from servicehall.customers.models import Consent, Customer
from servicehall.records import services
from tests import factories
from tests.conftest import client_for

from .conftest import at, left_customer

pytestmark = pytest.mark.django_db


def test_v2_the_export_holds_everything_about_the_customer_and_is_audited(hall, manager):
    c = left_customer("13900001212", at(2026, 1, 5))
    Consent.objects.create(customer=c, purpose="marketing_sms", granted=True, at=timezone.now())
    clerk = factories.make_staff("clerk", hall)
    case = cases.open_case(
        clerk,
        kind="work_order",
        channel="walk_in",
        category="other",
        description="客户要求打印详单",
        customer_id=c.pk,
        hall=hall.code,
    )
    r = client_for(manager).post(f"/customers/{c.pk}/export", {"reason": "客户本人申请查阅"})
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert f"customer-{c.pk}-" in r["Content-Disposition"]
    data = json.loads(zipfile.ZipFile(io.BytesIO(r.content)).read("customer.json"))
    assert data["customer"]["name"] == "王小明"  # the customer's own file: unmasked
    assert "service_password" not in data["customer"]
    assert [p["number"] for p in data["phones"]] == ["13900001212"]
    assert len(data["bills"]) == 2 and len(data["subscription_evidence"]) == 3
    assert [x["number"] for x in data["cases"]] == [case.number]
    assert any(e["case_id"] == case.pk for e in data["case_events"])
    assert data["changes"] and data["identifications"] and data["consents"]
    row = AuditLog.objects.get(action="pii.export")
    assert (row.actor, row.object_id, row.reason) == (manager, str(c.pk), "客户本人申请查阅")
    assert "bills" in row.fields and verify().ok


def test_v2_the_export_needs_the_role_and_a_reason(hall, manager, clerk):
    c = factories.make_customer()
    assert (
        client_for(clerk).post(f"/customers/{c.pk}/export", {"reason": "看看"}).status_code == 403
    )
    r = client_for(manager).post(f"/customers/{c.pk}/export", {"reason": ""})
    assert r.status_code == 422 and "查看完整号码须填写原因" in r.content.decode()
    assert (
        client_for(manager).post("/customers/999999/export", {"reason": "客户申请"}).status_code
        == 404
    )
    assert not AuditLog.objects.filter(action="pii.export").exists()


def test_l5_erasure_is_refused_while_the_customer_is_in_service(manager):
    c = factories.make_customer(phone="13900001313")
    with pytest.raises(ServiceError) as e:
        services.erase_on_request(manager, c.pk, "客户申请注销信息")
    assert (e.value.code, e.value.status) == ("customer_in_service", 409)
    assert "在网期间须保留身份登记信息" in e.value.zh and "kept during service" in e.value.en
    r = client_for(manager, "en").post(f"/customers/{c.pk}/erase", {"reason": "客户申请注销信息"})
    assert r.status_code == 409 and "still in service" in r.content.decode()
    c.refresh_from_db()
    assert c.name == "张伟"


def test_l5_erasure_removes_what_no_period_protects_and_says_what_is_kept_until_when(manager):
    # left 1 year ago: subscription, bills and texts (5 months) may go; identity (2 years) stays
    c = left_customer("13900001414", at(2025, 11, 1))
    with time_machine.travel(at(2025, 12, 1), tick=False):
        queue_sms("13900001414", "回访短信", "survey")
    with time_machine.travel(at(2026, 11, 2), tick=False):
        r = client_for(manager).post(f"/customers/{c.pk}/erase", {"reason": "客户书面申请删除"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "依法自客户离网起至少保留 24 个月" in page and "2027-11-01" in page
    c.refresh_from_db()
    assert c.name == "王小明" and c.anonymised_at is None
    assert not c.bills.exists()
    row = AuditLog.objects.get(action="customer.erase")
    assert "subscription=3" in row.fields and "billing=2" in row.fields
    assert "sms=1" in row.fields and "kept:identity" in row.fields


def test_l5_erasure_after_the_legal_period_anonymises_at_once(manager):
    # left 25 months ago, the configured period is longer (36): the request wins over it
    admin_user = factories.make_staff("administrator", manager.staff.hall)
    services.set_policy(admin_user, "identity", 36)
    c = left_customer("13900001515", at(2024, 9, 1))
    with time_machine.travel(at(2026, 10, 2), tick=False):
        answer = services.erase_on_request(manager, c.pk, "客户书面申请删除")
    assert {d["type"] for d in answer["done"]} >= {"identity", "subscription", "billing"}
    c = Customer.objects.get(pk=c.pk)
    assert c.name == "已注销客户" and c.id_number == "" and not c.phones.exists()


def test_l5_a_legal_hold_keeps_everything_against_the_request(manager):
    admin_user = factories.make_staff("administrator", manager.staff.hall)
    c = left_customer("13900001616", at(2023, 1, 1))
    services.place_hold(admin_user, c.pk, "公安机关调取")
    answer = services.erase_on_request(manager, c.pk, "客户书面申请删除")
    assert answer["done"] == []
    assert {k["type"] for k in answer["kept"]} == {"identity", "subscription", "billing"}
    assert all(k["until"] is None and "公安机关调取" in k["zh"] for k in answer["kept"])
