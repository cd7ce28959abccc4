"""The catalogue import (M1): our CSV/Excel format, Chinese or English headers; the whole file
checked first, every bad line named by line number and column, nothing written then."""

import io
from decimal import Decimal as D

import openpyxl
import pytest

from servicehall.catalog import importer
from servicehall.catalog.models import Product, Promotion, Tier
from servicehall.core.errors import ServiceError
from servicehall.demo import CATALOGUE_CSV
from tests.factories import make_staff

EN_HEADER = (
    "product,kind,tier,price,data_mb,minutes,sms,data_overage,voice_overage,sms_overage,"
    "contract_months,groups,on_sale,off_sale,promotion,monthly_credit,promotion_months,"
    "total_bonus,min_paid_calls,first_prepayment,prepayment_hours\n"
)


def test_m1_imports_the_smart_terminal_offers(catalogue):
    assert catalogue["tiers"] == 23 and catalogue["promotions"] == 3
    promos = Promotion.objects.filter(tier__product__name="智享合约").order_by("monthly_credit")
    assert [(p.tier.price, p.monthly_credit, p.total_bonus) for p in promos] == [
        (D("96"), D("33"), D("792")),
        (D("126"), D("50"), D("1200")),
        (D("186"), D("70"), D("1680")),
    ]
    # the effective rents 63 / 76 / 116 of the manual
    assert [p.tier.price - p.monthly_credit for p in promos] == [D("63"), D("76"), D("116")]
    smart = promos[1]
    assert (smart.min_paid_calls, smart.first_prepayment, smart.prepayment_hours) == (
        3,
        D("200"),
        48,
    )
    assert smart.months == 24 and smart.tier.contract_months == 24
    corp = Tier.objects.get(code="政企尊享/68元档")
    assert corp.groups == ["enterprise"] and corp.voice_overage_yuan_per_min == D("0.12")
    assert Product.objects.get(name="流量加油包").kind == Product.Kind.PACK
    # versions, validity and bandwidth (M1's typed attributes) come from their own columns
    year = Tier.objects.get(code="悦听彩铃/年包")
    assert year.sub_services == ["年包"] and year.validity_hours == 8640
    assert Tier.objects.get(code="家庭宽带/1000M档").bandwidth_mbps == 1000


def test_m1_english_headers_and_reimport_updates(db):
    rows = EN_HEADER + "Test 5G,plan,59 tier,59,30720,200,50,0.005,0.15,0.1,,,2026-01-01,,,,,,,,\n"
    first = importer.store(importer.parse(rows.encode(), "c.csv"))
    assert first["new_tiers"] == 1
    again = importer.store(importer.parse(rows.replace(",59,", ",49,", 1).encode(), "c.csv"))
    assert again["new_tiers"] == 0
    assert Tier.objects.get(code="Test 5G/59 tier").price == D("49")


def test_m1_excel_file(db):
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in CATALOGUE_CSV.strip().splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    assert len(importer.parse(buf.getvalue(), "catalogue.xlsx")) == 23


def test_m1_bad_file_lists_every_bad_line_and_writes_nothing(db):
    rows = (
        EN_HEADER
        + "Good,plan,ok,59,30720,200,50,0.005,0.15,0.1,,,2026-01-01,,,,,,,,\n"  # line 2
        + "Bad,plan,price,五十九,30720,200,50,0.005,0.15,0.1,,,,,,,,,,,\n"  # line 3: price
        + "Bad,套餐X,kind,59,-1,200,50,0.005,0.15,0.1,,,,,,,,,,,\n"  # line 4: kind, data_mb
        + "Bad,plan,date,59,1,2,3,0.00501,0.15,0.1,,,2026-13-01,,,,,,,,\n"  # 5: overage, on_sale
        + "Bad,plan,promo,126,1,2,3,0.005,0.15,0.1,24,,,,优惠,50,24,1000,3,200,48\n"  # 6: bonus
        + "Bad,plan,credit,20,1,2,3,0.005,0.15,0.1,,,,,优惠,50,24,,,,\n"  # 7: credit > price
        + "Bad,plan,groups,20,1,2,3,0.005,0.15,0.1,,外星人,,,,,,,,,\n"  # 8: groups
        + "Good,plan,ok,59,30720,200,50,0.005,0.15,0.1,,,,,,,,,,,\n"  # 9: duplicate tier
        + "Bad,plan,nameless,20,1,2,3,0.005,0.15,0.1,,,,,,10,12,,,,\n"  # 10: promotion name
    )
    # the optional typed columns, checked the same way (lines 11, 12)
    rows = rows.replace(
        "prepayment_hours\n", "prepayment_hours,bandwidth_mbps,validity_hours,sub_services\n"
    )
    rows += "Bad,plan,speed,20,1,2,3,0.005,0.15,0.1,,,,,,,,,,,,百兆,-1,\n"  # 11
    rows += (
        "Bad,plan,versions,20,1,2,3,0.005,0.15,0.1,,,,,,,,,,,,,,"
        + "、".join(f"版本{i}" for i in range(21))
        + "\n"
    )  # 12: 21 versions
    user = make_staff("hall_manager")
    with pytest.raises(ServiceError) as err:
        importer.import_catalog(user, rows.encode(), "c.csv")
    exc = err.value
    assert exc.status == 422 and exc.code == "bad_rows"
    got = {(e["line"], e["field"]) for e in exc.extra["errors"]}
    assert got == {
        (3, "price"),
        (4, "kind"),
        (4, "data_mb"),
        (5, "data_overage"),
        (5, "on_sale"),
        (6, "total_bonus"),
        (7, "monthly_credit"),
        (8, "groups"),
        (9, "tier"),
        (10, "promotion"),
        (11, "bandwidth_mbps"),
        (11, "validity_hours"),
        (12, "sub_services"),
    }
    assert "第3行“月费”列" in exc.zh and "未导入任何数据" in exc.zh  # the column in words
    assert "Line 3, column Monthly fee" in exc.en and "nothing was imported" in exc.en
    assert all(e["message"] and e["message_en"] for e in exc.extra["errors"])
    assert not Product.objects.exists() and not Tier.objects.exists()


def test_m1_missing_column_and_empty_file(db):
    with pytest.raises(ServiceError) as err:
        importer.parse("产品,类型,档位\n某卡,主套餐,1档\n".encode(), "c.csv")
    assert err.value.code == "missing_column" and err.value.extra["errors"][0]["field"] == "price"
    with pytest.raises(ServiceError) as err:
        importer.parse(b"", "c.csv")
    assert err.value.code == "empty_file"


def test_m1_import_needs_the_permission(db):
    with pytest.raises(ServiceError) as err:
        importer.import_catalog(make_staff("clerk"), CATALOGUE_CSV.encode(), "c.csv")
    assert err.value.status == 403


def test_m1_a_reimport_leaves_the_columns_it_does_not_have(catalogue):
    """A price list re-imported must not wipe the versions, validity or bandwidth set before."""
    rows = "产品,类型,档位,月费\n悦听彩铃,增值业务,年包,45\n家庭宽带,宽带,300M档,49\n"
    importer.store(importer.parse(rows.encode(), "prices.csv"))
    year = Tier.objects.get(code="悦听彩铃/年包")
    assert year.price == D("45") and year.sub_services == ["年包"] and year.validity_hours == 8640
    line = Tier.objects.get(code="家庭宽带/300M档")
    assert line.price == D("49") and line.bandwidth_mbps == 300 and line.contract_months == 12
