"""Invented days of the hotline (S2, L6) for the demo: a call log in the bank call-centre format
made by simulating a day's queue, then imported through `calls.import_calls` like any file — so
the dashboard shows what an import would. Invented, never anyone's: no customer, agents named
by invented work numbers (热线01 …).

A day: calls 07:00–22:00 with a morning, an afternoon and an evening peak, weekends lighter;
four queues (话费账单, 套餐业务, 宽带故障, 投诉建议); one call in eight from a VIP customer
(priority 2, served first). Each half hour is staffed for 75 % answered within 20 s by Erlang C
(queueing.erlang), then short of one or two agents now and then — breaks, sick leave — so some
half hours miss the target as a real hotline's do. Services last about three minutes, callers
give up after about two; each agent, when free, takes the VIP first, then the longest waiting; a call finding
several agents free goes to any of them.
"""

from __future__ import annotations

import csv
import heapq
import io
import math
import random
from datetime import date, timedelta

from servicehall.queueing import erlang

QUEUES = (("话费账单", 0.38), ("套餐业务", 0.30), ("宽带故障", 0.22), ("投诉建议", 0.10))
VIP_SHARE = 0.12
MEAN_SERVICE_S = 180.0
MEAN_PATIENCE_S = 120.0
OPEN, CLOSE = 7, 22  # hours
# calls per half hour on a weekday, from 07:00 (30 half hours): three peaks
PROFILE = (
    8,
    14,
    30,
    48,
    62,
    70,
    72,
    66,
    58,
    50,
    46,
    52,
    60,
    64,
    62,
    56,
    48,
    42,
    40,
    46,
    54,
    58,
    54,
) + (44, 34, 26, 20, 14, 10, 6)
WEEKEND = 0.7
HEADER = (
    "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,"
    "q_start,q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server"
)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _day(rng: random.Random, day: date, first_id: int) -> list[list]:
    """One simulated day's rows (module doc)."""
    scale = WEEKEND if day.weekday() >= 5 else 1.0
    slots = []  # (start second, arrivals expected, agents on duty)
    for i, mean in enumerate(PROFILE):
        start = OPEN * 3600 + i * 1800
        lam = mean * scale / 1800
        need = erlang.erlang_c_agents(lam, MEAN_SERVICE_S, 20, 0.75) if lam else 0
        short = rng.choices((0, 1, 2, 3), (0.45, 0.3, 0.15, 0.1))[0]
        slots.append((start, lam, max(1, need - short)))
    arrivals = []
    for start, lam, _ in slots:
        t = start + rng.expovariate(lam) if lam else start + 1800
        while t < start + 1800:
            arrivals.append(t)
            t += rng.expovariate(lam)

    def on_duty(agent: int, t: float) -> bool:
        i = min(max(int((t - OPEN * 3600) // 1800), 0), len(slots) - 1)
        return t < CLOSE * 3600 + 1800 and agent < slots[i][2]

    agents = max(s[2] for s in slots)
    free = set(range(agents))
    waiting: list[tuple[int, float, int]] = []  # (-priority, arrival, call)
    calls: list[dict] = []
    events: list[tuple[float, int, str, int]] = []  # (time, order, kind, call or agent)
    for n, t in enumerate(arrivals):
        priority = 2 if rng.random() < VIP_SHARE else rng.choice((0, 1))
        queue = rng.choices([q for q, _ in QUEUES], [w for _, w in QUEUES])[0]
        calls.append({"at": t, "priority": priority, "queue": queue, "out": None})
        heapq.heappush(events, (t, 1, "arrive", n))
    for start, _, _ in slots:  # agents coming on duty take the waiting calls
        heapq.heappush(events, (start, 0, "shift", -1))

    def serve(agent: int, n: int, t: float) -> None:
        c = calls[n]
        service = max(20.0, rng.lognormvariate(math.log(MEAN_SERVICE_S) - 0.18, 0.6))
        c["out"] = ("AGENT", t, service, agent)
        free.discard(agent)
        heapq.heappush(events, (t + service, 0, "done", agent))

    def next_waiting() -> int | None:
        while waiting:
            _, _, n = heapq.heappop(waiting)
            if calls[n]["out"] is None:
                return n
        return None

    def staff(t: float) -> None:
        ready = sorted(free)
        rng.shuffle(ready)
        for agent in ready:
            if not on_duty(agent, t):
                continue
            n = next_waiting()
            if n is None:
                return
            serve(agent, n, t)

    while events:
        t, _, kind, x = heapq.heappop(events)
        if kind == "arrive":
            c = calls[x]
            idle = [a for a in sorted(free) if on_duty(a, t)]
            if idle and not waiting:
                serve(rng.choice(idle), x, t)
            else:
                heapq.heappush(waiting, (-c["priority"], t, x))
                patience = max(2.0, rng.expovariate(1 / MEAN_PATIENCE_S))
                heapq.heappush(events, (t + patience, 2, "give_up", x))
                staff(t)
        elif kind == "give_up":
            if calls[x]["out"] is None:
                calls[x]["out"] = ("HANG", t, 0.0, None)
        elif kind == "done":
            free.add(x)
            staff(t)
        else:
            staff(t)
    rows = []
    for n, c in enumerate(calls):
        outcome, at, service, agent = c["out"]
        wait = at - c["at"]
        queued = wait >= 1
        vru = c["at"] - rng.uniform(10, 40)
        rows.append(
            [
                "HL01",
                first_id + n,
                0,
                c["priority"],
                c["queue"],
                day.isoformat(),
                _clock(vru),
                _clock(c["at"]),
                int(c["at"] - vru),
                _clock(c["at"]) if queued else "0:00:00",
                _clock(at) if queued else "0:00:00",
                int(wait) if queued else 0,
                outcome,
                _clock(at) if outcome == "AGENT" else "0:00:00",
                _clock(at + service) if outcome == "AGENT" else "0:00:00",
                int(service),
                f"热线{agent + 1:02d}" if agent is not None else "NO_SERVER",
            ]
        )
    return rows


def calls_csv(first: date, days: int, seed: int = 10086) -> bytes:
    """`days` simulated days from `first`, one bank-format CSV (UTF-8)."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(HEADER + "\n")
    writer = csv.writer(out, lineterminator="\n")
    next_id = 1
    for i in range(days):
        rows = _day(rng, first + timedelta(days=i), next_id)
        next_id += len(rows)
        writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_days(first: date, days: int) -> dict:
    """Simulate and import `days` days from `first` (the import's summary)."""
    from .calls import import_calls

    name = f"demo-hotline-{first.isoformat()}-{days}d.csv"
    return import_calls(io.BytesIO(calls_csv(first, days)), name)
