"""The monthly complaint report `/reports/complaints` (P3, L6): per hall and month — the
hall manager their hall, the area manager and quality every hall — with charts (ECharts, served
from our own static files), drill-down links to the cases behind each figure and an Excel
export of every table. The figures are complaints.reports'; this module only parses, renders
and writes the workbook."""

from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from servicehall.cases import selectors as case_selectors
from servicehall.complaints import reports
from servicehall.core import validate

from . import exports
from .access import page
from .excel import Book
from .forms import words

PERM = "complaints.view_complaint_report"


def _month(request) -> date:
    """The month asked for (?month=2026-11), else this month; a malformed one is refused."""
    text = request.GET.get("month", "").strip()
    if not text:
        return timezone.localdate().replace(day=1)
    return validate.month(text, "month")


def _lang() -> str:
    return get_language() or "zh-hans"


def _drill(month: date, hall: str, what: str, **more) -> str:
    query = {"month": f"{month:%Y-%m}", "what": what, **more}
    if hall:
        query["hall"] = hall
    return reverse("web:report-complaint-cases") + "?" + urlencode(query)


@page(PERM)
def complaints_report(request):
    hall = request.GET.get("hall", "").strip()
    # a refusal (a malformed month, another hall: 404) is the house's error page
    # (web.middleware.ServiceErrorMiddleware)
    month = _month(request)
    data = reports.monthly_report(request.user, month, hall or None)
    english = _lang().startswith("en")
    for r in data["halls"]:
        code = r["hall"].code
        r["links"] = {w: _drill(month, code, w) for w in reports.DRILLS}
    for c in data["by_category"]:
        c["name"] = c["category__name_en"] if english else c["category__name_zh"]
        c["link"] = _drill(month, hall, "complaints", category=c["category__code"])
    charts = {
        "category": {
            "names": [c["name"] for c in data["by_category"]],
            "values": [c["n"] for c in data["by_category"]],
            "links": [c["link"] for c in data["by_category"]],
        },
        "day": {
            "names": [f"{d['day']:%m-%d}" for d in data["by_day"]],
            "values": [d["n"] for d in data["by_day"]],
            "links": [
                _drill(month, hall, "complaints", day=f"{d['day']:%Y-%m-%d}")
                for d in data["by_day"]
            ],
        },
        "source": {
            "names": list(data["appeals"]["by_source"].keys()),
            "values": list(data["appeals"]["by_source"].values()),
        },
        "labels": {
            "category": words("按类别的投诉", "Complaints by category"),
            "day": words("每日投诉", "Complaints by day"),
            "source": words("按来源的申诉", "Appeals by source"),
            "empty": words("本月无数据", "Nothing this month"),
        },
    }
    prev = (month - timedelta(days=1)).replace(day=1)
    nxt = (month + timedelta(days=31)).replace(day=1)
    return render(
        request,
        "web/reports/complaints.html",
        {
            "r": data,
            "hall": hall,
            "charts": charts,
            "notice": data["notice_en"] if english else data["notice_zh"],
            "month_value": f"{month:%Y-%m}",
            "prev": f"{prev:%Y-%m}",
            "next": f"{nxt:%Y-%m}",
            "halls_to_pick": reports.report_halls(request.user),
            "export": reverse("web:report-complaints-xlsx")
            + "?"
            + urlencode({"month": f"{month:%Y-%m}", **({"hall": hall} if hall else {})}),
        },
    )


@page(PERM)
def complaint_cases(request):
    """The cases behind a figure (the report's drill-down), as the case list shows them."""
    g = request.GET
    what = g.get("what", "complaints")
    if what not in reports.DRILLS:
        what = "complaints"
    month = _month(request)
    day = validate.calendar_date(g.get("day", ""), "day")
    cases = reports.drill_down(
        request.user,
        month,
        g.get("hall", "").strip(),
        what,
        category=g.get("category", ""),
        day=day,
    )
    now = timezone.now()
    rows = [case_selectors.row(c, now, _lang()) for c in cases[:200]]
    if exports.wanted(request):
        return exports.respond(request, "cases", exports.CASE_COLUMNS, rows, personal="case")
    titles = {
        "complaints": words("投诉", "Complaints"),
        "grumbles": words("抱怨（不计入投诉）", "Grumbles (not counted)"),
        "upgraded": words("升级投诉", "Upgraded complaints"),
        "past_deadline": words("超时答复", "Replies past deadline"),
        "compensation": words("已兑现补偿", "Compensation paid"),
    }
    return render(
        request,
        "web/reports/cases.html",
        {
            "rows": rows,
            "title": titles[what],
            "month": month,
            "back": reverse("web:report-complaints")
            + "?"
            + urlencode(
                {"month": f"{month:%Y-%m}", **({"hall": g["hall"]} if g.get("hall") else {})}
            ),
        },
    )


