"""Survey and counter-rating results for the staff statistics, the reports and the hall board
(S1, S2)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q
from django.utils import timezone

from servicehall.cases.models import CaseConfirmation
from servicehall.org.roles import in_halls

from .models import DIMENSIONS, CounterRating, Survey

SATISFIED_FROM = 4  # an overall score of 4 or 5 counts as satisfied (target ≥ 95 %, C5)
SATISFACTION_TARGET = 0.95
RATING_WINDOW = timedelta(minutes=10)  # how long after a finish the device asks for a rating


def _rating_stats(since: datetime, until: datetime | None, hall, user=None) -> dict[str, dict]:
    """Counter ratings (评价器) per staff username: count, satisfied, averages."""
    qs = CounterRating.objects.filter(rated_at__gte=since)
    if until:
        qs = qs.filter(rated_at__lt=until)
    if hall is not None:
        qs = qs.filter(hall=hall)
    if user is not None:
        qs = in_halls(qs, user)
    rows = qs.values("staff__username", "staff__staff__full_name").annotate(
        n=Count("id"),
        satisfied=Count("id", filter=Q(overall__gte=SATISFIED_FROM)),
        overall_avg=Avg("overall"),
        **{f"{d[0]}_avg": Avg(d[0]) for d in DIMENSIONS},
    )
    return {r["staff__username"]: r for r in rows}


def _closure_stats(since: datetime, until: datetime | None, hall, user=None) -> dict[str, dict]:
    """Closures of each staff member's cases (as owner) by who confirmed them (C5): the
    customer's own answer, or staff on the customer's behalf (and of those, not in order)."""
    qs = CaseConfirmation.objects.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if hall is not None:
        qs = qs.filter(case__hall=hall)
    if user is not None:
        qs = in_halls(qs, user, "case__hall")
    rows = qs.values("case__owner__username", "case__owner__staff__full_name").annotate(
        customer_confirmed=Count("id", filter=Q(by_staff=False)),
        staff_confirmed=Count("id", filter=Q(by_staff=True)),
        not_ok=Count("id", filter=Q(by_staff=True, review="not_ok")),
    )
    return {r["case__owner__username"]: r for r in rows}


def staff_stats(
    since: datetime, until: datetime | None = None, hall=None, *, user=None
) -> list[dict]:
    """Per staff member: surveys sent and answered, satisfaction rate, averages overall and
    on the five dimensions, and how many customers said the problem was solved; their closed
    cases by who confirmed them (the customer, or staff on the customer's behalf); beside them
    the counter ratings (count, satisfaction rate, averages) and the combined satisfaction
    rate of both (satisfied answers ÷ all answers, surveys and ratings alike). `user`: only
    what was answered in that user's halls (org.roles.hall_ids_of)."""
    qs = Survey.objects.filter(sent_at__gte=since)
    if until:
        qs = qs.filter(sent_at__lt=until)
    if hall is not None:
        qs = qs.filter(hall=hall)
    if user is not None:
        qs = in_halls(qs, user)
    answered = Q(answered_at__isnull=False)
    rows = {
        r["staff__username"]: r
        for r in qs.values("staff__username", "staff__staff__full_name").annotate(
            sent=Count("id"),
            answered=Count("id", filter=answered),
            satisfied=Count("id", filter=answered & Q(overall__gte=SATISFIED_FROM)),
            solved=Count("id", filter=answered & Q(resolved=True)),
            overall_avg=Avg("overall"),
            **{f"{d[0]}_avg": Avg(d[0]) for d in DIMENSIONS},
        )
    }
    ratings = _rating_stats(since, until, hall, user)
    closures = _closure_stats(since, until, hall, user)
    out = []
    for username in sorted(set(rows) | set(ratings) | set(closures)):
        r = rows.get(username) or {}
        c = ratings.get(username) or {}
        k = closures.get(username) or {}
        n = r.get("answered", 0)
        m = c.get("n", 0)
        full_name = (
            r.get("staff__staff__full_name")
            or c.get("staff__staff__full_name")
            or k.get("case__owner__staff__full_name")
        )
        out.append(
            {
                "staff": username,
                "name": full_name or username,
                "sent": r.get("sent", 0),
                "answered": n,
                "satisfaction_rate": round(r["satisfied"] / n, 3) if n else None,
                "solved_rate": round(r["solved"] / n, 3) if n else None,
                "overall_avg": _r(r.get("overall_avg")),
                "dimensions": {d[0]: _r(r.get(f"{d[0]}_avg")) for d in DIMENSIONS},
                "counter_ratings": {
                    "count": m,
                    "satisfaction_rate": round(c["satisfied"] / m, 3) if m else None,
                    "overall_avg": _r(c.get("overall_avg")),
                    "dimensions": {d[0]: _r(c.get(f"{d[0]}_avg")) for d in DIMENSIONS},
                },
                # closed cases by who confirmed them: a closure by staff on the customer's
                # behalf is never counted as the customer's own confirmation (C5)
                "closures": {
                    "by_customer": k.get("customer_confirmed", 0),
                    "by_staff": k.get("staff_confirmed", 0),
                    "by_staff_not_ok": k.get("not_ok", 0),
                },
                "combined_satisfaction_rate": round(
                    (r.get("satisfied", 0) + c.get("satisfied", 0)) / (n + m), 3
                )
                if n + m
                else None,
            }
        )
    return out


def hall_ratings_today(hall, now: datetime | None = None) -> dict:
    """Today's counter ratings in a hall against the satisfaction target (the board's figure)."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    agg = CounterRating.objects.filter(hall=hall, rated_at__gte=start, rated_at__lte=now).aggregate(
        n=Count("id"), satisfied=Count("id", filter=Q(overall__gte=SATISFIED_FROM))
    )
    n = agg["n"]
    rate = agg["satisfied"] / n if n else None
    return {
        "count": n,
        "satisfaction_rate": round(rate, 3) if rate is not None else None,
        "target": SATISFACTION_TARGET,
        "ok": rate is None or rate >= SATISFACTION_TARGET,
    }


def rating_prompt(counter, now: datetime | None = None):
    """The ticket the counter's rating device should ask about now, or None: the last ticket
    finished at this counter, within the last 10 minutes, not yet rated, and no later ticket
    started at this counter since (then the next customer sits there). Calling the next
    number does not end it: the customer may still be rating while the next one walks up."""
    from servicehall.queueing.models import Ticket

    now = now or timezone.now()
    last = (
        Ticket.objects.filter(
            counter=counter,
            status=Ticket.Status.DONE,
            finished_at__gte=now - RATING_WINDOW,
            served_by__isnull=False,
        )
        .select_related("served_by__staff", "service_type")
        .order_by("-finished_at")
        .first()
    )
    if last is None or CounterRating.objects.filter(ticket=last).exists():
        return None
    if Ticket.objects.filter(counter=counter, started_at__gt=last.finished_at).exists():
        return None
    return last


def _r(x) -> float | None:
    return round(float(x), 2) if x is not None else None


def of_customer(case_ids, ticket_ids) -> list[dict]:
    """The customer's satisfaction answers (the customer page): the surveys of their cases
    and the ratings of their counter services, newest first."""
    rows = [
        {
            "at": s.answered_at,
            "kind": "survey",
            "about": s.case.number,
            "overall": s.overall,
            "resolved": s.resolved,
            "comment": s.comment,
        }
        for s in Survey.objects.filter(case_id__in=list(case_ids), answered_at__isnull=False)
        .select_related("case")
        .order_by("-answered_at")[:20]
    ]
    rows += [
        {
            "at": r.rated_at,
            "kind": "rating",
            "about": r.ticket.number,
            "overall": r.overall,
            "resolved": None,
            "comment": r.comment,
        }
        for r in CounterRating.objects.filter(ticket_id__in=list(ticket_ids))
        .select_related("ticket")
        .order_by("-rated_at")[:20]
    ]
    return sorted(rows, key=lambda r: r["at"], reverse=True)
