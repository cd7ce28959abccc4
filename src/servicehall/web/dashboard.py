"""The service reports `/reports/` (S2): per hall, team and staff member, for a day, a week, a
month or a range, compared with the period before; every figure against its target, charts
(ECharts from our own static files), drill-down to the tickets and cases behind a figure, an
Excel workbook of every table. The figures are reports.selectors' (rollup tables only); this
module parses, renders and writes the workbook."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from servicehall.core import validate
from servicehall.core.errors import Code, ServiceError
from servicehall.org.models import Desk, Hall, staff_name
from servicehall.org.roles import hall_ids_of, in_halls
from servicehall.reports import selectors as reports
from servicehall.surveys.models import DIMENSIONS

from .access import page
from .attachments import file_response
from .excel import Book
from .forms import words

PERM = "reports.view_service_report"
PERIODS = ("day", "week", "month", "range")


def _lang() -> str:
    return get_language() or "zh-hans"


def period_of(g) -> tuple[str, date, date]:
    """The period asked for: `period` day (`on`), week (the Monday–Sunday week of `on`), month
    (`month`, YYYY-MM) or range (`from`, `to`); by default this month so far. A malformed date
    is refused naming its field."""
    today = timezone.localdate()
    kind = g.get("period", "month")
    if kind not in PERIODS:
        raise ServiceError(
            Code.INVALID_CHOICE,
            f"时间段只能是 {'、'.join(PERIODS)}",
            f"period must be one of {', '.join(PERIODS)}",
            field="period",
        )
    on = validate.calendar_date(g.get("on", ""), "on") or today
    if kind == "day":
        return kind, on, on
    if kind == "week":
        monday = on - timedelta(days=on.weekday())
        return kind, monday, monday + timedelta(days=6)
    if kind == "month":
        first = validate.month(g.get("month", ""), "month") or today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return kind, first, last
    start = validate.calendar_date(g.get("from", ""), "from")
    end = validate.calendar_date(g.get("to", ""), "to")
    if start is None or end is None:
        raise ServiceError(
            Code.REQUIRED,
            "自定义时间段需要开始和结束日期",
            "A custom range needs a from and a to date",
            field="from" if start is None else "to",
        )
    reports.check_period(start, end)
    return kind, start, end


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
    prev_start, prev_end = reports.previous(start, end)
    now = reports.figures(scope, start, end)
    before = reports.figures(scope, prev_start, prev_end)
    tiles = reports.tiles(now, before, lang)
    by_type = reports.by_type(scope, start, end, lang) if scope.staff_ids is None else []
    by_hour = reports.by_hour(scope, start, end, lang) if scope.staff_ids is None else None
    by_day = reports.by_day(scope, start, end) if scope.staff_ids is None else []
    # per person within one hall or team; for many halls the table per hall instead
    single = scope.hall is not None or scope.desk is not None or scope.staff is not None
    if not single and scope.hall_ids is not None and len(scope.hall_ids) == 1:
        single = True
    by_staff = reports.by_staff(scope, start, end) if single else []
    by_kind = reports.by_kind(scope, start, end, lang)
    halls = reports.halls_table(scope, start, end) if scope.hall is None else []
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
    sat = now["satisfaction_detail"]
    dims = [
        {
            "name": d[2] if lang.startswith("en") else d[1],
            "survey": sat["survey"]["dims"][d[0]],
            "rating": sat["rating"]["dims"][d[0]],
        }
        for d in DIMENSIONS
    ]
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
        "hour": by_hour,
        "type": {
            "names": [r["name"] for r in by_type],
            "values": [r["issued"] for r in by_type],
            "links": [r["link"] for r in by_type],
        },
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
            "prev": "?" + _query(g, month=f"{prev_start:%Y-%m}"),
            "next": "?" + _query(g, month=f"{end + timedelta(days=1):%Y-%m}"),
        }
    return {
        "period": kind,
        "start": start,
        "end": end,
        "prev_start": prev_start,
        "prev_end": prev_end,
        "scope": scope,
        "title": reports.title_of(scope),
        "tiles": tiles,
        "figures": now,
        "satisfaction": sat,
        "dims": dims,
        "by_type": by_type,
        "by_staff": by_staff,
        "by_kind": by_kind,
        "by_day": by_day,
        "hall_rows": halls,
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


def _pct(v):
    return None if v is None else round(v, 4)


def _num(v):
    return None if v is None else round(v, 2)


@page(PERM)
def service_report_xlsx(request):
    """Every table of the report in one workbook, a sheet each (the figures only: no personal
    data in it, so no audit row)."""
    c = _context(request)
    w = words
    book = Book()
    book.sheet(
        w("指标", "Figures"),
        [
            w("指标", "Figure"),
            w("本期", "This period"),
            w("目标", "Target"),
            w("达标", "Met"),
            w("上期", "Before"),
        ],
        [
            [
                t["label"],
                t["text"],
                t["target_text"],
                "" if t["met"] is None else (w("是", "yes") if t["met"] else w("否", "no")),
                t["before_text"],
            ]
            for t in c["tiles"]
        ],
    )
    book.sheet(
        w("按业务类型", "By service type"),
        [
            w("业务类型", "Service type"),
            w("取号", "Tickets"),
            w("办结", "Served"),
            w("过号", "No-shows"),
            w("平均等候（分钟）", "Mean wait (min)"),
            w("90% 等候（分钟）", "P90 wait (min)"),
            w("按时叫号率", "Called in time"),
            w("平均办理（分钟）", "Mean service (min)"),
            w("超 10 分钟占比", "Over 10 min"),
        ],
        [
            [
                r["name"],
                r["issued"],
                r["served"],
                r["no_show"],
                _num(r["mean_wait_min"]),
                r["p90_wait_min"],
                _pct(r["wait_ok_share"]),
                _num(r["mean_service_min"]),
                _pct(r["long_service_share"]),
            ]
            for r in c["by_type"]
        ],
    )
    hours = c["charts"]["hour"] or {"hours": [], "series": {}}
    book.sheet(
        w("按时段", "By hour"),
        [w("业务类型", "Service type"), *[f"{h}:00" for h in hours["hours"]]],
        [[name, *values] for name, values in hours["series"].items()],
    )
    book.sheet(
        w("按日", "By day"),
        [
            w("日期", "Day"),
            w("取号", "Tickets"),
            w("办结", "Served"),
            w("平均等候（分钟）", "Mean wait (min)"),
            w("按时叫号率", "Called in time"),
        ],
        [
            [
                f"{r['day']:%Y-%m-%d}",
                r["issued"],
                r["served"],
                _num(r["mean_wait_min"]),
                _pct(r["wait_ok_share"]),
            ]
            for r in c["by_day"]
        ],
    )
    book.sheet(
        w("按员工", "By staff member"),
        [
            w("员工", "Staff member"),
            w("办结", "Served"),
            w("平均等候（分钟）", "Mean wait (min)"),
            w("按时叫号率", "Called in time"),
            w("平均办理（分钟）", "Mean service (min)"),
            w("超 10 分钟占比", "Over 10 min"),
            w("评价数", "Answers"),
            w("满意度", "Satisfaction"),
            w("工单", "Cases"),
            w("闭环解决率", "Resolution"),
            w("超时", "Deadlines missed"),
        ],
        [
            [
                r["name"],
                r["served"],
                _num(r["mean_wait_min"]),
                _pct(r["wait_ok_share"]),
                _num(r["mean_service_min"]),
                _pct(r["long_service_share"]),
                r["answers"],
                _pct(r["satisfaction"]),
                r["cases"],
                _pct(r["resolution"]),
                r["breached"],
            ]
            for r in c["by_staff"]
        ],
    )
    book.sheet(
        w("按工单类型", "By case type"),
        [
            w("类型", "Type"),
            w("受理", "Opened"),
            w("已关闭", "Closed"),
            w("客户确认关闭", "Confirmed"),
            w("闭环解决率", "Resolution"),
            w("首次响应超时", "First response missed"),
            w("处理超时", "Deadline missed"),
            w("投诉", "Complaints"),
        ],
        [
            [
                r["label"],
                r["opened"],
                r["closed"],
                r["confirmed"],
                _pct(r["resolution"]),
                r["response_missed"],
                r["breached"],
                r["complaints"],
            ]
            for r in c["by_kind"]
        ],
    )
    book.sheet(
        w("满意度五维度", "Satisfaction dimensions"),
        [
            w("维度", "Dimension"),
            w("回访调查均分", "Surveys (mean)"),
            w("评价器均分", "Counter ratings (mean)"),
        ],
        [[d["name"], _num(d["survey"]), _num(d["rating"])] for d in c["dims"]],
    )
    if c["hall_rows"]:
        book.sheet(
            w("按营业厅", "By hall"),
            [
                w("营业厅", "Hall"),
                w("取号", "Tickets"),
                w("平均等候（分钟）", "Mean wait (min)"),
                w("按时叫号率", "Called in time"),
                w("平均办理（分钟）", "Mean service (min)"),
                w("工单", "Cases"),
                w("闭环解决率", "Resolution"),
                w("投诉率", "Complaint rate"),
                w("处理超时", "Deadlines missed"),
            ],
            [
                [
                    r["hall"].name,
                    r["issued"],
                    _num(r["mean_wait_min"]),
                    _pct(r["wait_ok_share"]),
                    _num(r["mean_service_min"]),
                    r["cases"],
                    _pct(r["resolution"]),
                    _pct(r["complaint_rate"]),
                    r["breached"],
                ]
                for r in c["hall_rows"]
            ],
        )
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
    if g.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="tickets-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        response.write("\ufeff")  # Excel reads UTF-8 with the mark
        out = csv.writer(response)
        out.writerow([words(*h) for h in TICKET_HEADER])
        for r in _ticket_rows(tickets[:100_000].iterator(chunk_size=2000), lang):
            out.writerow(
                [
                    f"{r['day']:%Y-%m-%d}",
                    r["number"],
                    r["hall"],
                    r["type"],
                    "VIP" if r["vip"] else "",
                    f"{r['arrival']:%H:%M:%S}",
                    "" if r["wait_min"] is None else f"{r['wait_min']:.1f}",
                    "" if r["service_min"] is None else f"{r['service_min']:.1f}",
                    r["status"],
                    r["counter"],
                    r["staff"],
                ]
            )
        return response
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


TICKET_HEADER = (
    ("日期", "Day"),
    ("号码", "Number"),
    ("营业厅", "Hall"),
    ("业务类型", "Service type"),
    ("VIP", "VIP"),
    ("到达", "Arrived"),
    ("等候（分钟）", "Wait (min)"),
    ("办理（分钟）", "Service (min)"),
    ("状态", "Status"),
    ("窗口", "Counter"),
    ("员工", "Staff member"),
)


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
    return file_response(storages["attachments"].open(path, "rb"), name, content_type)
