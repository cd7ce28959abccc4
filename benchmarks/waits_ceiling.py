"""How good can a wait estimate get on the bank's calls? (Q1, issue 17) Two measurements:

1. **The ACD's order.** Pairs of served calls that waited together, the later one of a higher
   priority: the share served first, by how much later it arrived. A strict priority would
   serve it first whatever the gap; the bank's ACD does so only while the gap is under about
   90 s per level between them (`wait_replay.PRIORITY_CREDIT_S`).
2. **A ceiling.** A gradient-boosted model (scikit-learn's HistGradientBoostingRegressor,
   absolute error) on everything the replay knows at a call's arrival — the kiosk estimate's
   inputs, the naive count, priority, type, hour and weekday — fitted on some days and scored
   on others, as `eval waits` scores (served calls, against their wait). What it reaches on
   days it did not see bounds what any estimate built on that information can be expected to
   reach; a model fitted on the very days it is scored on would only measure memory.

    .venv/bin/uv sync --extra test --extra research
    PYTHONPATH=src .venv/bin/python benchmarks/waits_ceiling.py [--input FILE]

Prints the table and the scores, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from servicehall.queueing import calls_file
from servicehall.queueing.wait_replay import read_calls, states
from servicehall.queueing.waits import estimate_seconds, naive_seconds

DATA = Path(__file__).resolve().parents[2] / "shared/data/bank-call-centre/calls_1999_08_week1.csv"
GAP_S = 30  # the table's buckets
FIT_LAST = date(2010, 8, 4)  # as the estimate's own constants: fitted on days 1–4


def overtaking(path: str) -> dict[str, list]:
    """Per priority step ("1→2": a later call one level above): for each GAP_S bucket of how much
    later it arrived, [pairs, of them served first]."""
    with open(path, "rb") as raw:
        found = calls_file.read_calls(raw, path)
    served = sorted(
        (c.arrival.timestamp(), c.arrival.timestamp() + c.wait, int(c.priority or 0))
        for c in found
        if c.queued and c.served
    )
    table: dict[str, Counter] = {}
    first: dict[str, Counter] = {}
    for i, (a_in, a_out, a_p) in enumerate(served):
        for b_in, b_out, b_p in served[i + 1 :]:
            if b_in >= a_out:
                break
            if b_p <= a_p or b_in == a_in:
                continue
            key, bucket = f"{a_p}→{b_p}", int((b_in - a_in) // GAP_S) * GAP_S
            table.setdefault(key, Counter())[bucket] += 1
            first.setdefault(key, Counter())[bucket] += b_out < a_out
    return {k: [[g, table[k][g], first[k][g]] for g in sorted(table[k])] for k in sorted(table)}


def features(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per served call: what the replay knows at its arrival; its wait; its day; the kiosk's
    estimate; the naive one."""
    with open(path, "rb") as raw:
        kind = {c.line: c.type for c in calls_file.read_calls(raw, path)}
    types = sorted(set(kind.values()))
    rows, waits, days, current, naive = [], [], [], [], []
    for call, s, naive_ahead in states(read_calls(path)):
        if not call.served:
            continue
        at = call.queued_at % 86400
        est = estimate_seconds(s)
        rows.append(
            [
                s.ahead,
                naive_ahead,
                s.busy,
                s.mean_service_s,
                s.recent_starts,
                s.abandon_share,
                np.nan if s.last_wait_s is None else s.last_wait_s,
                call.priority,
                types.index(kind[call.line]),
                at / 3600,
                call.day.weekday(),
                est or 0.0,
            ]
        )
        waits.append(call.wait_s)
        days.append(call.day.toordinal())
        current.append(est or 0.0)
        naive.append(naive_seconds(naive_ahead, s.mean_service_s, s.busy))
    return tuple(np.array(x, float) for x in (rows, waits, days, current, naive))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--input", default=str(DATA))
    args = p.parse_args()
    try:
        from sklearn.ensemble import HistGradientBoostingRegressor
    except ImportError:
        sys.exit("scikit-learn is needed: .venv/bin/uv sync --extra test --extra research")
    started = time.monotonic()
    table = overtaking(args.input)
    print(f"served first, by how much later the higher priority arrived ({GAP_S} s buckets):")
    for key, rows in table.items():
        cells = [f"{g}s {n1}/{n}" for g, n, n1 in rows if g < 300]
        print(f"  {key}: " + ", ".join(cells))
    X, y, days, current, naive = features(args.input)

    def model():
        return HistGradientBoostingRegressor(
            loss="absolute_error",
            learning_rate=0.03,
            max_iter=400,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            categorical_features=[8],
            random_state=0,
        )

    later = days > FIT_LAST.toordinal()
    held = model().fit(X[~later], y[~later]).predict(X)
    by_day = np.zeros(len(y))
    for d in np.unique(days):
        k = days == d
        by_day[k] = model().fit(X[~k], y[~k]).predict(X[k])

    def mae(pred, mask):
        return round(float(np.mean(np.abs(pred[mask] - y[mask]))), 1)

    every = np.ones(len(y), bool)
    result = {
        "calls": int(len(y)),
        "days_5_7": {
            "naive_mae_s": mae(naive, later),
            "estimate_mae_s": mae(current, later),
            "ceiling_mae_s": mae(held, later),
        },
        "each_day_from_the_others": {
            "naive_mae_s": mae(naive, every),
            "estimate_mae_s": mae(current, every),
            "ceiling_mae_s": mae(by_day, every),
        },
        "overtaking": table,
        "seconds": round(time.monotonic() - started, 1),
    }
    for key in ("days_5_7", "each_day_from_the_others"):
        r = result[key]
        print(
            f"{key}: naive {r['naive_mae_s']} s, the kiosk's estimate {r['estimate_mae_s']} s "
            f"({r['estimate_mae_s'] / r['naive_mae_s'] - 1:+.0%}), the ceiling "
            f"{r['ceiling_mae_s']} s ({r['ceiling_mae_s'] / r['naive_mae_s'] - 1:+.0%})"
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
