"""A service report's content (S2) — the page's, the Excel workbook's and the daily and monthly
report documents' — built once here: `report_data` gathers every table of a scope and period;
`workbook` writes them a sheet each; `pdf.py` lays them out on A4.

The documents (the 18:00 daily report, the monthly report): `produce(hall, kind, start, end)`
writes a PDF and an Excel file per hall into the attachment store (the data dir or the S3
bucket), one `ReportDocument` row each, replacing the period's earlier ones (a job run twice
keeps one), and texts the hall's managers the link. The jobs are in tasks.py.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone, translation

from servicehall.core import periods
from servicehall.core.db import write_transaction
from servicehall.core.sms import queue_sms
from servicehall.core.workbook import Book, Share
from servicehall.org.roles import holders
from servicehall.surveys.models import DIMENSIONS

from . import selectors as reports
from .models import ReportDocument

log = logging.getLogger(__name__)


def _w(lang: str, zh: str, en: str) -> str:
    return en if lang.startswith("en") else zh


def report_data(scope: reports.Scope, start: date, end: date, lang: str = "zh") -> dict:
    """Every table of the report for `scope` from `start` to `end`, compared with the period
    before: tiles, by service type, hour, day, staff member, case type, hall, the five
    dimensions."""
    prev_start, prev_end = periods.before(start, end)
    now = reports.figures(scope, start, end)
    before = reports.figures(scope, prev_start, prev_end)
    people = scope.staff_ids is not None
    # per person within one hall or team; for many halls the table per hall instead
    single = scope.hall is not None or people
    if scope.hall_ids is not None and len(scope.hall_ids) == 1:
        single = True
    sat = now["satisfaction_detail"]
    return {
        "start": start,
        "end": end,
        "prev_start": prev_start,
        "prev_end": prev_end,
        "title": reports.title_of(scope),
        "figures": now,
        "tiles": reports.tiles(now, before, lang),
        "by_type": [] if people else reports.by_type(scope, start, end, lang),
        "by_hour": None if people else reports.by_hour(scope, start, end, lang),
        "by_day": [] if people else reports.by_day(scope, start, end),
        "by_staff": reports.by_staff(scope, start, end) if single else [],
        "by_kind": reports.by_kind(scope, start, end, lang),
        "hall_rows": [
            {**r, "hall_name": r["hall"].name}
            # per hall: for several halls, not for a team or a person (its figures would be the
            # hall's queue beside the person's cases)
            for r in (
                reports.halls_table(scope, start, end) if scope.hall is None and not people else []
            )
        ],
        "satisfaction": sat,
        "dims": [
            {
                "name": d[2] if lang.startswith("en") else d[1],
                "survey": sat["survey"]["dims"][d[0]],
                "rating": sat["rating"]["dims"][d[0]],
            }
            for d in DIMENSIONS
        ],
    }


@dataclass(frozen=True)
class Col:
    """A column of a report table: its names, the row's key, how it is shown ("n" a count,
    "min" minutes, "pct" a share, "text"; "2" two decimals) and the target that colours it."""

    zh: str
    en: str
    key: str
    kind: str = "n"
    width: float = 1.4  # in the PDF, relative
    target: str = ""


# The report's tables, one definition for the Excel workbook and the PDF: (sheet zh, en,
# the data's key, columns). The tiles, the hours and the days are laid out by each.
TABLES = (
    (
        "按业务类型",
        "By service type",
        "by_type",
        (
            Col("业务类型", "Service type", "name", "text", 3),
            Col("取号", "Tickets", "issued"),
            Col("办结", "Served", "served"),
            Col("过号", "No-shows", "no_show"),
            Col("平均等候（分钟）", "Mean wait (min)", "mean_wait_min", "min", 1.7),
            Col("90% 等候（分钟）", "P90 wait (min)", "p90_wait_min", "n", 1.7),
            Col("按时叫号率", "Called in time", "wait_ok_share", "pct", 1.7, "wait_ok_share"),
            Col(
                "平均办理（分钟）",
                "Mean service (min)",
                "mean_service_min",
                "min",
                1.7,
                "mean_service_min",
            ),
            Col(
                "超 10 分钟", "Over 10 min", "long_service_share", "pct", 1.7, "long_service_share"
            ),
        ),
    ),
    (
        "满意度五维度",
        "Satisfaction dimensions",
        "dims",
        (
            Col("维度", "Dimension", "name", "text", 3),
            Col("回访调查（5 分制）", "Surveys (of 5)", "survey", "2", 2),
            Col("评价器（5 分制）", "Counter ratings (of 5)", "rating", "2", 2),
        ),
    ),
    (
        "按工单类型",
        "By case type",
        "by_kind",
        (
            Col("类型", "Type", "label", "text", 2.6),
            Col("受理", "Opened", "opened"),
            Col("已关闭", "Closed", "closed"),
            Col("客户确认", "Confirmed", "confirmed"),
            Col("闭环解决率", "Resolution", "resolution", "pct", 1.7, "resolution"),
            Col(
                "首次响应超时",
                "First response missed",
                "response_missed",
                "n",
                1.7,
                "response_missed",
            ),
            Col("处理超时", "Deadline missed", "breached", "n", 1.5, "breached"),
            Col("投诉", "Complaints", "complaints"),
        ),
    ),
    (
        "按员工",
        "By staff member",
        "by_staff",
        (
            Col("员工", "Staff member", "name", "text", 2.4),
            Col("办结", "Served", "served"),
            Col("按时叫号率", "Called in time", "wait_ok_share", "pct", 1.6, "wait_ok_share"),
            Col(
                "平均办理（分钟）",
                "Mean service (min)",
                "mean_service_min",
                "min",
                1.6,
                "mean_service_min",
            ),
            Col(
                "超 10 分钟", "Over 10 min", "long_service_share", "pct", 1.6, "long_service_share"
            ),
            Col("评价数", "Answers", "answers", "n", 1.2),
            Col("满意度", "Satisfaction", "satisfaction", "pct", 1.5, "satisfaction"),
            Col("工单", "Cases", "cases", "n", 1.2),
            Col("处理超时", "Deadline missed", "breached", "n", 1.4, "breached"),
        ),
    ),
    (
        "按营业厅",
        "By hall",
        "hall_rows",
        (
            Col("营业厅", "Hall", "hall_name", "text", 2.6),
            Col("取号", "Tickets", "issued"),
            Col("平均等候（分钟）", "Mean wait (min)", "mean_wait_min", "min", 1.6),
            Col("按时叫号率", "Called in time", "wait_ok_share", "pct", 1.6, "wait_ok_share"),
            Col(
                "平均办理（分钟）",
                "Mean service (min)",
                "mean_service_min",
                "min",
                1.6,
                "mean_service_min",
            ),
            Col("工单", "Cases", "cases", "n", 1.2),
            Col("闭环解决率", "Resolution", "resolution", "pct", 1.6, "resolution"),
            Col("投诉率", "Complaint rate", "complaint_rate", "pct", 1.5, "complaint_rate"),
            Col("处理超时", "Deadline missed", "breached", "n", 1.4, "breached"),
        ),
    ),
)


def cell(col: Col, row: dict):
    """The cell's value for a workbook: a number (a share as a fraction Excel can format), or
    the text."""
    v = row.get(col.key)
    if v is None:
        return None
    if col.kind == "pct":
        return round(v, 4)
    if col.kind in ("min", "2"):
        return round(v, 2)
    return v


def shown(col: Col, row: dict) -> str:
    """The cell as the PDF prints it."""
    v = row.get(col.key)
    if v is None:
        return "—"
    if col.kind == "pct":  # as the page shows it (the complaint rate to two decimals)
        return reports.display(col.key, v) if col.key in reports.SHARES else f"{v * 100:.1f}%"
    if col.kind == "min":
        return f"{v:.1f}"
    if col.kind == "2":
        return f"{v:.2f}"
    return str(v)


def judged(col: Col, row: dict) -> bool | None:
    """Whether the cell meets its column's target (None: no target or no value)."""
    from .targets import TARGETS

    t = TARGETS.get(col.target)
    v = row.get(col.key)
    return None if t is None or v is None else t.met(v)


