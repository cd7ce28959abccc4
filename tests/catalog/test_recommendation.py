"""The recommendation for a line from its bills (M2), the answer recorded (M3), and the API:
bad input answers a clear 4xx in Chinese and English naming the field, never a 500."""

from datetime import date
from decimal import Decimal as D

import pytest

from servicehall.catalog import services
from servicehall.catalog.models import RecommendationOffer
from servicehall.core.errors import ServiceError
from servicehall.customers import bills
from servicehall.customers.models import Bill, Customer
from tests.catalog.conftest import add_bills
from tests.factories import make_customer, make_staff

PHONE = "13900000020"


@pytest.fixture
def heavy_caller(catalogue):
    """Bills of about 168 yuan for 350 minutes and 25 GB, 40 paid calls a month."""
    customer = make_customer(phone=PHONE)
    add_bills(
        PHONE, customer, amounts=("168.00", "165.50", "171.20"), voice=350, data=25600, calls=40
    )
    return customer


def test_m2_recommendation_for_a_line(heavy_caller, clerk):
    rec = services.recommend_for_number(clerk, "139 0000 0020")
    assert rec.recommended and rec.plan.code == "智享合约/96元档"
    # current: (168 + 165.50 + 171.20) / 3 = 168.233… → 168.23; new: 96 − 33 = 63
    assert (rec.current_cost, rec.new_cost, rec.saving) == (D("168.23"), D("63.00"), D("105.23"))


def test_m2_no_paid_calls_no_credit(catalogue, clerk):
    add_bills(PHONE, amounts=("168.00",) * 3, voice=350, data=25600, calls=0)
    rec = services.recommend_for_number(clerk, PHONE)
    # without the credit the 96 tier costs 96: still the cheapest that fits (99元档 is next)
    assert rec.plan.code == "智享合约/96元档" and rec.new_cost == D("96.00")


def test_m2_group_customer_gets_the_group_plan(catalogue, clerk):
    customer = make_customer(phone=PHONE)
    Customer.objects.filter(pk=customer.pk).update(group=Customer.Group.ENTERPRISE)
    add_bills(PHONE, customer, amounts=("188.00",) * 3, voice=600, data=51200, calls=60)
    rec = services.recommend_for_number(clerk, PHONE)
    assert rec.plan.code == "政企尊享/68元档"


def test_m2_off_sale_and_pack_tiers_are_never_priced(heavy_caller, clerk):
    codes = set(services.recommend(PHONE).costs)
    assert "畅享4G经典/58元档" not in codes and "流量加油包/10元1GB" not in codes


def test_m3_record_answer(heavy_caller, clerk):
    offer = services.record_answer(
        clerk, phone=PHONE, tier="智享合约/96元档", outcome="accepted", moment="handling"
    )
    assert offer.customer == heavy_caller and offer.offered_by == clerk
    assert (offer.current_cost, offer.new_cost, offer.saving) == (
        D("168.23"),
        D("63.00"),
        D("105.23"),
    )
    assert "每月可节省105.23元" in offer.explanation and offer.months == 3


def test_m3_answer_refused_without_changing_anything(heavy_caller, clerk):
    cases = [
        ({"tier": "畅享5G/99元档"}, 409, "tier"),  # not what is recommended now
        ({"outcome": "maybe"}, 422, "outcome"),
        ({"moment": "lunch"}, 422, "moment"),
        ({"phone": "12345"}, 422, "phone"),
        ({"phone": "13900000099"}, 404, "phone"),  # no usage: nothing to recommend
    ]
    for change, status, field in cases:
        kw = {"phone": PHONE, "tier": "智享合约/96元档", "outcome": "declined", "moment": "waiting"}
        with pytest.raises(ServiceError) as err:
            services.record_answer(clerk, **(kw | change))
        assert (err.value.status, err.value.field) == (status, field), change
    with pytest.raises(ServiceError) as err:
        services.record_answer(
            make_staff("device"), phone=PHONE, tier="x", outcome="accepted", moment="handling"
        )
    assert err.value.status == 403
    assert not RecommendationOffer.objects.exists()


def test_v4_bill_import_reads_the_optional_usage_columns(db):
    data = (
        "号码,月份,金额,通话分钟,流量MB,短信,主叫次数\n"
        '13900000020,2026-10,168.00,350,"25,600",12,40\n'
        "13900000021,2026-10,59.00,,,,\n"
    ).encode()
    rows = bills.parse(data, "b.csv")
    bills.store(rows)
    a, b = Bill.objects.order_by("number")
    assert (a.voice_minutes, a.data_mb, a.sms, a.paid_calls) == (350, 25600, 12, 40)
    assert b.voice_minutes is None and b.data_mb is None
    # a file without usage columns keeps the usage already stored
    bills.store(bills.parse(b"phone,month,amount\n13900000020,2026-10,170.00\n", "b.csv"))
    a.refresh_from_db()
    assert a.amount == D("170.00") and a.voice_minutes == 350


def test_v4_bill_import_keeps_the_plan_billed_when_the_export_carries_it(db):
    bills.store(
        bills.parse(
            "号码,月份,金额,套餐\n13900000020,2026-10,168.00,畅享5G 169元档\n".encode(), "b.csv"
        )
    )
    assert Bill.objects.get().plan == "畅享5G 169元档"
    bills.store(bills.parse(b"phone,month,amount\n13900000020,2026-10,170.00\n", "b.csv"))
    assert Bill.objects.get().plan == "畅享5G 169元档"  # a file without the column keeps it


