"""The hotline dashboard (热线看板, S2, L6): service level within 20 s (all and VIP) and 15 s,
abandonment and ASA for a day, week, month or from–to, against the period before; per half
hour (with its ECharts chart), per agent, per priority and per queue; the tables as Excel.
The figures and their definitions are servicehall.hotline.reports'; this module parses the
query, calls it and renders. The hotline is no hall: the permission is the only scope."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from servicehall.core.errors import ServiceError
from servicehall.hotline import reports
from servicehall.hotline.calls import VIP_PRIORITY

from .access import page
from .excel import Book
from .forms import error_text, words


def _query(request) -> dict:
    g = request.GET
    return {
        k: g.get(k, "").strip()[:60] for k in ("period", "date", "from", "to", "queue", "priority")
    }


def _data(request):
    q = _query(request)
    p = reports.period(q["period"] or "week", q["date"], q["from"], q["to"])
    return q, p, reports.dashboard(request.user, p, q["queue"], q["priority"])


def _shifted(q: dict, p: reports.Period, sign: int) -> str:
    """The link to the period before (sign -1) or after (+1) of the same kind."""
    if p.kind == "custom":
        n = timedelta(days=p.days)
        args = {"period": "custom", "from": p.start + sign * n, "to": p.end + sign * n}
    elif p.kind == "month":
        day = p.prev_start if sign < 0 else p.end + timedelta(days=1)
        args = {"period": "month", "date": day}
    else:
        args = {"period": p.kind, "date": p.start + sign * timedelta(days=p.days)}
    keep = {k: q[k] for k in ("queue", "priority") if q[k]}
    return "?" + urlencode({**{k: str(v) for k, v in args.items()}, **keep})


LABELS = {
    "sl20": ("20秒接通率", "Answered within 20 s"),
    "vip_sl20": ("VIP 20秒接通率", "VIP answered within 20 s"),
    "sl15": ("15秒接通率", "Answered within 15 s"),
    "abandon": ("放弃率", "Abandonment"),
    "asa": ("平均应答时长", "Average speed of answer"),
}


def _shown(key: str, value) -> str:
    if value is None:
        return "—"
    return words(f"{value} 秒", f"{value} s") if key == "asa" else f"{value}%"


def _tile(key: str, value, prev, target: float | None) -> dict:
    """A tile: the figure, the period before, its target (S2) and whether it was met."""
    met = None if target is None or value is None else value >= target
    return {
        "key": key,
        "label": words(*LABELS[key]),
        "value": _shown(key, value),
        "prev": words(f"上期 {_shown(key, prev)}", f"period before: {_shown(key, prev)}"),
        "target": (
            words(f"目标 ≥ {target:g}%", f"target ≥ {target:g}%")
            if target is not None
            else words("未设目标", "no target set")
        ),
        "met": met,
    }


@page(reports.PERM)
def hotline_report(request):
    error = None
    try:
        q, p, data = _data(request)
    except ServiceError as exc:  # a bad period or date: the form again, the refusal beside it
        error = exc
        q = {**_query(request), "period": "", "date": "", "from": "", "to": ""}
        p = reports.period("week")
        data = reports.dashboard(request.user, p, q["queue"], q["priority"])
    t, v = data["totals"], data["vip"]
    tiles = [
        _tile("sl20", t["sl20"], data["prev"]["sl20"], reports.TARGETS["sl20"]),
        _tile("vip_sl20", v["sl20"], data["prev_vip"]["sl20"], reports.TARGETS["vip_sl20"]),
        _tile("sl15", t["sl15"], data["prev"]["sl15"], None),
        _tile("abandon", t["abandon"], data["prev"]["abandon"], None),
        _tile("asa", t["asa"], data["prev"]["asa"], None),
    ]
    slots = data["by_slot"]
    chart = {
        "slots": [r["label"][:5] for r in slots],
        "offered": [r["offered"] for r in slots],
        "sl20": [r["sl20"] for r in slots],
        "target": reports.TARGETS["sl20"],
        "labels": {
            "offered": words("来电量", "Calls offered"),
            "sl20": words("20秒接通率（%）", "Answered within 20 s (%)"),
            "target": words("目标 75%", "Target 75%"),
            "empty": words("本期无来电", "No calls in this period"),
        },
    }
    query = {k: v for k, v in q.items() if v}
    query.setdefault("period", p.kind)
    return render(
        request,
        "web/hotline/report.html",
        {
            "error": error_text(error) if error else "",
            "error_field": error.field if error else "",
            "r": data,
            "p": p,
            "q": q,
            "tiles": tiles,
            "chart": chart,
            "vip_priority": VIP_PRIORITY,
            "prev_link": _shifted(q, p, -1),
            "next_link": _shifted(q, p, +1),
            "export": reverse("web:hotline-report-xlsx") + "?" + urlencode(query),
            "kinds": [
                ("day", words("日", "Day")),
                ("week", words("周", "Week")),
                ("month", words("月", "Month")),
                ("custom", words("自定义", "From–to")),
            ],
        },
        status=error.status if error else 200,
    )


def _rate(v):
    return None if v is None else v / 100


@page(reports.PERM)
def hotline_report_xlsx(request):
    """Every table of the dashboard in one workbook, a sheet each (rates as fractions)."""
    q, p, data = _data(request)
    book = Book(width=16)
    figures = [
        words("来电量", "Offered"),
        words("接通", "Answered"),
        words("放弃", "Abandoned"),
        words("20秒接通率", "Within 20 s"),
        words("15秒接通率", "Within 15 s"),
        words("放弃率", "Abandonment"),
        words("平均应答秒数", "ASA (s)"),
        words("平均处理秒数", "AHT (s)"),
    ]

    def cells(r):
        return [
            r["offered"],
            r["answered"],
            r["abandoned"],
            _rate(r["sl20"]),
            _rate(r["sl15"]),
            _rate(r["abandon"]),
            r["asa"],
            r["aht"],
        ]

    span = f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}"
    prev = f"{p.prev_start:%Y-%m-%d} – {p.prev_end:%Y-%m-%d}"
    book.sheet(
        words("汇总", "Summary"),
        [words("周期", "Period"), words("范围", "Calls"), *figures],
        [
            [span, words("全部", "All"), *cells(data["totals"])],
            [span, "VIP", *cells(data["vip"])],
            [prev, words("全部（上期）", "All (period before)"), *cells(data["prev"])],
            [prev, words("VIP（上期）", "VIP (period before)"), *cells(data["prev_vip"])],
        ],
    )
    book.sheet(
        words("按时段", "By interval"),
        [words("时段", "Interval"), *figures],
        [[r["label"], *cells(r)] for r in data["by_slot"]],
    )
    book.sheet(
        words("按坐席", "By agent"),
        [
            words("坐席", "Agent"),
            words("接通", "Answered"),
            words("其中20秒内", "Of which within 20 s"),
            words("平均应答秒数", "ASA (s)"),
            words("平均处理秒数", "AHT (s)"),
        ],
        [
            [
                r["agent"] or words("（未记录坐席）", "(agent not recorded)"),
                r["answered"],
                _rate(r["within20"]),
                r["asa"],
                r["aht"],
            ]
            for r in data["by_agent"]
        ],
    )
    book.sheet(
        words("按优先级", "By priority"),
        [words("优先级", "Priority"), *figures],
        [[r["priority"] or "—", *cells(r)] for r in data["by_priority"]],
    )
    book.sheet(
        words("按队列", "By queue"),
        [words("队列", "Queue"), *figures],
        [[r["queue"], *cells(r)] for r in data["by_queue"]],
    )
    return book.response(f"hotline-{p.start:%Y%m%d}-{p.end:%Y%m%d}.xlsx")
