"""Invented past days of halls (S2): tickets with their events and counter ratings, cases with
their events and surveys — what the reports count — written straight to the tables as history
(no live events, no texts). The demo gives its hall the month before today with it, and
benchmarks/reports.py a province's month. Invented, never anyone's: the rows carry no customer.

A hall day: tickets arrive 08:30–17:30 with the morning and afternoon peaks of a hall; waits
grow with the hour's load (VIPs wait less); services last a few minutes (a long one now and
then); 5 % are no-shows and 2 % leave before being called. Four events a served ticket (taken,
called, started, finished). Cases: a few a day — consultations, faults, complaints now and then —,
most closed with the customer's confirmation, some late; surveys answered for some.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from servicehall.cases.models import Case, CaseConfirmation, CaseEvent
from servicehall.cases.workflows import workflow_of
from servicehall.core.db import insert_rows, write_transaction
from servicehall.queueing.models import Ticket, TicketEvent
from servicehall.surveys.models import DIMENSIONS, CounterRating, Survey

# the share of a day's tickets taken in each hour from 8 to 17 (a hall's two peaks)
HOURLY = (0.06, 0.13, 0.15, 0.12, 0.08, 0.09, 0.12, 0.11, 0.09, 0.05)


@dataclass(frozen=True)
class HallStaff:
    """What a hall's history needs: its id, service types (id, ticket prefix), counters,
    clerks, a case owner and desk, and a business category for its cases."""

    hall_id: int
    service_types: list[tuple[int, str]]
    counter_ids: list[int]
    clerk_ids: list[int]
    case_owner_id: int
    desk_id: int | None
    category_id: int


CASE_KINDS = (("consultation", 0.5), ("fault", 0.3), ("complaint", 0.2))
CASE_PREFIX = "LH"  # the history's case numbers: never a workflow's prefix


def _local(day: date, seconds: float) -> datetime:
    tz = timezone.get_current_timezone()
    return datetime.combine(day, time(), tzinfo=tz) + timedelta(seconds=seconds)


def _ticket_day(rng: random.Random, hall: HallStaff, day: date, n: int):
    """Yields (ticket row, its events as (at, kind, from, to, staff, counter), rating or None)."""
    numbers: dict[str, int] = {}
    for _ in range(n):
        hour = rng.choices(range(8, 18), HOURLY)[0]
        offset = hour * 3600 + rng.random() * 3600
        if hour == 8:
            offset = 8.5 * 3600 + rng.random() * 1800
        arrival = _local(day, offset)
        st_id, prefix = rng.choice(hall.service_types)
        numbers[prefix] = numbers.get(prefix, 0) + 1
        vip = rng.random() < 0.1
        load = HOURLY[hour - 8] / max(HOURLY)
        mean_wait = (4 if vip else 6) + 10 * load * load
        staff = rng.choice(hall.clerk_ids)
        counter = rng.choice(hall.counter_ids)
        events = [(arrival, "issued", "", "waiting", None, None)]
        roll = rng.random()
        called = started = finished = None
        if roll < 0.02:
            status = Ticket.Status.CANCELLED
            events.append(
                (
                    arrival + timedelta(minutes=rng.uniform(5, 30)),
                    "cancelled",
                    "waiting",
                    "cancelled",
                    None,
                    None,
                )
            )
            staff = None
        else:
            called = arrival + timedelta(seconds=rng.expovariate(1 / (mean_wait * 60)))
            events.append((called, "called", "waiting", "called", staff, counter))
            if roll < 0.07:
                status = Ticket.Status.NO_SHOW
                events.append(
                    (called + timedelta(minutes=3), "no_show", "called", "no_show", staff, counter)
                )
            else:
                status = Ticket.Status.DONE
                started = called + timedelta(seconds=rng.uniform(20, 90))
                service = rng.lognormvariate(math.log(4 * 60), 0.55)
                finished = started + timedelta(seconds=service)
                events.append((started, "started", "called", "serving", staff, counter))
                events.append((finished, "finished", "serving", "done", staff, counter))
        row = (
            hall.hall_id,
            day,
            f"{prefix}{numbers[prefix]:03d}",
            st_id,
            "kiosk",
            3 if vip else 0,
            status,
            arrival,
            arrival,
            counter if called else None,
            staff,
            called,
            called,
            started,
            finished,
        )
        rating = None
        if status == Ticket.Status.DONE and rng.random() < 0.3:
            overall = rng.choices((5, 4, 3, 2, 1), (70, 24, 4, 1, 1))[0]
            dims = [min(5, max(1, overall + rng.choice((-1, 0, 0, 1)))) for _ in DIMENSIONS]
            rating = (hall.hall_id, counter, staff, overall, *dims, finished + timedelta(minutes=1))
        yield row, events, rating


TICKET_COLUMNS = [
    "hall_id",
    "day",
    "number",
    "service_type_id",
    "channel",
    "priority",
    "status",
    "issued_at",
    "arrival_at",
    "counter_id",
    "served_by_id",
    "called_at",
    "first_called_at",
    "started_at",
    "finished_at",
]
EVENT_COLUMNS = ["ticket_id", "at", "kind", "from_status", "to_status", "actor_id", "counter_id"]
RATING_COLUMNS = [
    "ticket_id",
    "hall_id",
    "counter_id",
    "staff_id",
    "overall",
    *(d[0] for d in DIMENSIONS),
    "rated_at",
]
CASE_COLUMNS = [
    "number",
    "kind",
    "status",
    "channel",
    "category_id",
    "subject",
    "description",
    "hall_id",
    "owner_id",
    "handler_id",
    "desk_id",
    "created_at",
    "updated_at",
    "first_responded_at",
    "first_response_missed",
    "breached",
    "resolved_at",
    "closed_at",
]
CASE_EVENT_COLUMNS = ["case_id", "at", "kind", "actor_id", "from_status", "to_status"]
CONFIRMATION_COLUMNS = ["case_id", "method", "by_staff", "at", "review"]
SURVEY_COLUMNS = [
    "case_id",
    "token",
    "staff_id",
    "hall_id",
    "sent_at",
    "expires_at",
    "answered_at",
    "resolved",
    "overall",
    *(d[0] for d in DIMENSIONS),
]
SUBJECTS = {
    "consultation": "套餐资费咨询",
    "fault": "家中宽带时断时续",
    "complaint": "对办理时长不满",
}
# each kind's story along its workflow (cases/workflows.py, complaints/workflows.py): the state it
# opens in, the action of its first response (None: a comment) and the state that leaves it in,
# the actions that close it with the state each reaches — so a history case reads on its page
# as a real one would, and an open one can still be worked
STORY = {
    "consultation": ("open", None, "open", (("answer", "answered"),)),
    "fault": (
        "reported",
        "acknowledge",
        "repairing",
        (("resolve", "resolved"), ("close", "closed")),
    ),
    "complaint": (
        "accepting",
        "accept",
        "clarifying",
        (("clarify", "resolving"), ("resolve", "resolved"), ("close", "closed")),
    ),
}


def _case_day(rng, hall: HallStaff, day: date, n: int, serial: list[int], kinds):
    for _ in range(n):
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        created = _local(day, 9 * 3600 + rng.random() * 8 * 3600)
        serial[0] += 1
        responded = created + timedelta(minutes=rng.uniform(1, 40))
        missed = rng.random() < 0.03
        breached = rng.random() < 0.04
        closed = created + timedelta(hours=rng.uniform(2, 60)) if rng.random() < 0.9 else None
        initial, respond, working, closing = STORY[kind]
        status = closing[-1][1] if closed else working
        row = (
            f"{CASE_PREFIX}{hall.hall_id:04d}{day:%y%m%d}{serial[0]:05d}",
            kind,
            status,
            "walk_in",
            hall.category_id,
            SUBJECTS[kind],
            SUBJECTS[kind],
            hall.hall_id,
            hall.case_owner_id,
            hall.case_owner_id,
            hall.desk_id,
            created,
            closed or responded,
            responded,
            missed,
            breached,
            closed,
            closed,
        )
        events = [
            (created, "opened", "", initial),
            (responded, respond or "commented", initial, working),
        ]
        if closed:
            state, step = working, (closed - responded) / len(closing)
            for i, (action, target) in enumerate(closing, 1):
                events.append((responded + step * i, action, state, target))
                state = target
        yield row, events, closed


BATCH_TICKETS = 20_000  # tickets written a transaction (several halls' days together)


def write_days(
    halls: Iterable[HallStaff],
    start: date,
    days: int,
    *,
    tickets_per_day: int,
    cases_per_day: int,
    seed: int = 20261202,
    case_kinds=CASE_KINDS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write `days` days from `start` for each hall; cases of `case_kinds` (kind, weight). Some
    20,000 tickets a transaction. Returns the rows written per kind (`events`: ticket and case
    events together)."""
    rng = random.Random(seed)
    counts = {"tickets": 0, "cases": 0, "events": 0, "ratings": 0, "surveys": 0}
    serial = [0]
    made: list = []
    cases: list = []
    for hall in halls:
        for d in range(days):
            day = start + timedelta(days=d)
            jitter = rng.uniform(0.8, 1.2)
            made += _ticket_day(rng, hall, day, int(tickets_per_day * jitter))
            cases += _case_day(rng, hall, day, round(cases_per_day * jitter), serial, case_kinds)
            if len(made) >= BATCH_TICKETS:
                _write(rng, made, cases, counts)
                made, cases = [], []
                if progress:
                    progress(counts["events"])
    _write(rng, made, cases, counts)
    return counts


