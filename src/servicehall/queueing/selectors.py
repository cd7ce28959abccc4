"""Read queries of the queue: people ahead, the wait estimate, the hall board, the display."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
)
from django.urls import reverse
from django.utils import timezone

from servicehall.core.errors import NotFound
from servicehall.core.masking import mask_free_text, mask_name, mask_phone
from servicehall.core.ttl import TTLCache
from servicehall.org import hours
from servicehall.org.models import Counter, Hall, ServiceType, staff_name
from servicehall.org.roles import in_halls

from . import booking, erlang, rules, waits
from .errors import Code
from .models import Appointment, CounterPause, CounterSession, Ticket, TicketEvent

S = Ticket.Status
MIN_TIMED = 5  # below this many timed services today the service type's expected time is blended in


@dataclass(frozen=True)
class WaitEstimate:
    ahead: int
    minutes: int | None  # None: no open counter serves this ticket now
    open_counters: float
    mean_service_min: float


def _mean_service_minutes(hall: Hall, service_type) -> float:
    """Average counter occupation (call to finish) of the last services of this type today,
    blended with the configured expectation while few have been timed."""
    today = timezone.localdate()
    rows = list(
        Ticket.objects.filter(
            hall=hall,
            service_type=service_type,
            status=S.DONE,
            day=today,
            first_called_at__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("first_called_at", "finished_at")[: waits.RECENT_SERVICES]
    )
    expected = float(service_type.expected_minutes)
    if not rows:
        return expected
    measured = sum((b - a).total_seconds() for a, b in rows) / len(rows) / 60
    if len(rows) >= MIN_TIMED:
        return measured
    w = len(rows) / MIN_TIMED
    return w * measured + (1 - w) * expected


# The wait estimate on every new ticket reads which counters are open and today's service
# times; both change slowly next to the rate tickets are issued, and the estimate is an
# estimate. Remembered per process for a few seconds (sign-in, sign-out, pause and resume here
# forget at once). A paused counter is not open: it calls nobody until it resumes.
_open_counters_memo: TTLCache[list[Counter]] = TTLCache(5.0)
_service_minutes_memo: TTLCache[float] = TTLCache(30.0)


def forget_open_counters(hall_id: int) -> None:
    _open_counters_memo.forget(hall_id)


def _open_counters(hall: Hall) -> list[Counter]:
    def load() -> list[Counter]:
        ids = CounterSession.objects.filter(counter__hall=hall, signed_out_at__isnull=True).values(
            "counter_id"
        )
        paused = CounterPause.objects.filter(counter__hall=hall, ended_at__isnull=True).values(
            "counter_id"
        )
        return list(
            Counter.objects.filter(pk__in=ids, is_active=True)
            .exclude(pk__in=paused)
            .prefetch_related("service_types")
        )

    return _open_counters_memo.get(hall.pk, load)


def open_counters(hall: Hall) -> list[Counter]:
    """The hall's counters open now: signed in and not paused (remembered a few seconds)."""
    return _open_counters(hall)


def mean_service_minutes(hall: Hall, service_type) -> float:
    return _service_minutes_memo.get(
        (hall.pk, service_type.pk, timezone.localdate()),
        lambda: _mean_service_minutes(hall, service_type),
    )


NEAR_AHEAD = 2  # at most this many people ahead: the customer is texted to come back (Q1)


def _line(hall_id: int, area: str, service_type_id: int, day=None):
    """The waiting tickets a ticket queues with: its service type in the main hall, or the
    quiet area's queue, today's only. Its place in `rules.ordered` of these is the people
    ahead."""
    pool = Ticket.objects.filter(
        hall_id=hall_id, day=day or timezone.localdate(), status=S.WAITING, area=area
    )
    if area == Ticket.Area.MAIN:
        pool = pool.filter(service_type_id=service_type_id)
    return pool