def test_v4_bill_import_names_bad_usage_cells(db):
    data = "phone,month,amount,voice_minutes,data_mb\n13900000020,2026-10,1,-5,1\n13900000021,2026-10,1,2,1.5\n"
    with pytest.raises(ServiceError) as err:
        bills.parse(data.encode(), "b.csv")
    assert [(e["line"], e["field"]) for e in err.value.extra["errors"]] == [
        (2, "voice_minutes"),
        (3, "data_mb"),
    ]


# ------------------------------------------------------------------------------------- the API


def test_api_recommendation_and_answer(heavy_caller, clerk, api_as):
    api = api_as(clerk)
    r = api.get("/catalog/recommendation", phone=PHONE)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["number"] == "139****0020"  # masked (V2)
    assert body["recommended"] and body["tier"] == "智享合约/96元档"
    assert D(body["saving"]) == D("105.23") and body["promotion"]["monthly_credit"] == "33.00"
    assert "每月可节省105.23元" in body["explanation"]
    r = api.post(
        "/catalog/recommendation/answer",
        {"phone": PHONE, "tier": body["tier"], "outcome": "considering", "moment": "consultation"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["outcome"] == "considering"
    assert RecommendationOffer.objects.get().moment == "consultation"


def test_api_bad_input_is_a_clear_4xx(heavy_caller, clerk, api_as):
    api = api_as(clerk)
    for path, params, status, field in [
        ("/catalog/recommendation", {"phone": "abc"}, 422, "phone"),
        ("/catalog/recommendation", {}, 422, "phone"),
        ("/catalog/plans", {"on": "2026-13-45"}, 422, "on"),
    ]:
        r = api.get(path, **params)
        assert r.status_code == status, (path, r.content)
        assert r.json()["field"] == field and r.json()["message"] and r.json()["message_en"]
    for body, status, field in [
        ({"phone": PHONE, "tier": "x", "outcome": "accepted", "moment": "handling"}, 409, "tier"),
        ({"phone": PHONE, "tier": "x", "outcome": "yes", "moment": "handling"}, 422, "outcome"),
        ({"phone": PHONE, "outcome": "accepted", "moment": "handling"}, 422, "tier"),
        ({"phone": PHONE, "tier": "x", "outcome": "accepted", "moment": "m" * 50}, 422, "moment"),
    ]:
        r = api.post("/catalog/recommendation/answer", body)
        assert r.status_code == status, (body, r.content)
        assert r.json()["field"] == field and r.json()["message"] and r.json()["message_en"]
    assert r.status_code < 500


def test_api_plans_and_import(catalogue, manager, api_as):
    api = api_as(manager)
    plans = api.get("/catalog/plans").json()
    smart = next(p for p in plans if p["code"] == "智享合约/126元档")
    assert smart["effective_fee"] == "76" or D(smart["effective_fee"]) == D("76")
    r = api.c.post(
        "/api/catalog/import", {"file": _upload("产品,类型,档位,月费\n卡,主套餐,1档,abc\n")}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0] | {"message": "", "message_en": ""} == {
        "line": 2,
        "field": "price",
        "value": "abc",
        "message": "",
        "message_en": "",
    }
    r = api.c.post(
        "/api/catalog/import", {"file": _upload("产品,类型,档位,月费\n卡,主套餐,1档,9\n")}
    )
    assert r.status_code == 200 and r.json()["new_tiers"] == 1


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("catalogue.csv", text.encode(), content_type="text/csv")


def test_m2_batch_writes_a_row_for_every_line_even_without_usage(catalogue, tmp_path):
    """`servicehall recommend`: one output row per line of the input — a line whose bills carry
    no usage says so (no_usage) instead of vanishing — and the months as billing exports write
    them (2026-10, 202610, 2026年10月)."""
    import csv

    from servicehall.catalog import batch

    usage = tmp_path / "usage.csv"
    usage.write_text(
        "号码,月份,金额,通话分钟,流量MB,主叫次数\n"
        "13900000020,2026-08,168.00,350,25600,40\n"
        "13900000020,202609,165.50,350,25600,40\n"
        "13900000020,2026年10月,171.20,350,25600,40\n"
        "13900000099,2026-10,58.00,,,\n",  # billed, usage not exported
        encoding="utf-8",
    )
    out = tmp_path / "recs.csv"
    counts = batch.run(str(usage), str(out), date(2026, 11, 1))
    assert counts["lines"] == 2 and counts["recommended"] == 1
    rows = {r[0]: r for r in list(csv.reader(out.open(encoding="utf-8-sig")))[1:]}
    assert rows["13900000020"][1] == "3" and rows["13900000020"][7] == "ok"
    assert rows["13900000099"][7] == "no_usage" and rows["13900000099"][8]


def test_m2_batch_names_every_bad_cell_and_writes_nothing(catalogue, tmp_path):
    from servicehall.catalog import batch

    usage = tmp_path / "usage.csv"
    usage.write_text(
        "号码,月份,金额,通话分钟,流量MB\n139,2026-13,-1,x,1\n13900000020,20261,1,1,1\n",
        encoding="utf-8",
    )
    out = tmp_path / "recs.csv"
    with pytest.raises(ServiceError) as err:
        batch.run(str(usage), str(out), date(2026, 11, 1))
    fields = [(e["line"], e["field"]) for e in err.value.extra["errors"]]
    assert fields == [(2, "phone"), (2, "month"), (2, "amount"), (2, "voice_minutes"), (3, "month")]
    assert "未生成任何推荐" in err.value.zh and "导入" not in err.value.zh
    assert "2026-10 或 202610" in err.value.extra["errors"][1]["message"]
    assert not out.exists()
