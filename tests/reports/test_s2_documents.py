"""S2, the 18:00 scene: the daily and monthly reports as a PDF and an Excel file per hall, kept,
listed, the managers texted; the service report page against its targets."""

import io
from datetime import date, timedelta

import openpyxl
import pytest

from servicehall.core.models import SmsMessage
from servicehall.org.models import StaffProfile
from servicehall.queueing.models import Ticket
from servicehall.reports import documents, history, rollup
from servicehall.reports.models import ReportDocument
from tests import factories
from tests.conftest import client_for

DAY = date(2026, 11, 10)


@pytest.fixture
def reported(hall, manager):
    clerks = [factories.make_staff("clerk", hall) for _ in range(3)]
    cast = history.hall_staff(hall, clerks, factories.make_staff("care_desk", hall))
    history.write_days([cast], DAY - timedelta(days=1), 2, tickets_per_day=120, cases_per_day=5)
    rollup.rebuild_range(DAY - timedelta(days=1), DAY)
    StaffProfile.objects.filter(user=manager).update(mobile="13700001001")
    return hall


def test_s2_daily_report_pdf_and_excel_kept_and_texted(reported, manager, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    doc = documents.produce(reported, ReportDocument.Kind.DAILY, DAY, DAY)
    pdf = (tmp_path / doc.pdf_path).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") >= 1
    assert b"/FontFile" in pdf  # the CJK font embedded, so any reader shows the Chinese
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / doc.xlsx_path).read_bytes()))
    figures = {row[0].value: row[1].value for row in book["指标"].iter_rows(min_row=2)}
    assert figures["取号"] == Ticket.objects.filter(hall=reported, day=DAY).count()  # a number
    assert {"按业务类型", "按员工", "满意度五维度", "按工单类型"} <= set(book.sheetnames)
    texts = SmsMessage.objects.filter(to="13700001001", purpose="report")
    assert (
        texts.count() == 1
        and "日报" in texts[0].text
        and f"/reports/documents/{doc.pk}.pdf" in texts[0].text
    )
    # the job run again: one document for the period, no second text
    again = documents.produce(reported, ReportDocument.Kind.DAILY, DAY, DAY)
    assert again.pk == doc.pk and ReportDocument.objects.count() == 1 and texts.count() == 1

    page = client_for(manager).get("/reports/documents")
    assert page.status_code == 200 and f"/reports/documents/{doc.pk}.pdf" in page.text
    got = client_for(manager).get(f"/reports/documents/{doc.pk}.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content) == (tmp_path / again.pdf_path).read_bytes()
    # another hall's manager: as if it did not exist
    other = factories.make_staff("hall_manager", factories.make_hall("other-hall"))
    assert client_for(other).get(f"/reports/documents/{doc.pk}.pdf").status_code == 404
    assert f"{doc.pk}.pdf" not in client_for(other).get("/reports/documents").text


def test_s2_service_report_page_against_targets(reported, manager):
    c = client_for(manager)
    r = c.get("/reports/", {"period": "day", "on": DAY.isoformat()})
    assert r.status_code == 200
    tiles = r.context["tiles"]
    by_key = {t["key"]: t for t in tiles}
    issued = Ticket.objects.filter(hall=reported, day=DAY).count()
    assert by_key["issued"]["value"] == issued
    before = Ticket.objects.filter(hall=reported, day=DAY - timedelta(days=1)).count()
    assert by_key["issued"]["before_text"] == str(before)
    share = by_key["wait_ok_share"]
    assert share["met"] is (share["value"] >= 0.8)
    assert 'data-key="wait_ok_share"' in r.text
    # the drill-down lists exactly the tickets counted
    drill = c.get("/reports/service/tickets", {"period": "day", "on": DAY.isoformat()})
    assert drill.context["total"] == issued
    late = c.get("/reports/service/tickets", {"period": "day", "on": DAY.isoformat(), "late": "1"})
    called = by_key["issued"]["value"]  # every late ticket was called
    assert 0 < late.context["total"] < called
    # Excel: every table a sheet
    x = c.get("/reports/service.xlsx", {"period": "day", "on": DAY.isoformat()})
    book = openpyxl.load_workbook(io.BytesIO(x.content))
    assert "指标" in book.sheetnames and "按业务类型" in book.sheetnames


def test_s2_the_report_names_its_scope_and_keeps_one(reported, manager):
    """A hall manager's report is titled with the hall, not "all halls"; a staff member's has
    no per-hall row (it would put the hall's queue beside the person's own cases)."""
    c = client_for(manager)
    page = c.get("/reports/", {"period": "day", "on": DAY.isoformat()})
    assert page.context["title"] == reported.name and "全部营业厅" not in page.text
    clerk = Ticket.objects.filter(hall=reported, day=DAY, served_by__isnull=False).first()
    one = c.get(
        "/reports/", {"period": "day", "on": DAY.isoformat(), "staff": clerk.served_by.username}
    )
    assert one.status_code == 200 and one.context["hall_rows"] == []


def test_s2_service_report_refusals(reported, manager, clerk):
    c = client_for(manager)
    bad = c.get("/reports/", {"period": "month", "month": "2026-13"})
    assert bad.status_code == 422 and "month" in bad.text
    assert c.get("/reports/", {"period": "custom", "from": "2026-11-10"}).status_code == 422
    late = c.get("/reports/", {"period": "custom", "from": "2026-11-10", "to": "2026-11-01"})
    assert late.status_code == 422 and "结束日期早于开始日期" in late.text
    assert c.get("/reports/", {"period": "year"}).status_code == 422
    assert c.get("/reports/", {"hall": "other-hall"}).status_code == 404
    other = factories.make_hall("other-hall")
    assert c.get("/reports/", {"hall": other.code}).status_code == 404
    stranger = factories.make_staff("clerk", other)
    assert c.get("/reports/", {"staff": stranger.username}).status_code == 404
    assert client_for(clerk).get("/reports/").status_code == 403