def front_of_line(
    hall: Hall, area: str, service_type_id: int, now: datetime | None = None
) -> list[dict]:
    """The first NEAR_AHEAD + 1 tickets of a line, in calling order, with what the "two ahead"
    text needs: one query on the waiting-ticket index."""
    rows = rules.ordered(
        _line(hall.pk, area, service_type_id), rules.policy_for(hall), now or timezone.now()
    ).values("id", "number", "token", "notify_phone", "near_notified_at")[: NEAR_AHEAD + 1]
    return [row | {"ahead": i} for i, row in enumerate(rows)]


def near_front_ids(ticket: Ticket, now: datetime | None = None) -> set[int]:
    return {r["id"] for r in front_of_line(ticket.hall, ticket.area, ticket.service_type_id, now)}


def near_front_at_issue(ticket: Ticket) -> bool:
    """Whether a ticket just issued has at most NEAR_AHEAD people ahead. A standard ticket
    arriving now comes after everyone in its line, so a LIMIT query decides it; only a VIP
    (who may go ahead of others) needs the calling order."""
    others = _line(ticket.hall_id, ticket.area, ticket.service_type_id).exclude(pk=ticket.pk)
    if len(others.values_list("id", flat=True)[: NEAR_AHEAD + 1]) <= NEAR_AHEAD:
        return True
    if not ticket.is_vip and ticket.appointment_at is None:
        return False
    return ticket.pk in near_front_ids(ticket)


def text_pending(hall: Hall, area: str, service_type_id: int) -> bool:
    """Whether a ticket of this line issued today still waits for its "two ahead" text: an
    indexed look at today's waiting tickets, so a call with nothing to text costs little."""
    return (
        _line(hall.pk, area, service_type_id)
        .filter(day=timezone.localdate(), near_notified_at__isnull=True)
        .exclude(notify_phone="")
        .exists()
    )


def ticket_by_token(token: str, *, for_update: bool = False) -> Ticket:
    """The ticket of a "my ticket" link; an unknown token is a 404, never a hint."""
    qs = Ticket.objects.select_related("service_type", "hall", "hall__queue_policy", "counter")
    if for_update and connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    ticket = qs.filter(token=token).first() if token else None
    if ticket is None:
        raise NotFound(
            Code.UNKNOWN_TICKET,
            "没有找到这个号码，请核对链接或重新取号",
            "No ticket has this link; check it or take a new number",
            field="token",
        )
    return ticket


def my_ticket_url(token: str) -> str:
    """The absolute address of the customer's page of a ticket (the slip's QR code, the SMS)."""
    return settings.PUBLIC_URL + reverse("web:my-ticket", args=[token])


def waiting_by_type(hall: Hall) -> list[dict]:
    """How many wait for each service type the hall offers (the display's counts, Q4)."""
    counts = dict(
        Ticket.objects.filter(hall=hall, status=S.WAITING)
        .values_list("service_type_id")
        .annotate(n=Count("id"))
    )
    offered = ServiceType.objects.filter(
        is_active=True, counters__hall=hall, counters__is_active=True
    ).distinct()
    return [
        {
            "code": st.code,
            "prefix": st.prefix,
            "name_zh": st.name_zh,
            "name_en": st.name_en,
            "waiting": counts.get(st.pk, 0),
        }
        for st in offered
    ]


def _line_history(hall_id: int, area: str, service_type_id: int, today, now: datetime) -> dict:
    """What the wait estimate learns from a line's day so far (waits.QueueState): how many were
    called in the last half hour, the share of those out of the line who left unserved
    (cancelled, or a no-show), and the wait of the last one called within the hour."""
    line = Ticket.objects.filter(hall_id=hall_id, day=today, area=area)
    if area == Ticket.Area.MAIN:
        line = line.filter(service_type_id=service_type_id)
    window = timedelta(seconds=waits.RATE_WINDOW_S)
    starts = line.filter(first_called_at__gt=now - window, first_called_at__lte=now).count()
    gone = list(
        line.exclude(status__in=(S.WAITING, S.NOT_SERVED))
        .order_by("-pk")
        .values_list("status", flat=True)[: waits.RECENT_OUTCOMES]
    )
    left = sum(1 for status in gone if status in (S.NO_SHOW, S.CANCELLED))
    last = (
        line.filter(
            first_called_at__gt=now - timedelta(seconds=waits.LAST_WAIT_MAX_AGE_S),
            first_called_at__lte=now,
        )
        .order_by("-first_called_at")
        .values_list("issued_at", "first_called_at")
        .first()
    )
    return {
        "recent_starts": starts,
        "abandon_share": left / len(gone) if gone else 0.0,
        "last_wait_s": max((last[1] - last[0]).total_seconds(), 0.0) if last else None,
    }