def _write(rng: random.Random, made: list, cases: list, counts: dict) -> None:
    with write_transaction():
        ids = insert_rows(Ticket, TICKET_COLUMNS, [m[0] for m in made], with_ids=True)
        events = [
            (tid, at, kind, frm, to, actor, counter)
            for tid, (_, evs, _) in zip(ids, made, strict=True)
            for at, kind, frm, to, actor, counter in evs
        ]
        insert_rows(TicketEvent, EVENT_COLUMNS, events)
        ratings = [(tid, *m[2]) for tid, m in zip(ids, made, strict=True) if m[2] is not None]
        insert_rows(CounterRating, RATING_COLUMNS, ratings)
        case_ids = insert_rows(Case, CASE_COLUMNS, [c[0] for c in cases], with_ids=True)
        # a case row: hall at 7, owner at 8 (CASE_COLUMNS)
        case_events = [
            (cid, at, kind, row[8], frm, to)
            for cid, (row, evs, _) in zip(case_ids, cases, strict=True)
            for at, kind, frm, to in evs
        ]
        insert_rows(CaseEvent, CASE_EVENT_COLUMNS, case_events)
        closed = [(cid, c[0], c[2]) for cid, c in zip(case_ids, cases, strict=True) if c[2]]
        insert_rows(  # the customer confirmed: the kinds that close so (Workflow.confirms)
            CaseConfirmation,
            CONFIRMATION_COLUMNS,
            [
                (cid, "customer_reply", False, at, "not_needed")
                for cid, row, at in closed
                if workflow_of(row[1]).confirms
            ],
        )
        surveys = []
        for cid, row, at in closed:
            if rng.random() < 0.5:
                overall = rng.choices((5, 4, 3, 2), (72, 23, 4, 1))[0]
                surveys.append(
                    (
                        cid,
                        secrets.token_urlsafe(24),
                        row[8],
                        row[7],
                        at,
                        at + timedelta(days=7),
                        at + timedelta(hours=rng.uniform(1, 20)),
                        overall >= 4,
                        overall,
                        *(min(5, max(1, overall + rng.choice((-1, 0, 0, 1)))) for _ in DIMENSIONS),
                    )
                )
        insert_rows(Survey, SURVEY_COLUMNS, surveys)
    counts["tickets"] += len(made)
    counts["cases"] += len(cases)
    counts["events"] += len(events) + len(case_events)
    counts["ratings"] += len(ratings)
    counts["surveys"] += len(surveys)


def hall_staff(hall, clerks, owner, desk=None) -> HallStaff:
    """A hall's history cast from its own rows: the service types its counters serve (their
    ticket prefixes), its counters, `clerks` at them, `owner` and `desk` for its cases."""
    from servicehall.org.models import BusinessCategory, ServiceType

    types = list(
        ServiceType.objects.filter(counters__hall=hall)
        .distinct()
        .order_by("pk")
        .values_list("pk", "prefix")
    )
    return HallStaff(
        hall_id=hall.pk,
        service_types=types,
        counter_ids=list(hall.counters.order_by("number").values_list("pk", flat=True)),
        clerk_ids=[u.pk for u in clerks],
        case_owner_id=owner.pk,
        desk_id=desk.pk if desk else None,
        category_id=BusinessCategory.objects.order_by("pk").values_list("pk", flat=True)[0],
    )
