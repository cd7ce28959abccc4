"""The service reports `/reports/` (S2): per hall, team and staff member, for a day, a week, a
month or a range, compared with the period before; every figure against its target, charts
(ECharts from our own static files), drill-down to the tickets and cases behind a figure, an
Excel workbook of every table. The figures are reports.selectors' (rollup tables only); this
module parses, renders and writes the workbook."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from servicehall.core import periods, validate
from servicehall.core.errors import Code, ServiceError
from servicehall.org.models import Desk, Hall, staff_name
from servicehall.org.roles import hall_ids_of, in_halls
from servicehall.reports import documents
from servicehall.reports import selectors as reports

from . import exports
from .access import page
from .attachments import file_response
from .excel import Book
from .forms import words

PERM = "reports.view_service_report"


def _lang() -> str:
    return get_language() or "zh-hans"


def period_of(g) -> tuple[str, date, date]:
    """The period asked for (core.periods): `period` day or week (around `on`), month (`month`,
    YYYY-MM), custom (`from`, `to`); by default this month."""
    kind = g.get("period", "") or "month"
    on = g.get("month", "") if kind == "month" else g.get("on", "")
    p = periods.period(kind, on, g.get("from", ""), g.get("to", ""), default=timezone.localdate())
    return p.kind, p.start, p.end


def _query(g, **change) -> str:
    keep = {
        k: g.get(k, "")
        for k in ("period", "on", "month", "from", "to", "hall", "desk", "staff")
        if g.get(k, "")
    }
    keep.update({k: v for k, v in change.items() if v is not None})
    return urlencode({k: v for k, v in keep.items() if v != ""})


def _pickers(user) -> dict:
    ids = hall_ids_of(user)
    halls = in_halls(Hall.objects.order_by("code"), user, "pk")
    desks = Desk.objects.order_by("code")
    if ids is not None:
        desks = desks.filter(hall_id__in=ids)
    return {"halls": list(halls), "desks": list(desks)}


def _context(request) -> dict:
    g = request.GET
    kind, start, end = period_of(g)
    scope = reports.scope_for(
        request.user, hall=g.get("hall", ""), desk=g.get("desk", ""), staff=g.get("staff", "")
    )
    lang = _lang()
    data = documents.report_data(scope, start, end, lang)
    by_type, by_staff, by_kind, halls = (
        data["by_type"],
        data["by_staff"],
        data["by_kind"],
        data["hall_rows"],
    )
    by_day, dims = data["by_day"], data["dims"]
    drill = reverse("web:service-report-tickets")
    for r in by_type:
        r["link"] = f"{drill}?{_query(g, type=r['service_type_id'])}"
        r["late_link"] = f"{drill}?{_query(g, type=r['service_type_id'], late='1')}"
    for r in by_staff:
        r["link"] = "?" + _query(g, staff=r["username"], desk="")
    for r in halls:
        r["link"] = "?" + _query(g, hall=r["hall"].code, desk="", staff="")
    cases = reverse("web:service-report-cases")
    for r in by_kind:
        r["link"] = f"{cases}?{_query(g, kind=r['kind'])}"
        r["breached_link"] = f"{cases}?{_query(g, kind=r['kind'], what='breached')}"
    charts = {
        "day": {
            "names": [f"{r['day']:%m-%d}" for r in by_day],
            "issued": [r["issued"] for r in by_day],
            "ok": [
                None if r["wait_ok_share"] is None else round(r["wait_ok_share"] * 100, 1)
                for r in by_day
            ],
            "target": round(reports.TARGETS["wait_ok_share"].value * 100),
        },
        "hour": data["by_hour"],
        "dims": {
            "names": [d["name"] for d in dims],
            "survey": [None if d["survey"] is None else round(d["survey"], 2) for d in dims],
            "rating": [None if d["rating"] is None else round(d["rating"], 2) for d in dims],
        },
        "labels": {
            "issued": words("取号", "Tickets"),
            "ok": words("按时叫号率 %", "Called in time %"),
            "target": words("目标", "Target"),
            "survey": words("回访调查", "Surveys"),
            "rating": words("评价器", "Counter ratings"),
            "empty": words("该时段无数据", "Nothing in this period"),
        },
    }
    nav = {}
    if kind in ("day", "week"):
        step = timedelta(days=1 if kind == "day" else 7)
        nav = {
            "prev": "?" + _query(g, on=f"{start - step:%Y-%m-%d}"),
            "next": "?" + _query(g, on=f"{start + step:%Y-%m-%d}"),
        }
    elif kind == "month":
        nav = {
            "prev": "?" + _query(g, month=f"{data['prev_start']:%Y-%m}"),
            "next": "?" + _query(g, month=f"{end + timedelta(days=1):%Y-%m}"),
        }
    return {
        **data,
        "period": kind,
        "scope": scope,
        "charts": charts,
        "nav": nav,
        "on_value": g.get("on", "") or f"{timezone.localdate():%Y-%m-%d}",
        "month_value": f"{start:%Y-%m}",
        "export": reverse("web:service-report-xlsx") + "?" + _query(g),
        "drill_all": f"{drill}?{_query(g)}",
        "drill_late": f"{drill}?{_query(g, late='1')}",
        "drill_long": f"{drill}?{_query(g, long='1')}",
        **_pickers(request.user),
        "q": g,
    }


@page(PERM)
def service_report(request):
    return render(request, "web/reports/service.html", _context(request))


@page(PERM)
def service_report_xlsx(request):
    """Every table of the report in one workbook, a sheet each (reports.documents.workbook: the
    figures only, no personal data in it, so no audit row)."""
    c = _context(request)
    book = documents.workbook(c, _lang(), Book())
    return book.response(f"service-report-{c['start']:%Y%m%d}-{c['end']:%Y%m%d}.xlsx")


def _ticket_rows(tickets, lang: str) -> list[dict]:
    tz = timezone.get_current_timezone()
    en = lang.startswith("en")
    rows = []
    for t in tickets:
        wait = (
            None
            if t.first_called_at is None
            else (t.first_called_at - t.arrival_at).total_seconds() / 60
        )
        service = None
        if t.started_at and t.finished_at:
            service = (t.finished_at - t.started_at).total_seconds() / 60
        rows.append(
            {
                "day": t.day,
                "number": t.number,
                "hall": t.hall.name,
                "type": t.service_type.name_en if en else t.service_type.name_zh,
                "vip": t.priority > 0,
                "arrival": t.arrival_at.astimezone(tz),
                "wait_min": wait,
                "service_min": service,
                "status": t.get_status_display(),
                "counter": t.counter.name if t.counter else "",
                "staff": staff_name(t.served_by) or "",
            }
        )
    return rows


@page(PERM)
def service_report_tickets(request):
    """The tickets behind a figure, 50 a page; the same as CSV (`?format=csv`, every row, at
    most 100,000). A ticket carries no customer: nothing personal to audit."""
    g = request.GET
    _kind, start, end = period_of(g)
    scope = reports.scope_for(
        request.user, hall=g.get("hall", ""), desk=g.get("desk", ""), staff=g.get("staff", "")
    )
    service_type = validate.object_id(g.get("type", "")) if g.get("type") else None
    tickets = reports.tickets_behind(
        scope,
        start,
        end,
        service_type=service_type,
        late=g.get("late") == "1",
        long=g.get("long") == "1",
    )
    lang = _lang()
    if exports.wanted(request):  # every row, at most 100,000; no customer on a ticket
        rows = _ticket_rows(tickets[:100_000].iterator(chunk_size=2000), lang)
        return exports.respond(request, "tickets", TICKET_COLUMNS, rows)
    pages = Paginator(tickets, 50)
    number = validate.object_id(g.get("page", "1")) or 1
    current = pages.get_page(number)
    return render(
        request,
        "web/reports/tickets.html",
        {
            "rows": _ticket_rows(current.object_list, lang),
            "page": current,
            "total": pages.count,
            "start": start,
            "end": end,
            "title": reports.title_of(scope),
            "late": g.get("late") == "1",
            "long": g.get("long") == "1",
            "csv": "?"
            + _query(g, format="csv", type=g.get("type"), late=g.get("late"), long=g.get("long")),
            "back": reverse("web:service-report") + "?" + _query(g),
            "page_query": _query(g, type=g.get("type"), late=g.get("late"), long=g.get("long")),
        },
    )


@page(PERM)
def service_report_cases(request):
    """The cases behind a figure, as the case list shows them (200 at most)."""
    from servicehall.cases import selectors as case_selectors

    g = request.GET
    _kind, start, end = period_of(g)
    scope = reports.scope_for(
        request.user, hall=g.get("hall", ""), desk=g.get("desk", ""), staff=g.get("staff", "")
    )
    what = g.get("what", "opened")
    if what not in reports.CASE_DRILLS:
        what = "opened"
    cases = reports.cases_behind(scope, start, end, kind=g.get("kind", ""), what=what)
    now = timezone.now()
    if exports.wanted(request):
        rows = [case_selectors.row(c, now, _lang()) for c in cases[:5000]]
        return exports.respond(request, "cases", exports.CASE_COLUMNS, rows, personal="case")
    titles = {
        "opened": words("受理的工单", "Cases opened"),
        "open": words("未关闭的工单", "Cases still open"),
        "breached": words("处理超时的工单", "Cases past their deadline"),
        "response_missed": words("首次响应超时的工单", "Cases whose first response was late"),
        "unconfirmed": words("未经客户确认关闭的工单", "Cases closed without confirmation"),
    }
    return render(
        request,
        "web/reports/cases.html",
        {
            "rows": [case_selectors.row(c, now, _lang()) for c in cases[:200]],
            "title": f"{titles[what]} · {reports.title_of(scope)} · {start:%Y-%m-%d} – {end:%Y-%m-%d}",
            "back": reverse("web:service-report") + "?" + _query(g),
        },
    )


TICKET_COLUMNS = [
    ("日期", "Day", "day"),
    ("号码", "Number", "number"),
    ("营业厅", "Hall", "hall"),
    ("业务类型", "Service type", "type"),
    ("VIP", "VIP", "vip"),
    ("到达", "Arrived", "arrival"),
    (
        "等候（分钟）",
        "Wait (min)",
        lambda r: None if r["wait_min"] is None else round(r["wait_min"], 1),
    ),
    (
        "办理（分钟）",
        "Service (min)",
        lambda r: None if r["service_min"] is None else round(r["service_min"], 1),
    ),
    ("状态", "Status", "status"),
    ("窗口", "Counter", "counter"),
    ("员工", "Staff member", "staff"),
]


@page(PERM)
def report_documents(request):
    """The daily and monthly report documents the job made for the user's halls."""
    g = request.GET
    docs = reports.documents_of(request.user, hall=g.get("hall", ""), kind=g.get("kind", ""))
    current = Paginator(docs, 50).get_page(validate.object_id(g.get("page", "1")) or 1)
    return render(
        request,
        "web/reports/documents.html",
        {"page": current, "docs": current.object_list, "q": g, **_pickers(request.user)},
    )


@page(PERM)
def report_document(request, doc_id, ext):
    """A report document's PDF or Excel file, as a download."""
    from django.core.files.storage import storages
    from django.http import Http404

    from servicehall.core.workbook import XLSX

    doc = reports.document_for(request.user, doc_id)
    if ext not in ("pdf", "xlsx"):
        raise Http404
    path = doc.pdf_path if ext == "pdf" else doc.xlsx_path
    kind = "daily" if doc.kind == "daily" else "monthly"
    period = f"{doc.period_start:%Y%m%d}" if kind == "daily" else f"{doc.period_start:%Y%m}"
    name = f"{doc.hall.name}-{words('日报', 'daily') if kind == 'daily' else words('月报', 'monthly')}-{period}.{ext}"
    content_type = "application/pdf" if ext == "pdf" else XLSX
    try:
        handle = storages["attachments"].open(path, "rb")
    except FileNotFoundError:  # the store lost it: say so, never a 500
        raise ServiceError(
            Code.NOT_FOUND,
            "报表文件已不在存储中，请重新生成",
            "The report's file is no longer in the store: make it again",
            status=404,
        ) from None
    return file_response(handle, name, content_type)
