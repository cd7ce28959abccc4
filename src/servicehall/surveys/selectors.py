"""Survey results for the staff statistics and the reports (S1, S2)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Avg, Count, Q

from .models import DIMENSIONS, Survey

SATISFIED_FROM = 4  # an overall score of 4 or 5 counts as satisfied (target ≥ 95 %, C5)


def staff_stats(since: datetime, until: datetime | None = None, hall=None) -> list[dict]:
    """Per staff member: surveys sent and answered, satisfaction rate, averages overall and
    on the five dimensions, and how many customers said the problem was solved."""
    qs = Survey.objects.filter(sent_at__gte=since)
    if until:
        qs = qs.filter(sent_at__lt=until)
    if hall is not None:
        qs = qs.filter(hall=hall)
    answered = Q(answered_at__isnull=False)
    rows = (
        qs.values("staff__username", "staff__staff__full_name")
        .annotate(
            sent=Count("id"),
            answered=Count("id", filter=answered),
            satisfied=Count("id", filter=answered & Q(overall__gte=SATISFIED_FROM)),
            solved=Count("id", filter=answered & Q(resolved=True)),
            overall_avg=Avg("overall"),
            **{f"{d[0]}_avg": Avg(d[0]) for d in DIMENSIONS},
        )
        .order_by("staff__username")
    )
    out = []
    for r in rows:
        n = r["answered"]
        out.append(
            {
                "staff": r["staff__username"],
                "name": r["staff__staff__full_name"] or r["staff__username"],
                "sent": r["sent"],
                "answered": n,
                "satisfaction_rate": round(r["satisfied"] / n, 3) if n else None,
                "solved_rate": round(r["solved"] / n, 3) if n else None,
                "overall_avg": _r(r["overall_avg"]),
                "dimensions": {d[0]: _r(r[f"{d[0]}_avg"]) for d in DIMENSIONS},
            }
        )
    return out


def _r(x) -> float | None:
    return round(float(x), 2) if x is not None else None
