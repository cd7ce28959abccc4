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
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone, translation

from servicehall.core.db import write_transaction
from servicehall.core.sms import queue_sms
from servicehall.core.workbook import Book
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
    prev_start, prev_end = reports.previous(start, end)
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
        "hall_rows": reports.halls_table(scope, start, end) if scope.hall is None else [],
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


def _pct(v):
    return None if v is None else round(v, 4)


def _num(v):
    return None if v is None else round(v, 2)


def workbook(data: dict, lang: str = "zh") -> Book:
    """Every table of the report a sheet (figures only: no personal data in it)."""

    def w(zh: str, en: str) -> str:
        return _w(lang, zh, en)

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
            for t in data["tiles"]
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
            for r in data["by_type"]
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
                _num(r["mean_wait_min"]),
                _pct(r["wait_ok_share"]),
            ]
            for r in data["by_day"]
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
            w("处理超时", "Deadlines missed"),
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
            for r in data["by_staff"]
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
            for r in data["by_kind"]
        ],
    )
    book.sheet(
        w("满意度五维度", "Satisfaction dimensions"),
        [
            w("维度", "Dimension"),
            w("回访调查均分", "Surveys (mean)"),
            w("评价器均分", "Counter ratings (mean)"),
        ],
        [[d["name"], _num(d["survey"]), _num(d["rating"])] for d in data["dims"]],
    )
    if data["hall_rows"]:
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
                for r in data["hall_rows"]
            ],
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
    users = (
        get_user_model()
        .objects.filter(is_active=True, staff__hall=hall, groups__name="hall_manager")
        .exclude(staff__mobile="")
    )
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