@page(PERM)
def complaints_xlsx(request):
    """Every table of the report in one workbook (openpyxl), a sheet each."""

    hall = request.GET.get("hall", "").strip()
    # a refusal (a malformed month, another hall: 404) is the house's error page
    # (web.middleware.ServiceErrorMiddleware)
    month = _month(request)
    data = reports.monthly_report(request.user, month, hall or None)
    english = _lang().startswith("en")

    def w(zh: str, en: str) -> str:
        return en if english else zh

    book = Book()
    sheet = book.sheet

    def pct(v):
        return None if v is None else float(v) / 100

    sheet(
        w("汇总", "Summary"),
        [
            w("营业厅", "Hall"),
            w("投诉", "Complaints"),
            w("抱怨（不计入）", "Grumbles (not counted)"),
            w("服务客户", "Customers served"),
            w("投诉率", "Complaint rate"),
            w("升级投诉", "Upgraded"),
            w("超时答复", "Past deadline"),
            w("兑现补偿笔数", "Compensation paid"),
            w("兑现补偿金额（元）", "Compensation paid (yuan)"),
            w("申诉", "Appeals"),
            w("重大申诉", "Major appeals"),
            w("用户数", "Users"),
            w("本季度百万用户申诉率", "Appeals per million users (quarter)"),
        ],
        [
            [
                r["hall"].name,
                r["complaints"],
                r["grumbles"],
                r["served"],
                pct(r["rate"]),
                r["upgraded"],
                r["past_deadline"],
                r["paid"],
                float(r["paid_sum"]),
                r["appeals"]["total"],
                r["appeals"]["major"],
                r["users"],
                None if r["per_million"] is None else float(r["per_million"]),
            ]
            for r in data["halls"]
        ],
    )
    for row in book.wb.worksheets[0].iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "0.00%"
    sheet(
        w("按类别", "By category"),
        [w("类别", "Category"), w("投诉", "Complaints")],
        [
            [c["category__name_en"] if english else c["category__name_zh"], c["n"]]
            for c in data["by_category"]
        ],
    )
    sheet(
        w("按日", "By day"),
        [w("日期", "Day"), w("投诉", "Complaints")],
        [[d["day"], d["n"]] for d in data["by_day"]],
    )
    sheet(
        w("申诉来源", "Appeals by source"),
        [w("来源", "Source"), w("申诉", "Appeals")],
        [[k, v] for k, v in data["appeals"]["by_source"].items()],
    )
    sheet(
        w("企业责任", "Company liability"),
        [w("原因", "Sub-reason"), w("事件", "Events")],
        [[k, v] for k, v in data["appeals"]["company_liability"].items()],
    )
    sheet(
        w("季度考核", "Quarter assessment"),
        [
            w("营业厅", "Hall"),
            w("事项", "Event"),
            w("本季度件数", "Events this quarter"),
            w("每件扣分", "Points per event"),
            w("扣分", "Points deducted"),
        ],
        [
            [a["hall"].name, str(i["label"]), i["count"], float(i["points"]), float(i["deducted"])]
            for a in data["assessment"]
            for i in a["items"]
        ],
    )
    sheet(
        w("月度通报", "Monthly notice"),
        [w("通报", "Notice")],
        [[line] for line in (data["notice_en"] if english else data["notice_zh"]).splitlines()],
    )
    return book.response(f"complaints-{month:%Y-%m}{'-' + hall if hall else ''}.xlsx")
