"""Erlang against what really happened (S4): the bank call centre's week 1, interval by
interval. Prints one JSON line.

    PYTHONPATH=src .venv/bin/python benchmarks/staffing_week1.py [--interval 30] [--min-calls 30]

For every interval with at least `--min-calls` queued calls: the share answered within 20 s as
it happened, against the share Erlang A (and Erlang C) predict for the interval's own arrivals,
mean service and patience (queueing/forecast.py) and the number of agents seen answering in it
(distinct `server`s whose service overlaps the interval). The data does not say how many agents
were logged in, and an agent seen once in an interval need not have taken calls all of it: the
agents seen are an upper bound on the agents on the phones, so a formula's service level for
them is an upper bound too. `busy_agents` is the interval's talk time ÷ its length (a lower
bound). The point: how far the formulas are from this real queue, and which way.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from servicehall.queueing import erlang
from servicehall.queueing.calls_file import read_calls

DATA = Path(__file__).resolve().parents[2] / "shared/data/bank-call-centre/calls_1999_08_week1.csv"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--interval", type=int, default=30)
    p.add_argument("--min-calls", type=int, default=30)
    p.add_argument("--input", default=str(DATA))
    args = p.parse_args()
    length = args.interval * 60
    with open(args.input, "rb") as f:
        calls = read_calls(f, args.input)
    by_slot = defaultdict(list)
    seen = defaultdict(set)
    talk = defaultdict(float)

    def slot(at):
        return (at.date(), (at.hour * 3600 + at.minute * 60 + at.second) // length)

    for c in calls:
        by_slot[slot(c.arrival)].append(c)
        if c.served and c.service_start is not None:
            start, end = c.service_start, c.service_start + timedelta(seconds=c.service)
            at = start
            while at < end:
                key = slot(at)
                day_start = at.replace(hour=0, minute=0, second=0)
                slot_end = day_start + timedelta(seconds=(key[1] + 1) * length)
                seen[key].add(c.server)
                talk[key] += (min(end, slot_end) - at).total_seconds()
                at = slot_end
    rows = []
    for key, group in sorted(by_slot.items()):
        served = [c for c in group if c.served]
        if len(group) < args.min_calls or not served or not seen[key]:
            continue
        lam = len(group) / length
        service = statistics.mean(c.service for c in served)
        gave_up = sum(1 for c in group if not c.served)
        patience = sum(c.wait for c in group) / gave_up if gave_up else 1e9
        n = len(seen[key])
        actual = sum(1 for c in served if c.wait <= 20) / len(group)
        rows.append(
            (
                actual,
                erlang.ErlangA(lam, service, patience, n).service_level(20),
                erlang.erlang_c_service_level(lam, service, n, 20),
                n,
                talk[key] / length,
            )
        )
    a = [r[1] - r[0] for r in rows]
    c = [r[2] - r[0] for r in rows]
    print(
        json.dumps(
            {
                "intervals": len(rows),
                "actual_share_in_20s_mean": round(statistics.mean(r[0] for r in rows), 3),
                "erlang_a_share_mean": round(statistics.mean(r[1] for r in rows), 3),
                "erlang_c_share_mean": round(statistics.mean(r[2] for r in rows), 3),
                "erlang_a_minus_actual_mean": round(statistics.mean(a), 3),
                "erlang_a_abs_error_mean": round(statistics.mean(map(abs, a)), 3),
                "erlang_c_minus_actual_mean": round(statistics.mean(c), 3),
                "agents_seen_mean": round(statistics.mean(r[3] for r in rows), 1),
                "busy_agents_mean": round(statistics.mean(r[4] for r in rows), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
