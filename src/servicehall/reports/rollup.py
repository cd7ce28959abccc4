"""Building the rollup tables (S2) from the raw rows.

`rebuild(day, hall_ids)` replaces the (hall, day) slices of every rollup table whole, from the
tickets, cases, ratings and surveys of that day, in one transaction: running it twice changes
nothing, and a slice is never seen half-built. It reads a day's raw rows once (a province's day is
some 80,000 tickets) and aggregates them here, the same on SQLite and PostgreSQL.

`catch_up()` keeps the tables current: it reads the event rows written since it last ran (ticket
and case events, counter ratings by id; surveys by the time they were answered), finds the
slices they touch and rebuilds those. A case's row belongs to the day it was opened, so its
closing a week later rebuilds that day. The job runs every minute (tasks.py); a nightly rebuild
of the day before catches what a transaction committed late behind a higher id might have
left behind.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from servicehall.cases.models import Case, CaseConfirmation, CaseEvent, ReviewState
from servicehall.cases.workflows import WORKFLOWS
from servicehall.complaints.selectors import COUNTED
from servicehall.core.db import insert_rows, write_transaction
from servicehall.queueing.models import QueuePolicy, Ticket, TicketEvent
from servicehall.surveys.models import DIMENSIONS, CounterRating, Survey
from servicehall.surveys.selectors import SATISFIED_FROM

from .models import (
    WAIT_BUCKETS,
    CaseDay,
    QueueDay,
    QueueHour,
    RollupCursor,
    SatisfactionDay,
    StaffDay,
)

log = logging.getLogger(__name__)

BATCH = 50_000  # events read per catch-up round
DEFAULT_LIMITS = (15, 10, 10)  # standard wait, VIP wait, one transaction (min): QueuePolicy's


def day_span(day: date) -> tuple[datetime, datetime]:
    """The instants a local day runs between."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def _scope(qs, hall_ids, no_hall: bool = False):
    """`qs` narrowed to the halls `hall_ids` (None: every row), and the rows of no hall."""
    if hall_ids is None:
        return qs
    in_scope = Q(hall_id__in=hall_ids)
    if no_hall:
        in_scope |= Q(hall__isnull=True)
    return qs.filter(in_scope)


def confirmations():
    """The confirmations that count a case as resolved (C5): every one but those quality found
    not in order."""
    return CaseConfirmation.objects.exclude(review=ReviewState.NOT_OK)


def _limits(hall_ids) -> dict[int, tuple[int, int, int]]:
    qs = QueuePolicy.objects.all()
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    return {
        p[0]: p[1:]
        for p in qs.values_list(
            "hall_id",
            "standard_wait_limit_min",
            "vip_wait_limit_min",
            "transaction_limit_min",
        )
    }


