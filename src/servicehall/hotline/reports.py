"""The hotline dashboard's figures (S2, L6), read from the half-hour rollups (models.Interval).

Definitions (one place; the page, the Excel export and the tests use these):
- offered: calls that reached the agents' queue (answered + abandoned). Calls that hung up in
  the voice menu never asked for an agent and are not offered (queueing.calls_file).
- service level within T seconds: answered within T s ÷ (answered + abandoned after more than
  T s). A caller who hung up within T s was not kept waiting past the target and counts neither
  way (the usual short-abandon rule). T = 20 s: the S2 target, ≥ 75 % for all calls, ≥ 85 % for
  VIP calls; T = 15 s: L6's 3G service norm ("staffed answer within 15 s", no share given: the
  tile is shown without a target colour).
- abandonment: abandoned ÷ offered (every hang-up in the queue, short ones too).
- ASA (average speed of answer): Σ seconds answered calls waited ÷ answered.
- AHT (average handle time): Σ seconds of service ÷ answered.

Periods: core.periods — a day, a week (Monday to Sunday), a month, or from–to; each compared
with the period before it. The
interval table and chart add each half hour of the day up over the period's days."""

from __future__ import annotations

from datetime import date

from django.db.models import Max, Min, Sum
from django.utils import timezone

from servicehall.core import periods
from servicehall.core.errors import require_perm
from servicehall.core.periods import Period

from .calls import is_vip
from .models import Call, Interval

PERM = "hotline.view_hotline_report"
TARGETS = {"sl20": 75.0, "vip_sl20": 85.0}  # S2: per cent answered within 20 s
FIELDS = (
    "offered",
    "answered",
    "answered_15",
    "answered_20",
    "abandoned",
    "abandoned_15",
    "abandoned_20",
    "answer_wait",
    "handle",
)
SUMS = {f: Sum(f) for f in FIELDS}


def period(kind: str, on: str = "", start: str = "", end: str = "") -> Period:
    """The period asked for (core.periods): `kind` day/week/month around the day `on` (default:
    the last day with calls, else today), or custom from `start` to `end`."""
    return periods.period(
        kind or "week", on, start, end, default=latest_day() or timezone.localdate()
    )


def latest_day() -> date | None:
    return Interval.objects.aggregate(d=Max("day"))["d"]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def figures(s: dict) -> dict:
    """The dashboard's figures from the summed counts `s` (the module's definitions)."""
    s = {f: s.get(f) or 0 for f in FIELDS}
    answered = s["answered"]
    return {
        **s,
        "sl20": _pct(s["answered_20"], answered + s["abandoned_20"]),
        "sl15": _pct(s["answered_15"], answered + s["abandoned_15"]),
        "abandon": _pct(s["abandoned"], s["offered"]),
        "asa": round(s["answer_wait"] / answered, 1) if answered else None,
        "aht": round(s["handle"] / answered, 1) if answered else None,
    }


def _scope(start: date, end: date, queue: str, priority: str):
    qs = Interval.objects.filter(day__gte=start, day__lte=end)
    if queue:
        qs = qs.filter(queue=queue)
    if priority:
        qs = qs.filter(priority=priority)
    return qs


def _grouped(qs, key: str) -> list[dict]:
    rows = qs.values(key).annotate(**SUMS).order_by(key)
    return [{key: r[key], **figures(r)} for r in rows]


def slot_label(slot: int) -> str:
    h, m = divmod(slot * 30, 60)
    h2, m2 = divmod(slot * 30 + 30, 60)
    return f"{h:02d}:{m:02d}–{h2:02d}:{m2:02d}"


def dashboard(user, p: Period, queue: str = "", priority: str = "") -> dict:
    """The figures of the period `p` (and of the one before it) for the queue and priority
    chosen (blank: all): totals, VIP, per half hour, per agent, per priority, per queue."""
    require_perm(user, PERM, "查看热线看板", "view the hotline dashboard")
    qs = _scope(p.start, p.end, queue, priority)
    prev = _scope(p.prev_start, p.prev_end, queue, priority)
    totals = figures(qs.aggregate(**SUMS))
    by_slot = {r["slot"]: r for r in _grouped(qs, "slot")}
    slots = []
    if by_slot:
        for slot in range(min(by_slot), max(by_slot) + 1):
            row = by_slot.get(slot) or {"slot": slot, **figures({})}
            slots.append({**row, "label": slot_label(slot)})
    # the agents who answered; blank: answered calls whose record names no agent
    agents = sorted(
        (r for r in _grouped(qs, "agent") if r["answered"]),
        key=lambda r: (not r["agent"], -r["answered"], r["agent"]),
    )
    for a in agents:
        a["within20"] = _pct(a["answered_20"], a["answered"])  # of the calls they answered
    span = Interval.objects.aggregate(first=Min("day"), last=Max("day"))
    return {
        "period": p,
        "totals": totals,
        "vip": figures(qs.filter(vip=True).aggregate(**SUMS)),
        "prev": figures(prev.aggregate(**SUMS)),
        "prev_vip": figures(prev.filter(vip=True).aggregate(**SUMS)),
        "by_slot": slots,
        "by_agent": agents,
        "by_priority": [{**r, "vip": is_vip(r["priority"])} for r in _grouped(qs, "priority")],
        "by_queue": _grouped(qs, "queue"),
        "queues": list(
            Interval.objects.values_list("queue", flat=True).distinct().order_by("queue")
        ),
        "priorities": list(
            Interval.objects.values_list("priority", flat=True).distinct().order_by("priority")
        ),
        "first_day": span["first"],
        "last_day": span["last"],
        "has_calls": span["last"] is not None or Call.objects.exists(),
        "targets": TARGETS,
    }


def service_levels(start: date, end: date) -> dict:
    """Answered within 20 s, all calls and VIP, as shares (0–1) of every queue from `start`
    to `end` (the service reports' hotline tiles); None where no call counts."""
    qs = _scope(start, end, "", "")
    every = figures(qs.aggregate(**SUMS))["sl20"]
    vip = figures(qs.filter(vip=True).aggregate(**SUMS))["sl20"]
    return {
        "hotline_sl": None if every is None else every / 100,
        "hotline_vip_sl": None if vip is None else vip / 100,
    }
