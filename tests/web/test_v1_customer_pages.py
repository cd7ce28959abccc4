"""V1, V2, V4, C3: the customer pages — found by a number's last digits, a name or an ID's
last digits; everything about them on one screen, masked until revealed with a reason (audited);
created and corrected with their history; identified; privileges used within the tier."""

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password

from servicehall.core.models import AuditLog
from servicehall.customers.models import Bill, Customer, CustomerChange, PrivilegeUse, Tier
from servicehall.customers.profile import with_check_character
from tests import factories
from tests.conftest import client_for


@pytest.fixture
def wang(db):
    c = factories.make_customer(tier=Tier.GOLD, phone="13911112222", name="王建国")
    c.id_number = with_check_character("11010119900307457")
    c.address = "云岭省临江市城东区和平路18号3栋"
    c.service_password = make_password("604219")
    c.save()
    Bill.objects.create(
        number="13911112222", customer=c, month="2026-10-01", amount=Decimal("188.40")
    )
    return c


def test_v1_search_by_tail_name_and_id_shows_masked_rows(clerk, wang):
    c = client_for(clerk)
    for q in ("2222", "王建国", "王", wang.id_number[-6:], "王 2222"):
        page = c.get("/customers/", {"q": q}).content.decode()
        results = page.split('id="customer-results"')[1]
        assert f'data-customer="{wang.pk}"' in results, q
        assert "13911112222" not in results and "王建国" not in results  # masked (V2)
    page = c.get("/customers/", {"q": "9999"}).content.decode()
    assert 'id="no-customers"' in page


def test_v2_customer_page_is_masked_and_the_reveal_is_audited(hall, wang):
    care = factories.make_staff("complaint_desk", hall)  # reveals, does not advise on plans
    c = client_for(care)
    page = c.get(f"/customers/{wang.pk}/").content.decode()
    for secret in ("13911112222", wang.id_number, "和平路18号", "188.40", "王建国"):
        assert secret not in page
    refused = c.post(f"/customers/{wang.pk}/reveal", {"reason": "."})
    assert refused.status_code == 422 and not AuditLog.objects.exists()
    shown = c.post(f"/customers/{wang.pk}/reveal", {"reason": "销户挽留核实身份"}).content.decode()
    for secret in ("13911112222", wang.id_number, "和平路18号", "188.40", "王建国"):
        assert secret in shown
    row = AuditLog.objects.get()
    assert (row.actor, row.object_id, row.reason) == (care, str(wang.pk), "销户挽留核实身份")
    # a clerk's role does not reveal at all; it sees what the customer spends (it advises on
    # plans from it), never the numbers
    clerk = factories.make_staff("clerk", hall)
    page = client_for(clerk).get(f"/customers/{wang.pk}/").content.decode()
    assert "188.40" in page and "13911112222" not in page and wang.id_number not in page
    assert (
        client_for(clerk)
        .post(f"/customers/{wang.pk}/reveal", {"reason": "好奇一下看看"})
        .status_code
        == 403
    )


def test_v4_create_and_correct_keep_history_and_refuse_bad_input(clerk, wang):
    c = client_for(clerk)
    bad = c.post(
        "/customers/new",
        {"name": "李秀英", "id_number": "110101199003074570", "number": "13911113333"},
    )
    assert bad.status_code == 422 and "校验" in bad.content.decode()
    assert not Customer.objects.filter(name="李秀英").exists()
    ok = c.post(
        "/customers/new",
        {
            "name": "李秀英",
            "tier": "silver",
            "group": "individual",
            "number": "13911113333",
            "address": "临江市城东区人民路2号",
        },
    )
    li = Customer.objects.get(name="李秀英")
    assert ok.status_code == 302 and li.phones.get().number == "13911113333"
    taken = c.post("/customers/new", {"name": "赵敏", "number": "13911113333"})
    assert taken.status_code == 422 and not Customer.objects.filter(name="赵敏").exists()
    form = {"tier": "gold", "group": "individual", "monthly_spend": "99.5", "version": li.version}
    assert c.post(f"/customers/{li.pk}/edit", form).status_code == 302
    li.refresh_from_db()
    assert li.tier == "gold" and li.name == "李秀英"  # an empty name field keeps the name
    change = li.changes.exclude(note="建档").get()
    assert change.fields["tier"] == ["银卡", "金卡"] and change.by == clerk
    stale = c.post(f"/customers/{li.pk}/edit", {**form, "tier": "silver"})  # the old version
    assert stale.status_code == 409
    assert Customer.objects.get(pk=li.pk).tier == "gold"
    page = c.get(f"/customers/{li.pk}/").content.decode()
    assert "银卡" in page and "金卡" in page and 'id="history-list"' in page


def test_c3_identify_records_how_and_a_wrong_password_is_refused(clerk, wang):
    c = client_for(clerk)
    c.post(f"/customers/{wang.pk}/identify", {"method": "password", "proof": "111111"})
    assert not wang.identifications.exists()
    c.post(
        f"/customers/{wang.pk}/identify",
        {"method": "password", "proof": "604219", "purpose": "销户"},
    )
    ident = wang.identifications.get()
    assert (ident.method, ident.by, ident.purpose) == ("password", clerk, "销户")


def test_v1_privileges_within_the_tier_and_its_allowance(clerk, wang):
    c = client_for(clerk)
    for _ in range(3):
        c.post(f"/customers/{wang.pk}/privileges", {"privilege": "green_channel"})
    assert PrivilegeUse.objects.filter(customer=wang).count() == 2  # gold: twice a year
    page = c.get(f"/customers/{wang.pk}/").content.decode()
    assert "本年度2次已用完" in page or "this year's 2 are used" in page
    silver = factories.make_customer(tier=Tier.SILVER)
    c.post(f"/customers/{silver.pk}/privileges", {"privilege": "green_channel"})
    assert not PrivilegeUse.objects.filter(customer=silver).exists()


def test_v4_closing_the_last_line_makes_the_customer_left(clerk, wang):
    c = client_for(clerk)
    line = wang.phones.get()
    c.post(
        f"/customers/{wang.pk}/lines",
        {"line": line.pk, "line_status": "closed", "ended_on": "2026-11-30"},
    )
    wang.refresh_from_db()
    assert wang.status == "left" and wang.left_at.date().isoformat() == "2026-11-30"
    assert CustomerChange.objects.filter(customer=wang, fields__has_key="status").exists()


def test_v1_only_staff_see_customers(db, wang):
    assert client_for(None).get(f"/customers/{wang.pk}/").status_code == 302
    device = factories.make_staff("device", factories.make_hall("h2"))
    assert client_for(device).get("/customers/").status_code == 403
    assert (
        client_for(factories.make_staff("clerk", factories.make_hall("h3")))
        .get("/customers/999999/")
        .status_code
        == 404
    )


def test_r1_v2_the_customer_page_leads_to_retention_and_the_customers_rights(hall, clerk, wang):
    page = client_for(clerk).get(f"/customers/{wang.pk}/").content.decode()
    assert f"/retention/new?customer={wang.pk}" in page
    assert 'id="customer-export"' not in page  # a clerk does not hand out the customer's file
    form = client_for(clerk).get(f"/retention/new?customer={wang.pk}").content.decode()
    assert 'id="from-customer"' in form and "139****2222" in form and "13911112222" not in form
    manager = factories.make_staff("hall_manager", hall)
    page = client_for(manager).get(f"/customers/{wang.pk}/").content.decode()
    assert 'id="customer-export"' in page and 'id="customer-erase"' in page