def _queue_rows(day: date, hall_ids) -> tuple[list, list, list]:
    tz = timezone.get_current_timezone()
    limits = _limits(hall_ids)
    tickets = Ticket.objects.filter(day=day)
    if hall_ids is not None:
        tickets = tickets.filter(hall_id__in=hall_ids)
    by_type: dict[tuple, list] = {}
    by_hour: dict[tuple, list] = {}
    by_staff: dict[tuple, list] = {}
    for (
        hall,
        stype,
        priority,
        status,
        issued,
        arrival,
        called,
        started,
        finished,
        staff,
    ) in tickets.values_list(
        "hall_id",
        "service_type_id",
        "priority",
        "status",
        "issued_at",
        "arrival_at",
        "first_called_at",
        "started_at",
        "finished_at",
        "served_by_id",
    ).iterator(chunk_size=5000):
        std_min, vip_min, long_min = limits.get(hall, DEFAULT_LIMITS)
        vip = priority > 0
        t = by_type.get((hall, stype, vip))
        if t is None:
            # issued, called, wait_sum, wait_ok, hist, served, service_sum, long, no_show, cancelled
            t = by_type[(hall, stype, vip)] = [0, 0, 0, 0, [0] * WAIT_BUCKETS, 0, 0, 0, 0, 0]
        h = by_hour.setdefault((hall, issued.astimezone(tz).hour, stype), [0, 0, 0])
        s = by_staff.setdefault((hall, staff), [0] * 8) if staff else None
        t[0] += 1
        h[0] += 1
        if called is not None:
            wait = max(0, int((called - arrival).total_seconds()))
            ok = wait <= (vip_min if vip else std_min) * 60
            t[1] += 1
            t[2] += wait
            t[3] += ok
            t[4][min(wait // 60, WAIT_BUCKETS - 1)] += 1
            h[1] += 1
            h[2] += wait
            if s is not None:
                s[0] += 1
                s[1] += wait
                s[2] += ok
        if status == Ticket.Status.DONE and started and finished:
            service = max(0, int((finished - started).total_seconds()))
            long = service > long_min * 60
            t[5] += 1
            t[6] += service
            t[7] += long
            if s is not None:
                s[3] += 1
                s[4] += service
                s[5] += long
        elif status == Ticket.Status.NO_SHOW:
            t[8] += 1
            if s is not None:
                s[6] += 1
        elif status in (Ticket.Status.CANCELLED, Ticket.Status.NOT_SERVED):
            t[9] += 1
    queue = [
        (h, day, st, vip, *v[:4], ",".join(map(str, v[4])), *v[5:])
        for (h, st, vip), v in by_type.items()
    ]
    hours = [(h, day, hour, st, *v) for (h, hour, st), v in by_hour.items()]
    staff = [(h, day, u, *v[:7]) for (h, u), v in by_staff.items()]
    return queue, hours, staff


def _case_rows(day: date, hall_ids, no_hall: bool) -> list:
    start, end = day_span(day)
    cases = _scope(
        Case.objects.filter(created_at__gte=start, created_at__lt=end), hall_ids, no_hall
    )
    internal = [w.kind for w in WORKFLOWS.values() if w.internal]  # staff's own work, not cases
    cases = cases.exclude(kind__in=internal).annotate(
        has_confirmation=Exists(confirmations().filter(case=OuterRef("pk")))
    )
    rows: dict[tuple, list] = {}
    counted = set(cases.filter(COUNTED).values_list("id", flat=True))  # complaints that count (P1)
    for (
        cid,
        hall,
        kind,
        desk,
        owner,
        created,
        closed,
        conf,
        responded,
        missed,
        breached,
    ) in cases.values_list(
        "id",
        "hall_id",
        "kind",
        "desk_id",
        "owner_id",
        "created_at",
        "closed_at",
        "has_confirmation",
        "first_responded_at",
        "first_response_missed",
        "breached",
    ).iterator(chunk_size=5000):
        # opened, closed, confirmed, responded, response_sum, missed, breached, complaints
        r = rows.setdefault((hall, kind, desk, owner), [0] * 8)
        r[0] += 1
        r[1] += closed is not None
        r[2] += bool(closed is not None and conf)
        if responded is not None:
            r[3] += 1
            r[4] += max(0, int((responded - created).total_seconds()))
        r[5] += bool(missed)
        r[6] += bool(breached)
        r[7] += cid in counted
    return [(h, day, k, d, o, *v) for (h, k, d, o), v in rows.items()]


def _satisfaction_rows(day: date, hall_ids, no_hall: bool) -> list:
    start, end = day_span(day)
    names = [d[0] for d in DIMENSIONS]
    rows: dict[tuple, list] = {}

    def add(key, overall, scores):
        # answers, satisfied, overall's sum, then each dimension's count and sum
        r = rows.get(key)
        if r is None:
            r = rows[key] = [0] * (3 + 2 * len(names))
        r[0] += 1
        r[1] += overall >= SATISFIED_FROM
        r[2] += overall
        for i, v in enumerate(scores):
            if v is not None:
                r[3 + 2 * i] += 1
                r[4 + 2 * i] += v

    ratings = CounterRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
    surveys = Survey.objects.filter(
        answered_at__gte=start, answered_at__lt=end, overall__isnull=False
    )
    ratings = _scope(ratings, hall_ids, no_hall)
    surveys = _scope(surveys, hall_ids, no_hall)
    for source, qs in (("rating", ratings), ("survey", surveys)):
        for hall, staff, overall, *scores in qs.values_list(
            "hall_id", "staff_id", "overall", *names
        ).iterator(chunk_size=5000):
            add((hall, staff, source), overall, scores)
    return [(h, day, u, src, *v) for (h, u, src), v in rows.items()]


QUEUE_COLUMNS = [
    "hall_id",
    "day",
    "service_type_id",
    "vip",
    "issued",
    "called",
    "wait_sum_s",
    "wait_ok",
    "wait_hist",
    "served",
    "service_sum_s",
    "service_long",
    "no_show",
    "cancelled",
]
HOUR_COLUMNS = ["hall_id", "day", "hour", "service_type_id", "issued", "called", "wait_sum_s"]
STAFF_COLUMNS = [
    "hall_id",
    "day",
    "staff_id",
    "called",
    "wait_sum_s",
    "wait_ok",
    "served",
    "service_sum_s",
    "service_long",
    "no_show",
]
CASE_COLUMNS = [
    "hall_id",
    "day",
    "kind",
    "desk_id",
    "owner_id",
    "opened",
    "closed",
    "confirmed",
    "responded",
    "response_sum_s",
    "response_missed",
    "breached",
    "complaints",
]
SATISFACTION_COLUMNS = [
    "hall_id",
    "day",
    "staff_id",
    "source",
    "answers",
    "satisfied",
    "overall_sum",
    *(f"{d[0]}_{part}" for d in DIMENSIONS for part in ("n", "sum")),
]
TABLES = (
    (QueueDay, QUEUE_COLUMNS),
    (QueueHour, HOUR_COLUMNS),
    (StaffDay, STAFF_COLUMNS),
    (CaseDay, CASE_COLUMNS),
    (SatisfactionDay, SATISFACTION_COLUMNS),
)


def rebuild(day: date, hall_ids: Iterable[int | None] | None = None) -> dict[str, int]:
    """Replace the rollup rows of `day` for `hall_ids` (None: every hall, and the cases and
    answers of no hall; a None among the ids: those of no hall). Returns the rows written per
    table."""
    ids = None if hall_ids is None else sorted({h for h in hall_ids if h is not None})
    no_hall = hall_ids is None or any(h is None for h in hall_ids)
    # read first, outside the write transaction: on SQLite it holds the one writer's lock
    queue, hours, staff = _queue_rows(day, ids)  # tickets always have a hall
    cases = _case_rows(day, ids, no_hall)
    answers = _satisfaction_rows(day, ids, no_hall)
    written = {}
    with write_transaction():
        for (model, columns), rows in zip(
            TABLES, (queue, hours, staff, cases, answers), strict=True
        ):
            old = _scope(model.objects.filter(day=day), ids, no_hall)
            old._raw_delete(old.db)
            insert_rows(model, columns, rows)
            written[model._meta.model_name] = len(rows)
    return written


def rebuild_range(start: date, end: date, hall_ids=None, progress=None) -> int:
    """Rebuild every day from `start` to `end` (both included); `progress(day)` after each."""
    days = 0
    day = start
    while day <= end:
        rebuild(day, hall_ids)
        days += 1
        if progress:
            progress(day)
        day += timedelta(days=1)
    return days


def _cursor(source: str) -> RollupCursor:
    cursor, _ = RollupCursor.objects.get_or_create(source=source)
    return cursor


# what the catch-up reads by id: (cursor, the rows, their hall, their day or instant)
BY_ID = (
    ("ticket", TicketEvent, "ticket__hall_id", "ticket__day"),
    ("case", CaseEvent, "case__hall_id", "case__created_at"),  # a case's row: its opening day
    ("rating", CounterRating, "hall_id", "rated_at"),
)


def _day_of(when, tz) -> date:
    return when.astimezone(tz).date() if isinstance(when, datetime) else when


def catch_up(batch: int = BATCH) -> dict[date, set]:
    """Rebuild the slices the events since the last run touched; returns them (day → hall ids)."""
    tz = timezone.get_current_timezone()
    touched: dict[date, set] = defaultdict(set)
    marks: dict[str, tuple] = {}
    for source, model, hall_field, when_field in BY_ID:
        last = _cursor(source).last_id
        rows = list(
            model.objects.filter(id__gt=last)
            .order_by("id")
            .values_list("id", hall_field, when_field)[:batch]
        )
        for _, hall, when in rows:
            touched[_day_of(when, tz)].add(hall)
        if rows:
            marks[source] = (rows[-1][0], None)
    # surveys are answered later than they are made: read by the time they were answered
    c = _cursor("survey")
    surveys = Survey.objects.filter(answered_at__isnull=False)
    if c.last_at is not None:
        surveys = surveys.filter(answered_at__gt=c.last_at)
    rows = list(surveys.order_by("answered_at").values_list("answered_at", "hall_id")[:batch])
    for at, hall in rows:
        touched[_day_of(at, tz)].add(hall)
    if rows:
        marks["survey"] = (0, rows[-1][0])

    for day in sorted(touched):
        rebuild(day, touched[day])
    for source, (last_id, last_at) in marks.items():
        RollupCursor.objects.filter(source=source).update(
            last_id=last_id or 0, last_at=last_at, updated_at=timezone.now()
        )
    return dict(touched)
