"""The monthly retention report (R3, 月度分析报告): the retention cases opened in the month in
the halls the user may read — a hall manager their own, the area manager and quality every
hall —, counted by SQL aggregates: the outcome, the reasons, success by level (the second
level by where it went), by offer and by staff member."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.core.errors import NotFound, require_perm
from servicehall.org.errors import Code as OrgCode
from servicehall.org.models import Hall, staff_name
from servicehall.org.roles import in_halls

from .models import Offer, Outcome, Reason, RetentionAttempt, Route
from .services import KIND

PERM = "retention.view_retention_report"
RETAINED = Q(outcome=Outcome.RETAINED)


def report_halls(user, hall_code: str | None = None) -> list[Hall]:
    require_perm(user, PERM, "查看挽留月报", "read the retention report")
    halls = in_halls(Hall.objects.all(), user, "pk").order_by("code")
    if hall_code:
        halls = halls.filter(code=hall_code)
        if not halls.exists():
            raise NotFound(
                OrgCode.UNKNOWN_HALL,
                f"未知的营业厅：{hall_code}",
                f"Unknown hall {hall_code!r}",
                field="hall",
            )
    return list(halls)


def _span(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=tz)
    end = datetime.combine((month + timedelta(days=32)).replace(day=1), time.min, tzinfo=tz)
    return start, end


def _rate(retained: int, n: int) -> float | None:
    return round(100 * retained / n, 1) if n else None


def monthly(user, month: date, hall_code: str | None = None) -> dict:
    halls = report_halls(user, hall_code)
    start, end = _span(month)
    cases = Case.objects.filter(
        kind=KIND, hall__in=halls, created_at__gte=start, created_at__lt=end
    )
    totals = cases.aggregate(
        opened=Count("id"),
        retained=Count("id", filter=Q(status="retained")),
        left=Count("id", filter=Q(status="left")),
        open=Count("id", filter=Q(closed_at__isnull=True)),
    )
    totals["rate"] = _rate(totals["retained"], totals["retained"] + totals["left"])
    reasons = {
        r["retention__reason"]: r
        for r in cases.values("retention__reason").annotate(
            n=Count("id"), retained=Count("id", filter=Q(status="retained"))
        )
    }
    by_reason = [
        {
            "reason": code,
            "name": str(label),
            "n": reasons.get(code, {}).get("n", 0),
            "retained": reasons.get(code, {}).get("retained", 0),
        }
        for code, label in Reason.choices
    ]
    attempts = RetentionAttempt.objects.filter(record__case__in=cases)
    levels = {
        (a["level"], a["route"]): a
        for a in attempts.values("level", "route").annotate(
            n=Count("id"), retained=Count("id", filter=RETAINED)
        )
    }
    by_level = [
        {
            "level": 1,
            "name": "初级挽留（综合受理员）",
            "name_en": "First level (clerk)",
            **_figures(levels.get((1, ""), {})),
        }
    ]
    for code, label in Route.choices:
        by_level.append(
            {
                "level": 2,
                "route": code,
                "name": f"二级挽留：{label}",
                "name_en": f"Second level: {label}",
            }
            | _figures(levels.get((2, code), {}))
        )
    by_offer = [
        {
            "name": a["offer_name"] or str(Offer(a["offer"]).label),
            "offer": a["offer"],
            **_figures(a),
        }
        for a in attempts.values("offer", "offer_name")
        .annotate(n=Count("id"), retained=Count("id", filter=RETAINED))
        .order_by("-n", "offer_name")
    ]
    people = attempts.values("by").annotate(n=Count("id"), retained=Count("id", filter=RETAINED))
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=[p["by"] for p in people])
        .select_related("staff")
    }
    by_staff = sorted(
        ({"name": staff_name(users[p["by"]]), **_figures(p)} for p in people),
        key=lambda r: (-r["n"], r["name"]),
    )
    return {
        "month": month,
        "halls": halls,
        "totals": totals,
        "by_reason": by_reason,
        "by_level": by_level,
        "by_offer": by_offer,
        "by_staff": by_staff,
    }


def _figures(row: dict) -> dict:
    n, retained = row.get("n", 0), row.get("retained", 0)
    return {"n": n, "retained": retained, "rate": _rate(retained, n)}
