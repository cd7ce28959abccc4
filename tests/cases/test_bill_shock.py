"""L3: a bill more than 5× the line's previous three months' average opens a proactive contact
case; imports are all-or-nothing with bad rows named by line."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicehall.cases.bill_shock import import_bills
from servicehall.cases.models import Case
from servicehall.core.errors import ServiceError
from servicehall.customers.models import Bill
from tests import factories

pytestmark = pytest.mark.django_db

HISTORY = "号码,月份,金额\n13900001111,2026-07,58.00\n13900001111,2026-08,62.00\n13900001111,2026-09,60.00\n"


@pytest.fixture
def importer(hall):
    user = factories.make_staff("care_desk", hall)
    factories.make_desk("care", hall, members=[user])
    factories.make_customer(phone="13900001111")
    return user


def test_l3_bill_five_times_the_average_opens_a_proactive_case(importer):
    import_bills(importer, HISTORY.encode(), "history.csv")
    result = import_bills(importer, b"phone,month,amount\n13900001111,2026-10,301.00\n", "oct.csv")
    assert len(result["bill_shock_cases"]) == 1
    case = Case.objects.get()
    assert (case.channel, case.priority, case.desk.code) == ("proactive", "high", "care")
    assert case.customer is not None and "5.0 倍" in case.description
    assert "301.00" in case.description and "60.00" in case.description
    again = import_bills(importer, b"phone,month,amount\n13900001111,2026-10,301.00\n", "oct.csv")
    assert again["bill_shock_cases"] == [] and Case.objects.count() == 1  # once per line-month


def test_l3_exactly_five_times_or_less_history_is_not_a_shock(importer):
    import_bills(importer, HISTORY.encode(), "history.csv")
    assert (
        import_bills(importer, b"phone,month,amount\n13900001111,2026-10,300\n", "a.csv")[
            "bill_shock_cases"
        ]
        == []
    )
    new_line = b"phone,month,amount\n13900002222,2026-09,10\n13900002222,2026-10,900\n"
    assert import_bills(importer, new_line, "b.csv")["bill_shock_cases"] == []  # no history


def test_l3_a_bad_row_refuses_the_whole_file_naming_the_line(importer):
    bad = "号码,月份,金额\n13900001111,2026-07,58\n1390000,2026-08,62\n13900001111,2026-13,1\n"
    with pytest.raises(ServiceError) as e:
        import_bills(importer, bad.encode(), "bad.csv")
    assert e.value.status == 422 and "第3行" in e.value.zh
    assert [(x["line"], x["field"]) for x in e.value.extra["errors"]] == [
        (3, "phone"),
        (4, "month"),
    ]
    assert not Bill.objects.exists()


def test_l3_excel_import(importer):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["号码", "月份", "金额"])
    for month, amount in [("2026-07", 50), ("2026-08", 50), ("2026-09", 50), ("2026-10", 400)]:
        ws.append(["13900001111", month, amount])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_bills(importer, buf.getvalue(), "bills.xlsx")
    assert result["imported"] == 4 and len(result["bill_shock_cases"]) == 1


def test_l3_import_through_the_api(api_as, importer, clerk):
    upload = SimpleUploadedFile("h.csv", HISTORY.encode(), content_type="text/csv")
    r = api_as(importer).c.post("/api/cases/bill-shock/import", {"file": upload})
    assert r.status_code == 200 and r.json()["imported"] == 3
    bad = SimpleUploadedFile("x.csv", b"phone,month,amount\nabc,2026-10,1\n")
    r = api_as(importer).c.post("/api/cases/bill-shock/import", {"file": bad})
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "line": 2,
        "field": "phone",
        "value": "abc",
        "message": "应为11位手机号码",
        "message_en": "an 11-digit mobile number",
    }
    r = api_as(clerk).c.post("/api/cases/bill-shock/import", {"file": bad})
    assert r.status_code == 403