def estimate_wait(ticket: Ticket, now: datetime | None = None) -> WaitEstimate:
    """People ahead of `ticket` by the calling rule, and the minutes that takes: the line's state
    read here (the counters open for it, their share, who is busy, recent service times, the
    line's pace, abandonment and last wait) and estimated by `waits.estimate_seconds`, the one
    estimate `servicehall eval waits` measures on a real queue. Counters serving several types
    count in proportion to how much of their waiting line is this type."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = rules.policy_for(ticket.hall)
    if ticket.status != S.WAITING:
        return WaitEstimate(0, 0, 0, 0)
    pool = _line(ticket.hall_id, ticket.area, ticket.service_type_id, today)
    ordered_ids = list(rules.ordered(pool, policy, now).values_list("id", flat=True))
    ahead = ordered_ids.index(ticket.pk) if ticket.pk in ordered_ids else len(ordered_ids)

    counters = [
        c
        for c in _open_counters(ticket.hall)
        if (c.kind == Counter.Kind.QUIET) == (ticket.area == Ticket.Area.QUIET)
        and (
            ticket.area == Ticket.Area.QUIET
            or any(st.pk == ticket.service_type_id for st in c.service_types.all())
        )
        and (not c.vip_only or ticket.is_vip)
    ]
    mean = mean_service_minutes(ticket.hall, ticket.service_type)
    if not counters:
        return WaitEstimate(ahead, None, 0, round(mean, 2))
    waiting_by_type = dict(
        Ticket.objects.filter(
            hall_id=ticket.hall_id, day=today, status=S.WAITING, area=Ticket.Area.MAIN
        )
        .values_list("service_type_id")
        .annotate(n=Count("id"))
    )
    mine = max(waiting_by_type.get(ticket.service_type_id, 0), 1)
    capacity = 0.0
    for c in counters:
        total = sum(waiting_by_type.get(st.pk, 0) for st in c.service_types.all())
        capacity += 1.0 if ticket.area == Ticket.Area.QUIET else min(1.0, mine / max(total, mine))
    busy = Ticket.objects.filter(
        counter__in=counters, day=today, status__in=(S.CALLED, S.SERVING)
    ).count()
    state = waits.QueueState(
        ahead=ahead,
        servers=capacity,
        busy=busy,
        mean_service_s=mean * 60,
        **_line_history(ticket.hall_id, ticket.area, ticket.service_type_id, today, now),
    )
    seconds = waits.estimate_seconds(state)
    minutes = None if seconds is None else math.ceil(seconds / 60)
    return WaitEstimate(ahead, minutes, round(capacity, 2), round(mean, 2))


# ---------------------------------------------------------------- the appointment book (Q3)


def appointment_rows(hall: Hall, day, now: datetime | None = None) -> list[dict]:
    """A hall's appointments on `day` by time, every status, the customer masked (V2): name
    and phone through the masking helpers customers.services.present uses."""
    now = now or timezone.now()
    start, end = booking.day_bounds(day)
    appts = (
        Appointment.objects.filter(hall=hall, slot_at__gte=start, slot_at__lt=end)
        .select_related("service_type", "customer", "ticket")
        .prefetch_related("events")
        .order_by("slot_at", "pk")
    )
    rows = []
    for a in appts:
        events = list(a.events.all())
        cancelled = next((e for e in reversed(events) if e.kind == "cancelled"), None)
        ticket = getattr(a, "ticket", None)
        rows.append(
            {
                "id": a.pk,
                "slot_at": timezone.localtime(a.slot_at),
                "status": a.status,
                "status_label": a.get_status_display(),
                "service_type": a.service_type,
                "customer": mask_name(a.customer.name),
                "tier": a.customer.tier,
                "phone": mask_phone(a.phone),
                "note": a.note,
                "ticket": ticket.number if ticket else None,
                "moves": sum(1 for e in events if e.kind == "moved"),
                "cancel_reason": cancelled.data.get("reason", "") if cancelled else "",
                "is_open": a.status == Appointment.Status.BOOKED,
                "late": a.status == Appointment.Status.BOOKED and a.slot_at < now,
            }
        )
    return rows


def slot_counts(hall: Hall, day, now: datetime | None = None) -> list[dict]:
    """The day's offered slots with how many places are taken (booked or checked in) and left,
    and whether the slot can still be booked (it starts in the future and has a place)."""
    now = now or timezone.now()
    start, end = booking.day_bounds(day)
    taken: dict[datetime, int] = {}
    for at in Appointment.objects.filter(
        hall=hall,
        slot_at__gte=start,
        slot_at__lt=end,
        status__in=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
    ).values_list("slot_at", flat=True):
        first = booking.slot_start(at)
        taken[first] = taken.get(first, 0) + 1
    cap = booking.per_slot()
    return [
        {
            "at": at,
            "taken": taken.get(at, 0),
            "free": max(cap - taken.get(at, 0), 0),
            "future": at > now,
            "bookable": at > now and taken.get(at, 0) < cap,
        }
        for at in booking.slots_of_day(hall, day)
    ]


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.select_related("service_type", "customer")
        .filter(counter=counter, day=timezone.localdate(), status__in=(S.CALLED, S.SERVING))
        .first()
    )


def open_session_of(user) -> CounterSession | None:
    return (
        CounterSession.objects.select_related("counter", "counter__hall")
        .filter(staff=user, signed_out_at__isnull=True)
        .first()
    )


def recent_calls(hall: Hall, limit: int = 8) -> list[dict]:
    rows = (
        Ticket.objects.filter(hall=hall, day=timezone.localdate(), called_at__isnull=False)
        .exclude(status=S.WAITING)
        .select_related("counter", "service_type")
        .order_by("-called_at")[:limit]
    )
    return [
        {
            "number": t.number,
            "counter": t.counter.name if t.counter else "",
            "counter_number": t.counter.number if t.counter else None,
            "service_type": t.service_type.name_zh,
            "service_type_zh": t.service_type.name_zh,
            "service_type_en": t.service_type.name_en,
            "status": t.status,
            "called_at": timezone.localtime(t.called_at).strftime("%H:%M:%S"),
        }
        for t in rows
    ]


def _minutes(td: timedelta | None) -> float | None:
    return round(td.total_seconds() / 60, 1) if td is not None else None


def schedule_state(hall: Hall, now: datetime) -> dict:
    """Today's opening hours and whether ticketing is as the schedule has it or overridden by
    a manager (org/hours.py). `mode`: manual (no hours), schedule or override."""
    sched = hours.schedule(hall)
    if sched.manual:
        return {"mode": "manual", "today": [], "reason": "", "next_change": None}
    today = timezone.localdate(now)
    applied = hall.schedule_open if hall.schedule_open is not None else sched.is_open_at(now)
    change = sched.next_change(now)
    if change is not None:
        local = timezone.localtime(change)
        label = local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")
    return {
        "mode": "schedule" if hall.is_open == applied else "override",
        "today": [
            (timezone.localtime(a).strftime("%H:%M"), timezone.localtime(b).strftime("%H:%M"))
            for a, b in sched.intervals(today)
        ],
        "reason": sched.reasons.get(today, ""),
        "open_by_schedule": sched.is_open_at(now),
        "next_change": label if change is not None else None,
    }


# How many counters a line needs (S4; the 11:00 scene): planned for this share of its tickets
# called within the standard wait limit (Q3), from the arrivals of the last ARRIVALS_WINDOW
CALLED_IN_TIME_SHARE = 0.8
ARRIVALS_WINDOW = timedelta(hours=1)


def counters_needed(hall: Hall, policy, now: datetime, waiting: list[Ticket]) -> dict[int, dict]:
    """For each service type waiting in the main hall: the counters open for it now and the
    counters it needs — the more of
    - Erlang C (`erlang.erlang_c_agents`) for the last hour's arrivals of the type and its mean
      service (`mean_service_minutes`): CALLED_IN_TIME_SHARE of tickets called within the
      standard limit, were arrivals to go on so;
    - the people waiting now, each served within the limit: waiting × mean service ÷ limit,
      rounded up (what a queue already long needs, whatever the arrivals).
    A counter open for several types counts for each (it calls whichever waits longest); VIP-only
    and quiet-area counters are left out, as they do not take the line. {type id: {open,
    needed, short, could_open}}."""
    lines: dict[int, list[Ticket]] = {}
    for t in waiting:
        if t.area == Ticket.Area.MAIN:
            lines.setdefault(t.service_type_id, []).append(t)
    if not lines:
        return {}
    open_for: dict[int, int] = {}
    takers = [c for c in _open_counters(hall) if c.kind != Counter.Kind.QUIET and not c.vip_only]
    for c in takers:
        for st in c.service_types.all():
            open_for[st.pk] = open_for.get(st.pk, 0) + 1
    arrivals = dict(
        Ticket.objects.filter(
            hall=hall,
            day=timezone.localdate(now),
            area=Ticket.Area.MAIN,
            arrival_at__gt=now - ARRIVALS_WINDOW,
            arrival_at__lte=now,
        )
        .values_list("service_type_id")
        .annotate(n=Count("id"))
    )
    limit_s = policy.standard_wait_limit_min * 60
    out = {}
    for type_id, line in lines.items():
        mean_s = mean_service_minutes(hall, line[0].service_type) * 60
        if mean_s <= 0:
            continue  # a type with no service time configured or measured: nothing to plan on
        rate = arrivals.get(type_id, 0) / ARRIVALS_WINDOW.total_seconds()
        steady = erlang.erlang_c_agents(rate, mean_s, limit_s, CALLED_IN_TIME_SHARE)
        backlog = math.ceil(len(line) * mean_s / limit_s)
        needed = max(steady, backlog, 1)
        opened = open_for.get(type_id, 0)
        out[type_id] = {
            "open": opened,
            "needed": needed,
            "short": max(needed - opened, 0),
            # the open counters that could take this line too (the board's 开通)
            "could_open": [
                {"id": c.pk, "name": c.name}
                for c in takers
                if all(st.pk != type_id for st in c.service_types.all())
            ],
        }
    return out


def board(hall: Hall, now: datetime | None = None) -> dict:
    """The hall manager's board (Q4, Q3): who waits and how long, every ticket past its limit,
    counter states, today's averages against the targets, and for each line the counters open
    and needed (`counters_needed`, S4), and today's shift plan against the counters open now
    (`shift_plans.now_vs_plan`)."""
    from . import shift_plans  # it reads this module's open counters and constants

    now = now or timezone.now()
    policy = rules.policy_for(hall)
    today = timezone.localdate(now)
    waiting = list(
        Ticket.objects.filter(hall=hall, day=today, status=S.WAITING)
        .select_related("service_type")
        .order_by("arrival_at")
    )
    overdue_ids = set(
        Ticket.objects.filter(hall=hall, day=today, status=S.WAITING)
        .filter(rules.overdue_q(policy, now))
        .values_list("id", flat=True)
    )
    per_type: dict[int, dict] = {}
    for t in waiting:
        row = per_type.setdefault(
            t.service_type_id,
            {
                "service_type": t.service_type.name_zh,
                "code": t.service_type.code,
                "waiting": 0,
                "vip": 0,
                "longest_min": 0.0,
            },
        )
        row["waiting"] += 1
        row["vip"] += t.is_vip
        row["longest_min"] = max(row["longest_min"], _minutes(now - t.arrival_at))
    for type_id, counters_of_type in counters_needed(hall, policy, now, waiting).items():
        per_type[type_id].update(counters_of_type)
    overdue = [
        {
            "id": t.pk,
            "number": t.number,
            "service_type": t.service_type.name_zh,
            "vip": t.is_vip,
            "area": t.area,
            "waited_min": _minutes(now - t.arrival_at),
            "limit_min": rules.wait_limit_min(t, policy),
        }
        for t in waiting
        if t.pk in overdue_ids
    ]
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(
            counter__hall=hall, signed_out_at__isnull=True
        ).select_related("staff__staff")
    }
    serving = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            hall=hall, day=today, status__in=(S.CALLED, S.SERVING)
        ).select_related("service_type")
    }
    pauses = {
        p.counter_id: p
        for p in CounterPause.objects.filter(
            counter__hall=hall, ended_at__isnull=True, session__signed_out_at__isnull=True
        )
    }
    counters = []
    for c in hall.counters.filter(is_active=True).prefetch_related("service_types"):
        s, t = sessions.get(c.pk), serving.get(c.pk)
        state = "closed" if s is None else ("idle" if t is None else t.status)
        pause = pauses.get(c.pk) if s is not None else None
        if pause is not None and t is None:
            state = "paused"
        counters.append(
            {
                "id": c.pk,
                "name": c.name,
                "kind": c.kind,
                "state": state,
                "staff": staff_name(s.staff) if s else None,
                "ticket": t.number if t else None,
                "since_min": _minutes(now - (t.started_at or t.called_at)) if t else None,
                "over_limit": bool(
                    t
                    and t.started_at
                    and now - t.started_at > timedelta(minutes=policy.transaction_limit_min)
                ),
                "service_types": [st.name_zh for st in c.service_types.all()],
                "lines": [{"code": st.code, "name": st.name_zh} for st in c.service_types.all()],
                "pause": {
                    "reason": pause.reason,
                    "label": str(CounterPause.Reason(pause.reason).label),  # in the active language
                    "note": pause.note,
                    "since": timezone.localtime(pause.started_at).strftime("%H:%M"),
                    "minutes": _minutes(now - pause.started_at),
                }
                if pause
                else None,
            }
        )
    wait_expr = ExpressionWrapper(
        F("first_called_at") - F("arrival_at"), output_field=DurationField()
    )
    svc_expr = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    called_today = Ticket.objects.filter(hall=hall, day=today, first_called_at__isnull=False)
    done_today = Ticket.objects.filter(
        hall=hall, day=today, status=S.DONE, started_at__isnull=False
    )
    w = called_today.aggregate(avg=Avg(wait_expr), mx=Max(wait_expr), n=Count("id"))
    sv = done_today.aggregate(avg=Avg(svc_expr), mx=Max(svc_expr), mn=Min(svc_expr), n=Count("id"))
    long_tx = done_today.filter(
        finished_at__gt=F("started_at") + timedelta(minutes=policy.transaction_limit_min)
    ).count()
    breaches = called_today.filter(
        Q(
            priority=0,
            first_called_at__gt=F("arrival_at") + timedelta(minutes=policy.standard_wait_limit_min),
        )
        | Q(
            priority__gt=0,
            first_called_at__gt=F("arrival_at") + timedelta(minutes=policy.vip_wait_limit_min),
        )
    ).count()
    return {
        "hall": {"id": hall.pk, "code": hall.code, "name": hall.name, "is_open": hall.is_open},
        "schedule": schedule_state(hall, now),
        "paused_counters": len(pauses),
        "now": timezone.localtime(now).strftime("%H:%M:%S"),
        "policy": {
            "standard_wait_limit_min": policy.standard_wait_limit_min,
            "vip_wait_limit_min": policy.vip_wait_limit_min,
            "transaction_limit_min": policy.transaction_limit_min,
            "avg_service_target_min": policy.avg_service_target_min,
        },
        "waiting_total": len(waiting),
        "longest_wait_min": max((_minutes(now - t.arrival_at) for t in waiting), default=0.0),
        "per_service_type": sorted(per_type.values(), key=lambda r: -r["waiting"]),
        "counters_short": sum(r.get("short", 0) for r in per_type.values()),
        "called_in_time_pct": round(CALLED_IN_TIME_SHARE * 100),
        # today's shift plan at this half hour against the counters open now (S4); None
        # without a plan for today or when it plans nobody now
        "shift": shift_plans.now_vs_plan(hall, now),
        "overdue": overdue,
        "counters": counters,
        "today": {
            "called": w["n"],
            "served": sv["n"],
            "avg_wait_min": _minutes(w["avg"]),
            "max_wait_min": _minutes(w["mx"]),
            "avg_service_min": _minutes(sv["avg"]),
            "max_service_min": _minutes(sv["mx"]),
            "transactions_over_limit": long_tx,
            "wait_limit_breaches": breaches,
            "no_shows": Ticket.objects.filter(hall=hall, day=today, status=S.NO_SHOW).count(),
            "not_served": Ticket.objects.filter(hall=hall, day=today, status=S.NOT_SERVED).count(),
        },
        # Today's averages against the hall's targets (Q3): met while nothing has been measured.
        "verdicts": {
            "avg_wait_ok": w["avg"] is None or _minutes(w["avg"]) <= policy.standard_wait_limit_min,
            "avg_service_ok": sv["avg"] is None
            or _minutes(sv["avg"]) <= policy.avg_service_target_min,
        },
    }


def waiting_for_counter(counter: Counter, now: datetime | None = None) -> int:
    """How many waiting tickets this counter could call now."""
    type_ids = list(counter.service_types.values_list("id", flat=True))
    return rules.candidates(
        counter, type_ids, rules.policy_for(counter.hall), now or timezone.now()
    ).count()


# Why a waiting ticket stands where it does in a counter's calling order (rules.BAND_NAMES).
WAITING_LIST_CAP = 30


def open_pause(counter: Counter) -> CounterPause | None:
    return CounterPause.objects.filter(
        counter=counter, ended_at__isnull=True, session__signed_out_at__isnull=True
    ).first()


def waiting_list(counter: Counter, now: datetime | None = None, limit: int = WAITING_LIST_CAP):
    """What this counter may call, in the order it would call them (rules.candidates): the
    first `limit` rows and how many more wait. Each row says why it stands where it does (its
    band) and whether it was transferred."""
    now = now or timezone.now()
    policy = rules.policy_for(counter.hall)
    type_ids = list(counter.service_types.values_list("id", flat=True))
    qs = rules.candidates(counter, type_ids, policy, now)
    total = qs.count()
    transferred = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind="transferred")
    rows = [
        {
            "id": t.pk,
            "number": t.number,
            "service_type": t.service_type,
            "vip": t.is_vip,
            "area": t.area,
            "waited_min": int((now - t.arrival_at).total_seconds() // 60),
            "limit_min": rules.wait_limit_min(t, policy),
            "band": rules.BAND_NAMES[t.band],
            "appointment_at": t.appointment_at,
            "transferred": t.was_transferred,
        }
        for t in qs.select_related("service_type").annotate(was_transferred=Exists(transferred))[
            :limit
        ]
    ]
    return {"rows": rows, "total": total, "more": max(total - len(rows), 0)}


def event_data(event: TicketEvent) -> dict:
    """An event's data as staff read it: numbers typed into its texts (a transfer summary, a
    note) masked (V2), as on a case's timeline."""
    return {k: mask_free_text(v) if isinstance(v, str) else v for k, v in event.data.items()}