def _number(key: str, value):
    """A headline figure as a number the sheet can compute with: a share as a per cent cell."""
    if value is None:
        return None
    if key in reports.SHARES:
        return Share(round(value, 4))
    return round(value, 2) if isinstance(value, float) else value


def workbook(data: dict, lang: str = "zh", book: Book | None = None) -> Book:
    """Every table of the report a sheet (figures only: no personal data in it), into `book`
    (a page's, which sends it) or a new one."""

    def w(zh: str, en: str) -> str:
        return _w(lang, zh, en)

    book = book if book is not None else Book()
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
                _number(t["key"], t["value"]),
                t["target_text"],
                "" if t["met"] is None else (w("是", "yes") if t["met"] else w("否", "no")),
                _number(t["key"], t["before"]),
            ]
            for t in data["tiles"]
        ],
    )
    hours = data["by_hour"] or {"hours": [], "series": {}}
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
                None if r["mean_wait_min"] is None else round(r["mean_wait_min"], 2),
                None if r["wait_ok_share"] is None else round(r["wait_ok_share"], 4),
            ]
            for r in data["by_day"]
        ],
    )
    for zh, en, key, cols in TABLES:
        if key == "hall_rows" and not data[key]:
            continue
        book.sheet(
            w(zh, en),
            [w(c.zh, c.en) for c in cols],
            [[cell(c, r) for c in cols] for r in data[key]],
        )
    return book


