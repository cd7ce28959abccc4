"""A hall's shift plan (S4, issue 17): its shift templates, the counters it needs per half hour
of a day, the least-cost plan (`shifts.plan`), the manager's adjustments, and the board's
"planned vs on duty now".

The requirement of a day, per 30-minute interval: the arrivals of every service type, standard
and VIP tickets apart, forecast from the hall's tickets of the HISTORY_DAYS before it
(`forecast.forecast_day`: the same weekday, holidays like holidays, by the business calendar);
then, standard and VIP each as one pool, the counters Erlang C needs to call
CALLED_IN_TIME_SHARE of them within the policy's wait limit (standard, or VIP) —
`selectors.counters_needed`'s rule and constants — with the pool's mean service time (each
type's measured on those tickets, first call to finish; its expected minutes when none was
timed), weighted by its arrivals. Pooled, because a hall's counters take several lines and call
whichever waits longest; a hall whose counters each take one line needs more (the per-line sum
is the upper bound). While the hall is open (org.hours) at least one counter is required;
outside its hours none; never more than the hall's active counters.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from servicehall.core.audit import log_action, system_actor
from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError, require_perm
from servicehall.core.events import publish_on_commit
from servicehall.core.validate import whole_number
from servicehall.org import hours
from servicehall.org.models import Hall, staff_name

from . import erlang, forecast, rules, selectors, shifts
from .errors import Code
from .models import ShiftPlan, ShiftTemplate, Ticket

INTERVAL = 30
SLOTS = 24 * 60 // INTERVAL
HISTORY_DAYS = 28
FULL_SHIFT = 510  # 8.5 hours on duty, a 60-minute paid break among them
HALF_SHIFT = 240
FULL_COST, HALF_COST = 320, 170  # yuan a shift (a half shift costs more by the hour)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _at(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def default_templates(hall: Hall) -> list[dict]:
    """Typical hall shifts fitted to its opening hours: the earliest opening and the latest
    closing of its week (08:30–18:00 when it has none) — `templates_between`."""
    spans = [
        (_minutes(a), _minutes(z))
        for wd in range(7)
        for a, z in hours.schedule(hall).spans(date(2026, 1, 5) + timedelta(days=wd))
    ]
    opens = min((a for a, _ in spans), default=8 * 60 + 30)
    closes = max((z for _, z in spans), default=18 * 60)
    return [
        {"name": n, "start": _at(a), "end": _at(z), "paid_break_minutes": b, "cost": c}
        for n, a, z, b, c in spans_between(opens, closes)
        if z < 24 * 60  # a stored template ends within the day
    ]


def spans_between(opens: int, closes: int) -> list[tuple[str, int, int, int, int]]:
    """Typical shifts for a day from `opens` to `closes` (minutes after midnight): 早班 from
    the opening, 晚班 to the closing, 中班 centred on the day (each 8.5 hours with a 60-minute
    paid break, or the whole day when shorter), and two 4-hour half shifts — the midday peak
    (11:00) and the evening; the same span twice is kept once. (name, start, end, paid break
    minutes, cost), in minutes after midnight."""

    def half_hour(m: float) -> int:
        return int(round(m / 30) * 30)

    def span(a: int, length: int) -> tuple[int, int]:
        a = max(opens, min(a, closes - length))
        return a, min(a + length, closes)

    mid = half_hour((opens + closes) / 2)
    shapes = [
        ("早班", *span(opens, FULL_SHIFT), 60, FULL_COST),
        ("中班", *span(half_hour(mid - FULL_SHIFT / 2), FULL_SHIFT), 60, FULL_COST),
        ("晚班", *span(closes - FULL_SHIFT, FULL_SHIFT), 60, FULL_COST),
        ("午间半班", *span(11 * 60, HALF_SHIFT), 0, HALF_COST),
        ("傍晚半班", *span(closes - HALF_SHIFT, HALF_SHIFT), 0, HALF_COST),
    ]
    out, seen = [], set()
    for name, a, z, brk, cost in shapes:
        if (a, z) not in seen and z > a:
            seen.add((a, z))
            out.append((name, a, z, brk, cost))
    return out


def spans_every_half_hour(opens: int, closes: int) -> list[tuple[str, int, int, int, int]]:
    """A full shift (8.5 hours, 60 minutes' paid break) and a half shift (4 hours) starting at
    every half hour that ends by `closes`: the free choice of a call centre without fixed
    templates (the whole day as one shift when it is shorter than a full one)."""
    out = []
    for name, length, brk, cost in (
        ("全班", FULL_SHIFT, 60, FULL_COST),
        ("半班", HALF_SHIFT, 0, HALF_COST),
    ):
        length = min(length, closes - opens)
        for a in range(opens, closes - length + 1, INTERVAL):
            out.append((f"{name} {shifts.clock(a)}", a, a + length, brk, cost))
    return list({(a, z): (n, a, z, b, c) for n, a, z, b, c in out}.values())


def shapes_between(opens: int, closes: int) -> list[shifts.Shape]:
    """`spans_between` as the plan's shapes (a day that runs to midnight included)."""
    return [shifts.Shape(n, a, z, float(c)) for n, a, z, _, c in spans_between(opens, closes)]


def templates(hall: Hall) -> list[ShiftTemplate]:
    return list(ShiftTemplate.objects.filter(hall=hall, is_active=True))


def _ensure_templates(hall: Hall) -> list[ShiftTemplate]:
    """The hall's active templates; the defaults are written first when it has none at all."""
    if not ShiftTemplate.objects.filter(hall=hall).exists():
        ShiftTemplate.objects.bulk_create(
            ShiftTemplate(hall=hall, **t) for t in default_templates(hall)
        )
    return templates(hall)


def shape(t: ShiftTemplate) -> shifts.Shape:
    return shifts.Shape(t.name, _minutes(t.start), _minutes(t.end), float(t.cost))


# ------------------------------------------------------------------ the requirement


def _slot(at: datetime) -> int:
    return forecast.slot_of(timezone.localtime(at), INTERVAL)


def open_slots(hall: Hall, day: date) -> np.ndarray | None:
    """True for each interval of `day` the hall is open in (any part of it); None when the
    hall has no opening hours (manual control)."""
    sched = hours.schedule(hall)
    if sched.manual:
        return None
    mask = np.zeros(SLOTS, dtype=bool)
    for a, z in sched.intervals(day):
        first = _slot(a)
        last = _slot(z - timedelta(seconds=1))
        mask[first : last + 1] = True
    return mask


def counters_of(hall: Hall) -> int:
    """The hall's active counters: the most people a plan can seat at once."""
    return hall.counters.filter(is_active=True).count()


def requirement(hall: Hall, day: date) -> dict:
    """Counters needed per interval of `day` (module doc): {"required": [48 ints], "basis",
    "history_days": days of tickets learnt from, "arrivals": forecast per interval,
    "capped_at": the hall's active counters when the requirement was cut to them, else None,
    "counters": the hall's active counters}."""
    policy = rules.policy_for(hall)
    since = day - timedelta(days=HISTORY_DAYS)
    rows = Ticket.objects.filter(hall=hall, day__gte=since, day__lt=day).values_list(
        "day", "arrival_at", "service_type_id", "priority", "first_called_at", "finished_at"
    )
    history: dict[tuple[int, bool], dict[date, np.ndarray]] = defaultdict(dict)
    timed: dict[int, list[float]] = defaultdict(list)
    days: set[date] = set()
    for d, arrival, type_id, priority, called, finished in rows.iterator(chunk_size=5000):
        days.add(d)
        per_day = history[(type_id, priority > 0)]
        if d not in per_day:
            per_day[d] = np.zeros(SLOTS)
        per_day[d][_slot(arrival)] += 1
        if called and finished and finished > called:
            timed[type_id].append((finished - called).total_seconds())
    required = np.zeros(SLOTS, dtype=int)
    arrivals = np.zeros(SLOTS)
    basis = None
    if days:
        from servicehall.org.models import ServiceType

        expected = dict(ServiceType.objects.values_list("pk", "expected_minutes"))
        pooled = {False: np.zeros(SLOTS), True: np.zeros(SLOTS)}  # arrivals, standard / VIP
        work = {False: np.zeros(SLOTS), True: np.zeros(SLOTS)}  # their service seconds
        for (type_id, vip), per_day in history.items():
            full = {d: per_day.get(d, np.zeros(SLOTS)) for d in days}  # a day without: zeros
            expected_arrivals, basis = forecast.forecast_day(full, day)
            times = timed.get(type_id)
            mean_s = float(np.mean(times)) if times else float(expected.get(type_id) or 0) * 60
            if mean_s <= 0:
                continue
            pooled[vip] += expected_arrivals
            work[vip] += expected_arrivals * mean_s
            arrivals += expected_arrivals
        for vip, n_slots in pooled.items():
            limit_s = (policy.vip_wait_limit_min if vip else policy.standard_wait_limit_min) * 60
            for s, n in enumerate(n_slots):
                if n > 0:
                    required[s] += erlang.erlang_c_agents(
                        n / (INTERVAL * 60),
                        float(work[vip][s] / n),
                        limit_s,
                        selectors.CALLED_IN_TIME_SHARE,
                    )
    mask = open_slots(hall, day)
    if mask is not None:
        required[~mask] = 0
        if days:
            required[mask] = np.maximum(required[mask], 1)
    counters = counters_of(hall)
    capped = bool(counters and (required > counters).any())
    if counters:  # more people than counters serve nobody faster
        required = np.minimum(required, counters)
    return {
        "required": [int(x) for x in required],
        "capped_at": counters if capped else None,
        "counters": counters,
        "arrivals": [round(float(x), 1) for x in arrivals],
        "basis": basis,
        "history_days": len(days),
    }


# ------------------------------------------------------------------ the plan and its writes


def _check(user, hall: Hall, action_zh: str, action_en: str) -> None:
    from .services import check_hall_of

    require_perm(user, "queueing.manage_queue", action_zh, action_en)
    check_hall_of(user, hall)


def _store(hall: Hall, day: date, counts: dict, required: list, source: str, actor) -> ShiftPlan:
    now = timezone.now()
    plan, created = ShiftPlan.objects.select_for_update().get_or_create(
        hall=hall,
        day=day,
        defaults={
            "counts": counts,
            "required": required,
            "source": source,
            "made_by": actor,
            "made_at": now,
            "changed_by": actor,
            "changed_at": now,
        },
    )
    if not created:
        plan.counts, plan.required, plan.source = counts, required, source
        plan.changed_by, plan.changed_at = actor, now
        if source == ShiftPlan.Source.OPTIMAL:
            plan.made_by, plan.made_at = actor, now
        plan.save()
    action = "shift_plan.make" if source == ShiftPlan.Source.OPTIMAL else "shift_plan.adjust"
    reason = " ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: int(kv[0])))
    log_action(actor, action, "shift_plan", f"{hall.code}/{day.isoformat()}", reason=reason)
    publish_on_commit(f"hall.{hall.pk}", {"type": "shift_plan"})
    return plan


def _make(actor, hall: Hall, day: date) -> ShiftPlan:
    with write_transaction():
        tmpl = _ensure_templates(hall)
        need = requirement(hall, day)
        if not need["history_days"]:
            raise ServiceError(
                Code.NO_TICKET_HISTORY,
                f"{hall.name}在 {day} 之前 {HISTORY_DAYS} 天内没有取号记录，无法预测需求；"
                "可按经验直接填写各班次人数",
                f"{hall.name} has no tickets in the {HISTORY_DAYS} days before {day}: nothing "
                "to forecast from — enter the counts by hand",
                field="date",
                status=422,
            )
        counts = shifts.plan(
            need["required"], [shape(t) for t in tmpl], INTERVAL, need["counters"] or None
        )
        return _store(
            hall,
            day,
            {str(t.pk): n for t, n in zip(tmpl, counts, strict=True)},
            need["required"],
            ShiftPlan.Source.OPTIMAL,
            actor,
        )


def make_plan(user, hall: Hall, day: date) -> ShiftPlan:
    """The least-cost plan for the hall's day, stored (replacing the day's plan) and audited."""
    _check(user, hall, "生成排班", "make the shift plan")
    return _make(user, hall, day)


def make_plan_from_command_line(hall: Hall, day: date) -> ShiftPlan:
    """`servicehall shifts plan`: the operator at the server, audited as "command-line"."""
    return _make(system_actor("command-line"), hall, day)


def save_counts(user, hall: Hall, day: date, counts: dict[str, object]) -> ShiftPlan:
    """The manager's adjusted counts (`count-<template id>` → number), stored and audited; each
    count a whole number from 0 to shifts.MAX_PER_TEMPLATE, for a template of this hall."""
    _check(user, hall, "调整排班", "adjust the shift plan")
    with write_transaction():
        tmpl = {str(t.pk): t for t in _ensure_templates(hall)}
        clean = {}
        for key, text in counts.items():
            if key not in tmpl:
                raise ServiceError(
                    Code.NO_SHIFT_TEMPLATES,
                    f"本厅没有编号为 {str(key)[:12]} 的班次",
                    f"No shift template {str(key)[:12]!r} in this hall",
                    field=f"count-{str(key)[:12]}",
                    status=422,
                )
            n = whole_number(text, f"count-{key}", maximum=shifts.MAX_PER_TEMPLATE)
            clean[key] = n or 0
        existing = ShiftPlan.objects.filter(hall=hall, day=day).first()
        required = existing.required if existing else requirement(hall, day)["required"]
        full = {k: clean.get(k, (existing.counts if existing else {}).get(k, 0)) for k in tmpl}
        return _store(hall, day, full, required, ShiftPlan.Source.ADJUSTED, user)


# ------------------------------------------------------------------ reads


def view(hall: Hall, day: date) -> dict:
    """The page's data: the templates with their counts, the requirement and the coverage per
    interval, the intervals left short, the cost; `plan` None while the day has none."""
    plan = (
        ShiftPlan.objects.filter(hall=hall, day=day)
        .select_related("made_by__staff", "changed_by__staff")
        .first()
    )
    tmpl = templates(hall)
    if not tmpl and not ShiftTemplate.objects.filter(hall=hall).exists():
        with write_transaction():  # the hall's first look: its default templates, once
            tmpl = _ensure_templates(hall)
    counts = [int((plan.counts if plan else {}).get(str(t.pk), 0)) for t in tmpl]
    required = plan.required if plan and plan.required else requirement(hall, day)["required"]
    coverage = shifts.cover(counts, [shape(t) for t in tmpl], SLOTS, INTERVAL)
    counters = counters_of(hall)
    mask = open_slots(hall, day)
    shown = [
        i for i in range(SLOTS) if required[i] or coverage[i] or (mask is not None and mask[i])
    ]
    first, last = (min(shown), max(shown)) if shown else (16, 39)  # 08:00–20:00 when empty
    rows = [
        {
            "slot": i,
            "at": shifts.clock(i * INTERVAL),
            "required": int(required[i]),
            "planned": int(coverage[i]),
            "short": max(int(required[i]) - int(coverage[i]), 0),
        }
        for i in range(first, last + 1)
    ]
    return {
        "day": day,
        "plan": plan,
        "changed_by": staff_name(plan.changed_by) if plan else None,
        "templates": [
            {
                "id": t.pk,
                "name": t.name,
                "start": t.start,
                "end": t.end,
                "paid_break_minutes": t.paid_break_minutes,
                "cost": t.cost,
                "count": n,
            }
            for t, n in zip(tmpl, counts, strict=True)
        ],
        "intervals": rows,
        "short": [r for r in rows if r["short"]],
        # more on duty than the hall has counters: where the templates overlap (the least-cost
        # plan avoids it when the templates allow, shifts.plan's at_most)
        "counters": counters,
        "crowded": [r for r in rows if counters and r["planned"] > counters],
        "cost": shifts.cost(counts, [shape(t) for t in tmpl]),
        "people": sum(counts),
    }


def now_vs_plan(hall: Hall, now: datetime) -> dict | None:
    """For the board: today's plan at this interval against the counters open now (signed in,
    not paused — the same open counters as the wait estimate's); None without a plan for
    today or outside its hours."""
    local = timezone.localtime(now)
    plan = ShiftPlan.objects.filter(hall=hall, day=local.date()).first()
    if plan is None:
        return None
    tmpl = templates(hall)
    counts = [int(plan.counts.get(str(t.pk), 0)) for t in tmpl]
    slot = forecast.slot_of(local, INTERVAL)
    planned = int(shifts.cover(counts, [shape(t) for t in tmpl], SLOTS, INTERVAL)[slot])
    if not planned:
        return None
    on_duty = len(selectors.open_counters(hall))
    return {
        "planned": planned,
        "on_duty": on_duty,
        "short": max(planned - on_duty, 0),
        "interval": f"{shifts.clock(slot * INTERVAL)}–{shifts.clock((slot + 1) * INTERVAL)}",
    }


def day_of(text: str | None) -> date:
    """A `date` query value, today when empty."""
    from servicehall.core.validate import calendar_date

    return calendar_date(text or "", "date") or timezone.localdate()