def ticket_events(ticket: Ticket) -> list[dict]:
    """A ticket's events in order, for the API: who, where, and the data with typed numbers
    masked."""
    rows = TicketEvent.objects.filter(ticket=ticket).select_related("actor", "counter")
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor.username if e.actor else None,
            "counter": e.counter.name if e.counter else None,
            "data": event_data(e),
        }
        for e in rows
    ]


def transfer_note(ticket: Ticket) -> dict | None:
    """The summary written when this ticket was last transferred (C8): the note, from which
    counter and clerk, and when — for the counter that receives it."""
    e = (
        TicketEvent.objects.filter(ticket=ticket, kind="transferred")
        .select_related("counter", "actor__staff")
        .order_by("-at", "-id")
        .first()
    )
    if e is None:
        return None
    actor = e.actor
    return {
        "note": mask_free_text(e.data.get("note", "")),
        "from_counter": e.counter.name if e.counter else None,
        "by": staff_name(actor),
        "at": e.at,
    }


def oldest_waiting(hall: Hall, now: datetime, limit: int = 60) -> list[dict]:
    """The oldest waiting tickets of the hall, each with how long it has waited against its
    limit — the rows the manager may send to the quiet area from the board."""
    policy = rules.policy_for(hall)
    rows = (
        Ticket.objects.filter(hall=hall, day=timezone.localdate(now), status=S.WAITING)
        .select_related("service_type")
        .order_by("arrival_at")[:limit]
    )
    return [
        {
            "id": t.pk,
            "number": t.number,
            "service_type": t.service_type,
            "vip": t.is_vip,
            "area": t.area,
            "waited_min": round((now - t.arrival_at).total_seconds() / 60),
            "limit_min": rules.wait_limit_min(t, policy),
        }
        for t in rows
    ]