KIND_NAMES = {
    ReportDocument.Kind.DAILY: ("服务日报", "Daily report"),
    ReportDocument.Kind.MONTHLY: ("服务月报", "Monthly report"),
}


def produce(hall, kind: str, start: date, end: date, *, notify: bool = True) -> ReportDocument:
    """The hall's report for the period as a PDF and an Excel file, kept; the earlier copy of
    the same period replaced; the hall's managers texted the link (`notify`)."""
    from .pdf import render_pdf

    with translation.override("zh-hans"):
        scope = reports.Scope(frozenset({hall.pk}), hall)
        data = report_data(scope, start, end, "zh")
        name_zh, _name_en = KIND_NAMES[kind]
        title = f"{hall.name} {name_zh}"
        pdf = render_pdf(data, title, kind)
        xlsx = workbook(data, "zh").bytes()
    store = storages["attachments"]
    stem = f"reports/{hall.code}/{kind}-{start:%Y%m%d}"
    paths = {}
    for ext, content in (("pdf", pdf), ("xlsx", xlsx)):
        path = f"{stem}.{ext}"
        if store.exists(path):
            store.delete(path)
        paths[ext] = store.save(path, ContentFile(content))
    with write_transaction():
        doc, created = ReportDocument.objects.update_or_create(
            hall=hall,
            kind=kind,
            period_start=start,
            defaults={
                "period_end": end,
                "made_at": timezone.now(),
                "pdf_path": paths["pdf"],
                "xlsx_path": paths["xlsx"],
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                "pdf_bytes": len(pdf),
                "xlsx_bytes": len(xlsx),
            },
        )
        if notify and created:
            link = settings.PUBLIC_URL + reverse("web:report-document", args=[doc.pk, "pdf"])
            period = f"{start:%Y-%m-%d}" if kind == "daily" else f"{start:%Y-%m}"
            for phone in managers_phones(hall):
                queue_sms(phone, f"【{hall.name}】{name_zh}（{period}）已生成：{link}", "report")
    return doc


def managers_phones(hall) -> list[str]:
    """The mobile numbers of the hall's managers (their staff profiles)."""
    users = holders("hall_manager", hall.pk).exclude(staff__mobile="")
    return sorted(set(users.values_list("staff__mobile", flat=True)))


def daily_all(day: date) -> int:
    """Every open hall's daily report for `day` (the 18:00 job)."""
    from servicehall.org.models import Hall

    made = 0
    for hall in Hall.objects.order_by("code"):
        produce(hall, ReportDocument.Kind.DAILY, day, day)
        made += 1
    return made


def monthly_all(month: date) -> int:
    """Every hall's monthly report for the month starting `month`."""
    from servicehall.org.models import Hall

    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    made = 0
    for hall in Hall.objects.order_by("code"):
        produce(hall, ReportDocument.Kind.MONTHLY, month, end)
        made += 1
    return made
