"""The wait as "the time until the (k+1)-th agent frees up" (Q1, issue 17), tried against the
kiosk's model (`waits.estimate_seconds`) on the bank call centre's week 1, and not adopted
(README "Honest waits"). Prints one JSON line per model, then two lines of diagnostics.

    PYTHONPATH=src .venv/bin/python benchmarks/waits_departures.py [--from 2010-08-05] [--to …]

At each queued call's `q_start`, from the calls before it only (as `wait_replay.states`):
every busy agent's elapsed service e, the elapsed waits of the k calls ahead (by the calling
rule), the last 400 finished service times, the last 500 calls out of the queue (their time in
queue, abandoned or served). 200 Monte Carlo draws: each busy agent frees up after E[S − e | S > e]
drawn from the finished services longer than e; a freed agent takes the first call ahead still
there, then starts a service drawn from all finished ones; a call ahead leaves at its patience,
drawn from the Kaplan–Meier curve of patience (abandoners' waits exact, the served ones'
censored) given it has waited so far. The estimate: the median of the draws (the median, not
the mean, minimises the absolute error).

- `departures`: that;
- `departures_overtakers`: plus the calls of a higher priority arriving during the wait at the
  rate of the last half hour (each with a patience), served before you;
- `departures_les`: a + b × departures + c × the last wait (same priority), least absolute error
  on days 1–4 (the current model's calibration, on the new core);
- `departures_blend`: a + b × departures + c × the current estimate, fitted the same way;
- `current`: the kiosk's model as merged; `naive`: the yardstick of `eval waits`.

Diagnostics: by the number of calls ahead, the median real wait against the median
`departures` estimate; for the priority-2 calls served with nobody ahead, how many other services started
while they waited, and the share of those that went to calls the calling rule puts behind them
(lower priority, later, or never queued). 1.0 means the file's agents do not pick calls by the
rule the replay knows, which is why knowing when each agent frees up does not help.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import json
import sys
from collections import deque
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from servicehall.queueing.wait_replay import _scores, read_calls, states
from servicehall.queueing.waits import estimate_seconds, naive_seconds

DATA = Path(__file__).resolve().parents[2] / "shared/data/bank-call-centre/calls_1999_08_week1.csv"
DRAWS = 200
SERVICES = 400
OUTCOMES = 500
FIT_LAST = date(2010, 8, 4)


def departure_states(calls):
    """(call, busy agents' elapsed services, elapsed waits of those ahead, finished services,
    (time in queue, abandoned) of recent calls out of the queue, higher-priority arrivals in
    the last half hour) for each queued call, in the order they queued: the past only."""
    queued = sorted((c for c in calls if c.queued_at is not None), key=lambda c: c.queued_at)
    services = sorted(
        (c.service_start, c.service_start + c.service_s, c.service_s)
        for c in calls
        if c.service_start is not None
    )
    by_end = sorted(services, key=lambda s: s[1])
    by_exit = sorted(queued, key=lambda c: c.queued_at + c.wait_s)
    ns = ne = nx = 0
    in_service: list[tuple[float, float]] = []
    done: deque[int] = deque(maxlen=SERVICES)
    out: deque[tuple[int, bool]] = deque(maxlen=OUTCOMES)
    arrivals: dict[int, deque[float]] = {}
    waiting = []
    for call in queued:
        now = call.queued_at
        while ns < len(services) and services[ns][0] <= now:
            heapq.heappush(in_service, (services[ns][1], services[ns][0]))
            ns += 1
        while in_service and in_service[0][0] <= now:
            heapq.heappop(in_service)
        while ne < len(by_end) and by_end[ne][1] <= now:
            done.append(by_end[ne][2])
            ne += 1
        while nx < len(by_exit) and by_exit[nx].queued_at + by_exit[nx].wait_s <= now:
            out.append((by_exit[nx].wait_s, not by_exit[nx].served))
            nx += 1
        for times in arrivals.values():
            while times and times[0] <= now - 1800:
                times.popleft()
        waiting = [w for w in waiting if w.queued_at + w.wait_s > now]
        ahead = [now - w.queued_at for w in waiting if w.priority >= call.priority]
        higher = sum(len(t) for p, t in arrivals.items() if p > call.priority)
        yield (
            call,
            [now - start for _, start in in_service],
            ahead,
            np.array(done, float),
            list(out),
            higher,
        )
        waiting.append(call)
        arrivals.setdefault(call.priority, deque()).append(now)


def patience_curve(out):
    """Kaplan–Meier: the times an abandoner left and the share still patient after each."""
    ranked = sorted(out)
    times, surv, s, i, n = [], [], 1.0, 0, len(ranked)
    while i < n:
        t, left, m = ranked[i][0], 0, 0
        while i < n and ranked[i][0] == t:
            left += ranked[i][1]
            m += 1
            i += 1
        if left:
            s *= 1 - left / (n - i + m)
            times.append(t)
            surv.append(s)
    return np.array(times, float), np.array(surv)


def patience_left(rng, curve, waited: float, size: int):
    """Remaining patience of a call that has waited `waited`; inf past the curve's end."""
    times, surv = curve
    j = np.searchsorted(times, waited, side="right")
    level = rng.random(size) * (surv[j - 1] if j > 0 else 1.0)
    k = np.searchsorted(-surv[j:], -level, side="left")
    tail = times[j:]
    if not len(tail):
        return np.full(size, np.inf)
    return np.where(k < len(tail), tail[np.minimum(k, len(tail) - 1)], np.inf) - waited