def waited_minutes(ticket: Ticket, now: datetime | None = None) -> float:
    end = ticket.first_called_at or ticket.called_at or now or timezone.now()
    return _minutes(end - ticket.arrival_at)


def get_ticket(ticket_id, *, for_update: bool = False, hall_ids=None) -> Ticket:
    """The ticket with what its views and actions read; `for_update` locks its row (PostgreSQL);
    `hall_ids`: only a ticket of those halls (None: any) — another hall's is as unknown as a
    missing one."""
    qs = Ticket.objects.select_related("service_type", "hall", "hall__queue_policy", "counter")
    if for_update and connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(
            Code.UNKNOWN_TICKET,
            f"号码 {ticket_id} 不存在",
            f"Unknown ticket {ticket_id}",
            field="ticket",
        )
    return ticket


def ticket_view(t: Ticket, with_estimate: bool = False) -> dict:
    """A ticket as the API, the kiosk and the workbench show it (no personal data)."""
    out = {
        "id": t.pk,
        "number": t.number,
        "status": t.status,
        "service_type": t.service_type.code,
        "service_type_name": t.service_type.name_zh,
        "vip": t.is_vip,
        "priority": t.priority,
        "area": t.area,
        "channel": t.channel,
        "issued_at": t.issued_at,
        "arrival_at": t.arrival_at,
        "called_at": t.called_at,
        "counter": t.counter.name if t.counter_id else None,
        "appointment_at": t.appointment_at,
    }
    if with_estimate and t.status == Ticket.Status.WAITING:
        est = estimate_wait(t)
        out["ahead"] = est.ahead
        out["estimated_wait_min"] = est.minutes
        if est.minutes is None:
            out["estimate_note"] = "暂无开放窗口办理此业务，请留意叫号 / No counter serves this now"
    return out


def tickets_of(user, customer, *, limit: int = 20) -> list[Ticket]:
    """The customer's queue tickets in the user's halls, newest first (the customer page)."""
    return list(
        in_halls(Ticket.objects.filter(customer=customer), user)
        .select_related("service_type", "hall", "served_by", "served_by__staff")
        .order_by("-issued_at")[:limit]
    )
