"""The least-cost shift plan on real demand (S4, issue 17): each day of the bank call centre's
week 1, the agents Erlang C needs per half hour for that day's own arrivals and service (75 %
answered within 20 s), planned from every half-hour start (`shift_plans.spans_every_half_hour`)
and from the five hall templates (`spans_between`). Prints one JSON line.

    PYTHONPATH=src .venv/bin/python benchmarks/shift_plan_week1.py

Per day: the agent-half-hours required, the plan's people and cost, how much of the staffed
time is beyond the requirement (over-cover, %), and milp's time. Pure: no database.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import django
import scipy.optimize  # noqa: F401  (imported before the timings: they are milp's alone)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
django.setup()  # the modules read settings at import; nothing here touches the database

from servicehall.queueing import erlang, forecast, shift_plans, shifts  # noqa: E402
from servicehall.queueing.calls_file import read_calls  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/bank-call-centre/calls_1999_08_week1.csv"


def main() -> None:
    with open(DATA, "rb") as f:
        calls = read_calls(f, str(DATA))
    by_day = forecast.counts_by_day(calls, 30)
    est = forecast.inputs(calls, 30)
    out = []
    for day, counts in sorted(by_day.items()):
        req = [
            erlang.erlang_c_agents(n / 1800, float(est.service[s]), 20, 0.75) if n else 0
            for s, n in enumerate(counts)
        ]
        busy = [i for i, v in enumerate(req) if v]
        opens, closes = busy[0] * 30, (busy[-1] + 1) * 30
        row = {"date": day.isoformat(), "required_agent_half_hours": sum(req)}
        for name, spans in (
            ("every_half_hour", shift_plans.spans_every_half_hour(opens, closes)),
            ("five_templates", shift_plans.spans_between(opens, closes)),
        ):
            shapes = [shifts.Shape(n, a, z, float(c)) for n, a, z, _, c in spans]
            t0 = time.perf_counter()
            counts_ = shifts.plan(req, shapes)
            took = time.perf_counter() - t0
            cover = shifts.cover(counts_, shapes, 48)
            staffed = int(cover.sum())
            row[name] = {
                "templates": len(shapes),
                "people": sum(counts_),
                "cost": shifts.cost(counts_, shapes),
                "over_cover_pct": round(100 * (staffed - sum(req)) / staffed, 1),
                "milp_s": round(took, 3),
            }
        out.append(row)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