def residual(rng, done, elapsed: float, size: int):
    """E[S − e | S > e] drawn from the finished services longer than e (the 5 longest when
    fewer are)."""
    longer = done[done > elapsed]
    if len(longer) < 5:
        longer = np.sort(done)[-5:]
    return np.maximum(rng.choice(longer, size) - elapsed, 0.0)


def departures(rng, busy, ahead, done, out, higher, overtakers: bool) -> float | None:
    if not busy or not len(done):
        return None
    rows = np.arange(DRAWS)
    free = np.stack([residual(rng, done, e, DRAWS) for e in busy], axis=1)
    curve = patience_curve(out)
    k = len(ahead)
    gone = (
        np.stack([patience_left(rng, curve, e, DRAWS) for e in ahead], axis=1)
        if k
        else np.zeros((DRAWS, 0))
    )
    served = np.zeros((DRAWS, k), bool)
    m = 30 if overtakers and higher else 0
    if m:
        come = np.cumsum(rng.exponential(1800 / higher, (DRAWS, m)), axis=1)
        leave = come + patience_left(rng, curve, 0.0, DRAWS * m).reshape(DRAWS, m)
        over_served = np.zeros((DRAWS, m), bool)
    turn = np.full(DRAWS, np.nan)
    for _ in range(k + m + 1):
        j = free.argmin(1)
        t = free[rows, j]
        open_ = np.isnan(turn)
        over = np.zeros(DRAWS, bool)
        if m:
            there = (come <= t[:, None]) & ~over_served & (leave > t[:, None])
            over = there.any(1) & open_
            over_served[rows[over], there.argmax(1)[over]] = True
        mine = np.zeros(DRAWS, bool)
        if k:
            alive = ~served & (gone > t[:, None])
            mine = alive.any(1) & open_ & ~over
            served[rows[mine], alive.argmax(1)[mine]] = True
        me = open_ & ~over & ~mine
        turn[me] = t[me]
        free[rows, j] = t + rng.choice(done, DRAWS)
        if not np.isnan(turn).any():
            break
    turn[np.isnan(turn)] = free.min(1)[np.isnan(turn)]
    return float(np.median(turn))


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least absolute error coefficients of y ≈ x @ b."""

    def mae(b):
        return np.abs(x @ b - y).mean()

    start = np.zeros(x.shape[1])
    start[1:] = 1.0 / (x.shape[1] - 1)
    return minimize(mae, start, method="Nelder-Mead", options={"maxiter": 4000}).x


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--input", default=str(DATA))
    p.add_argument("--from", dest="first", type=date.fromisoformat)
    p.add_argument("--to", dest="last", type=date.fromisoformat)
    args = p.parse_args()
    rng = np.random.default_rng(1)
    calls = read_calls(args.input)
    base = {c.line: (s, n) for c, s, n in states(calls)}  # n: ahead in plain priority order
    rows = []
    for call, busy, ahead, done, out, higher in departure_states(calls):
        if not call.served:
            continue
        st, plain_ahead = base[call.line]
        current = estimate_seconds(st) or 0.0
        plain = departures(rng, busy, ahead, done, out, higher, False)
        plain = current if plain is None else plain
        over = departures(rng, busy, ahead, done, out, higher, True)
        rows.append(
            (
                call.day,
                call.wait_s,
                plain,
                current if over is None else over,
                current,
                naive_seconds(plain_ahead, st.mean_service_s, st.busy),
                plain if st.last_wait_s is None else st.last_wait_s,
                plain_ahead,
            )
        )
    day = np.array([r[0] for r in rows])
    wait, plain, over, current, naive, les = (
        np.array([r[i] for r in rows], float) for i in range(1, 7)
    )
    ones = np.ones_like(wait)
    fitted = day <= FIT_LAST
    x_les = np.stack([ones, plain, les], 1)
    x_blend = np.stack([ones, plain, current], 1)
    b_les = fit(x_les[fitted], wait[fitted])
    b_blend = fit(x_blend[fitted], wait[fitted])
    scored = np.array(
        [(not args.first or d >= args.first) and (not args.last or d <= args.last) for d in day]
    )
    models = {
        "departures": plain,
        "departures_overtakers": over,
        "departures_les": x_les @ b_les,
        "departures_blend": x_blend @ b_blend,
        "current": current,
        "naive": naive,
    }
    coefficients = {"departures_les": b_les, "departures_blend": b_blend}
    for name, estimate in models.items():
        line = {"model": name, "calls": int(scored.sum())}
        line |= _scores(list(np.abs(estimate - wait)[scored]), list(wait[scored].astype(int)))
        if name in coefficients:
            line["fitted_days_1_4"] = [round(float(b), 3) for b in coefficients[name]]
        print(json.dumps(line))
    ahead = np.array([r[7] for r in rows])
    by_ahead = {}
    for name, low, high in (("0", 0, 0), ("1", 1, 1), ("2-3", 2, 3), ("4+", 4, 10**6)):
        chosen = scored & (ahead >= low) & (ahead <= high)
        by_ahead[name] = {
            "calls": int(chosen.sum()),
            "median_wait_s": float(np.median(wait[chosen])),
            "median_departures_s": round(float(np.median(plain[chosen])), 1),
            "mae_departures_s": round(float(np.abs(plain - wait)[chosen].mean()), 1),
            "mae_current_s": round(float(np.abs(current - wait)[chosen].mean()), 1),
        }
    print(json.dumps({"by_ahead": by_ahead}))
    print(json.dumps(diagnostics(calls, base)))


def diagnostics(calls, base) -> dict:
    started = sorted(
        (c for c in calls if c.service_start is not None), key=lambda c: c.service_start
    )
    keys = [c.service_start for c in started]
    alone = starts = behind = 0
    for call in calls:
        ahead = base[call.line][1] if call.line in base else None
        if ahead is None or not call.served or call.priority != 2 or ahead:
            continue
        alone += 1
        i = bisect.bisect_right(keys, call.queued_at)
        for other in started[i : bisect.bisect_left(keys, call.service_start)]:
            starts += 1
            behind += (
                other.queued_at is None or other.priority < 2 or other.queued_at > call.queued_at
            )
    return {
        "priority_2_served_nobody_ahead": alone,
        "services_started_during_their_wait": round(starts / max(alone, 1), 2),
        "share_to_calls_the_rule_puts_behind": round(behind / max(starts, 1), 3),
    }


if __name__ == "__main__":
    main()
