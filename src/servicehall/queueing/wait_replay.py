"""`servicehall eval waits`: a real queue's calls replayed through the kiosk's wait estimate
(`waits.estimate_seconds`), each estimate compared with the wait that really followed (Q1).

The file is the bank call centre's format (../shared/data/README.md), read by `calls_file` (as
`servicehall staffing` reads it): `priority` (2 high, 1 and 0 ordinary), `date`, `q_start`,
`q_time`, `outcome` (AGENT served, HANG abandoned; PHANTOM rows and hang-ups in the voice menu
are not calls for an agent), `ser_start`, `ser_time`. A call queued when its `q_start` is not
0:00:00.

For each call that queued, at its `q_start`, the state is built from what was known then only:
- busy servers: the calls in service at that instant (the staffing is not in the file, so the
  busy agents are the servers);
- ahead: the calls queued and not yet out that an agent takes first by the call centre's own
  rule, as its calls show it: each priority level is worth PRIORITY_CREDIT_S of waiting — a call
  goes before another when its arrival less 90 s per priority level is earlier. In week 1, of
  two served calls that waited together, the later one a level higher (1 → 2) was served first
  in 1,027 of 1,504 pairs that arrived less than 90 s apart and in 53 of 1,593 further apart;
  two levels (0 → 2): 1,709 of 1,948 under 180 s, 345 of 1,304 beyond (priority 0 is mostly the
  NW and IN types, whose agents are fewer: the line is muddier). So a priority-2 caller is
  behind an ordinary call already waiting 3 minutes, not before every ordinary call
  (`benchmarks/waits_ceiling.py` prints the table). The naive yardstick keeps the plain order
  (higher priority first, then arrival), as a display would count;
- recent service times: the last RECENT_SERVICES services finished before that instant;
- the pace: services started in the last half hour;
- abandonment: the share of the last RECENT_OUTCOMES queued calls out of the queue before that
  instant that left without being served (HANG);
- the last wait: the wait of the last call of the same priority to reach an agent (of any
  priority when none has yet), within LAST_WAIT_MAX_AGE_S.

Scored: the served calls (AGENT), against their real wait `q_time`. An abandoned call has no real
wait to compare with — it left before its turn, so how long it would have waited is not known —
and is not scored (`abandoned` counts them); abandonment still shapes every estimate through the
share above, as abandoners ahead of you shorten your wait.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from . import calls_file
from .waits import (
    LAST_WAIT_MAX_AGE_S,
    RATE_WINDOW_S,
    RECENT_OUTCOMES,
    RECENT_SERVICES,
    QueueState,
    estimate_seconds,
    naive_seconds,
)


@dataclass(frozen=True)
class Call:
    """A call as the replay walks it: times as seconds since 0001-01-01."""

    line: int  # in the file
    day: date
    queued_at: float | None  # None: never queued (served at once)
    wait_s: int
    served: bool
    priority: int  # a server takes the highest first
    service_start: float | None
    service_s: int


def _seconds(at: datetime) -> float:
    return at.toordinal() * 86400.0 + at.hour * 3600 + at.minute * 60 + at.second


def read_calls(path: str) -> list[Call]:
    """The calls of a bank-format CSV or Excel file, read by `calls_file` (the one reader of the
    format; a missing column or a bad cell refuses the file naming the column, and the line for
    a cell): those that reached the queue and those served at once."""
    with open(path, "rb") as raw:
        found = calls_file.read_calls(raw, path)
    return [
        Call(
            line=c.line,
            day=c.arrival.date(),
            queued_at=_seconds(c.arrival) if c.queued else None,
            wait_s=int(c.wait),
            served=c.served,
            priority=int(c.priority or 0),
            service_start=_seconds(c.service_start) if c.service_start else None,
            service_s=int(c.service),
        )
        for c in found
    ]


PRIORITY_CREDIT_S = 90.0  # what one priority level is worth in the bank's ACD (module docstring)


def _turn(call: Call) -> float:
    """The ACD's order: the arrival less PRIORITY_CREDIT_S per priority level."""
    return call.queued_at - PRIORITY_CREDIT_S * call.priority


def states(calls: list[Call]) -> Iterator[tuple[Call, QueueState, int]]:
    """Each queued call with the queue's state at the moment it queued, from the calls before
    it only (module docstring), in the order they queued, and the people ahead as the naive
    yardstick counts them (higher priority first, then arrival)."""
    queued = sorted((c for c in calls if c.queued_at is not None), key=lambda c: c.queued_at)
    services = sorted(
        (c.service_start, c.service_start + c.service_s, c.service_s)
        for c in calls
        if c.service_start is not None
    )
    by_end = sorted(services, key=lambda s: s[1])
    by_exit = sorted(queued, key=lambda c: c.queued_at + c.wait_s)
    next_start = next_end = next_exit = 0
    in_service: list[float] = []  # ends of the services going on
    starts: deque[float] = deque()  # service starts in the last RATE_WINDOW_S
    service_times: deque[int] = deque(maxlen=RECENT_SERVICES)
    outcomes: deque[int] = deque(maxlen=RECENT_OUTCOMES)  # 1: left unserved
    last_wait: dict[int | None, tuple[int, float]] = {}  # by priority; None: any
    waiting: list[Call] = []
    for call in queued:
        now = call.queued_at
        while next_start < len(services) and services[next_start][0] <= now:
            heapq.heappush(in_service, services[next_start][1])
            starts.append(services[next_start][0])
            next_start += 1
        while in_service and in_service[0] <= now:
            heapq.heappop(in_service)
        while starts and starts[0] <= now - RATE_WINDOW_S:
            starts.popleft()
        while next_end < len(by_end) and by_end[next_end][1] <= now:
            service_times.append(by_end[next_end][2])
            next_end += 1
        while (
            next_exit < len(by_exit)
            and by_exit[next_exit].queued_at + by_exit[next_exit].wait_s <= now
        ):
            out = by_exit[next_exit]
            outcomes.append(0 if out.served else 1)
            if out.served:
                last_wait[out.priority] = last_wait[None] = (out.wait_s, out.queued_at + out.wait_s)
            next_exit += 1
        waiting = [w for w in waiting if w.queued_at + w.wait_s > now]
        turn = _turn(call)
        ahead = sum(1 for w in waiting if _turn(w) <= turn)
        last = last_wait.get(call.priority) or last_wait.get(None)
        busy = len(in_service)
        yield (
            call,
            QueueState(
                ahead=ahead,
                servers=busy,
                busy=busy,
                mean_service_s=(sum(service_times) / len(service_times) if service_times else 0.0),
                recent_starts=len(starts),
                abandon_share=sum(outcomes) / len(outcomes) if outcomes else 0.0,
                last_wait_s=last[0] if last and now - last[1] <= LAST_WAIT_MAX_AGE_S else None,
            ),
            sum(1 for w in waiting if w.priority >= call.priority),
        )
        waiting.append(call)


def _scores(errors: list[float], waits: list[int]) -> dict:
    if not errors:
        return {"mae_s": None, "p90_abs_error_s": None, "within_50pct": None}
    ranked = sorted(errors)
    p90 = ranked[min(len(ranked) - 1, math.ceil(0.9 * len(ranked)) - 1)]
    within = sum(1 for e, w in zip(errors, waits, strict=True) if e <= max(0.5 * w, 30.0))
    return {
        "mae_s": round(sum(errors) / len(errors), 1),
        "p90_abs_error_s": round(p90, 1),
        "within_50pct": round(within / len(errors), 3),
    }


def replay(
    calls: list[Call],
    *,
    first: date | None = None,
    last: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """The estimate's and the naive estimate's errors on the served calls (those queued from
    `first` to `last` when given; the state is always built from every earlier call).
    `within_50pct`: the share of estimates off by at most half the real wait (30 s for waits
    under a minute). Mean service unknown (the first calls of the file): the naive estimate
    uses the kiosk's fallback, this estimate's own rate."""
    errors: list[float] = []
    naive: list[float] = []
    waits: list[int] = []
    abandoned = total = 0
    n = sum(1 for c in calls if c.queued_at is not None)
    for done, (call, state, naive_ahead) in enumerate(states(calls), 1):
        if progress and done % 2000 == 0:
            progress(done, n)
        if (first and call.day < first) or (last and call.day > last):
            continue
        total += 1
        if not call.served:
            abandoned += 1
            continue
        estimate = estimate_seconds(state)
        errors.append(abs((estimate if estimate is not None else 0.0) - call.wait_s))
        naive.append(
            abs(naive_seconds(naive_ahead, state.mean_service_s, state.busy) - call.wait_s)
        )
        waits.append(call.wait_s)
    return {
        "calls": len(errors),
        "queued": total,
        "abandoned": abandoned,
        "mean_wait_s": round(sum(waits) / len(waits), 1) if waits else None,
        **_scores(errors, waits),
        "naive": _scores(naive, waits),
    }
