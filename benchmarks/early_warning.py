"""Early warning (P5): how well and how fast the detector finds clusters. Prints one JSON line.

    .venv/bin/python benchmarks/early_warning.py [--days 60] [--per-day 2000] [--repeat 4]
    .venv/bin/python benchmarks/early_warning.py --throughput 5000000

Quality: a generated stream (seed 7 by default; the detector's settings were chosen on seed
20261201, so the default measures it on a stream it was not tuned on) (servicehall.incidents.stream: 12 districts, daily and weekly rhythm,
the everyday mix of problems in customers' words, returning customers) with clusters injected —
sizes 3, 5, 8, 15 and 30 different customers, spread over 30, 120 or 360 minutes, `--repeat` of
each — run through `detector.detect` as `servicehall warn` runs it. An alert matches a cluster
when it is the same district and problem and overlaps it (to a window after its last report).
Printed: `precision` (alerts that match a cluster), and per cluster size and per spread the
`recall` (clusters that raised an alert) and the median and 90th-percentile `delay_min` from the
cluster's first report to the report that raised the alert.

Throughput (`--throughput N`): N contacts of about a year's background (no clusters) written to a
CSV, then the real command `servicehall warn --input` timed on it, reading and sorting included
(`seconds`, `rows_per_s`); `alerts` there are all false ones.

The stream (`--stream N`): what one new case costs the Huey task (`incidents.services.watch`)
when the province already holds N cases of the last 28 days (the generator's background, all 12
districts, written straight into a fresh database: SQLite in a temporary data directory, or a
new PostgreSQL database beside DATABASE_URL's, dropped after), with the problems each reported
(`incidents.Report`, as the stream keeps them). Then 40 new cases in the busiest district
(城东区), each watched as the task watches it: `watch_ms` p50 and p99, how many reports of the
problem the district's baseline counts, and whether the new ones raised the alert they should
(the same problem, from different customers, within minutes).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from servicehall.incidents import detector, stream  # noqa: E402


def quality(days: int, per_day: float, repeat: int, seed: int) -> dict:
    rows, clusters = stream.stream(days=days, per_day=per_day, repeat=repeat, seed=seed)
    started = time.perf_counter()
    alerts = detector.detect(rows)
    seconds = time.perf_counter() - started
    window = timedelta(minutes=max(detector.WINDOWS))

    def matches(a, c) -> bool:
        return (
            (a.region, a.term) == (c.region, c.term)
            and a.start <= c.end + window
            and (a.end >= c.start)
        )

    matched = [a for a in alerts if any(matches(a, c) for c in clusters)]
    by_size, by_spread = defaultdict(list), defaultdict(list)
    for c in clusters:
        delays = [(a.raised - c.start).total_seconds() / 60 for a in alerts if matches(a, c)]
        found = min(delays) if delays else None
        by_size[c.size].append(found)
        spread = (c.end - c.start).total_seconds() / 60
        by_spread[30 if spread <= 30 else 120 if spread <= 120 else 360].append(found)

    def summary(found: list) -> dict:
        delays = sorted(max(d, 0.0) for d in found if d is not None)
        return {
            "clusters": len(found),
            "recall": round(len(delays) / len(found), 3),
            "delay_min_median": round(statistics.median(delays), 1) if delays else None,
            "delay_min_p90": round(delays[math.ceil(0.9 * len(delays)) - 1], 1) if delays else None,
        }

    return {
        "contacts": len(rows),
        "days": days,
        "seed": seed,
        "alerts": len(alerts),
        "precision": round(len(matched) / len(alerts), 3) if alerts else None,
        "by_size": {str(k): summary(v) for k, v in sorted(by_size.items())},
        "by_spread_minutes": {f"≤{k}": summary(v) for k, v in sorted(by_spread.items())},
        "detect_s": round(seconds, 2),
    }


def throughput(n: int) -> dict:
    weekday = sum(stream.WEEKDAY) / 7  # the week's rhythm lowers the mean day
    rows, _ = stream.stream(days=366, per_day=n / 365 / weekday * 1.02, sizes=())
    rows = rows[:n]  # a year's worth, to the row
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "contacts.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["id", "created_at", "region", "customer", "text"])
            for at, region, text, customer, cid in rows:
                out.writerow(
                    [cid, at.isoformat(sep=" ", timespec="seconds"), region, customer, text]
                )
        size_mb = os.path.getsize(path) / 1e6
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "warn", "--input", path],
            capture_output=True,
            text=True,
            env=os.environ | {"SERVICEHALL_DATA_DIR": tmp},
            check=True,
        )
        seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "file_mb": round(size_mb, 1),
        "seconds": round(seconds, 1),
        "rows_per_s": round(len(rows) / seconds),
        "alerts": len(done.stdout.splitlines()),
    }


def stream_child(n: int) -> dict:
    """In a subprocess with Django on the fresh database (see --stream)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from servicehall.cases import services as cases
    from servicehall.cases.models import Case
    from servicehall.incidents import services
    from servicehall.org import regions
    from servicehall.org.models import BusinessCategory, Hall, Region, StaffProfile
    from servicehall.org.roles import assign_role

    call_command("migrate", interactive=False, verbosity=0)
    province = Region.objects.create(code="p", name="云岭省", level=1)
    cities, districts = {}, {}
    for path, _size, rural in stream.DISTRICTS:
        city, name = path.split("/")
        if city not in cities:
            cities[city] = Region.objects.create(
                code=f"c{len(cities)}", name=city, level=2, parent=province
            )
        districts[path] = Region.objects.create(
            code=f"d{len(districts)}", name=name, level=3, parent=cities[city], rural=rural
        )
    regions.forget()
    hall = Hall.objects.create(code="bench", name="城东营业厅", region=districts["临江市/城东区"])
    user = get_user_model().objects.create_user("bench")
    StaffProfile.objects.create(user=user, full_name="压测", employee_no="B0001", hall=hall)
    assign_role(user, "clerk")
    user = get_user_model().objects.get(pk=user.pk)
    other = BusinessCategory.objects.get(code="other")
    now = timezone.localtime()
    start = datetime.combine(now.date() - timedelta(days=28), datetime.min.time())
    weekday = sum(stream.WEEKDAY) / 7
    rows = stream.background(start, 28, n / 28 / weekday, random.Random(7))
    rows.sort(key=lambda r: r[0])
    tz = timezone.get_current_timezone()
    started = time.perf_counter()
    batch = [
        Case(
            number=f"B{i:09d}",
            kind="consultation",
            status="answered",
            channel="hotline",
            category=other,
            subject=text[:60],
            description=text,
            region=districts[path],
            region_source="said",
            owner=user,
            handler=user,
            created_at=timezone.make_aware(at, tz),
            closed_at=timezone.make_aware(at, tz),
        )
        for i, (at, path, text, _customer, _id) in enumerate(rows)
    ]
    # as the stream would have kept them, case by case: the problems each reported
    services.note_reports(Case.objects.bulk_create(batch, batch_size=5000))
    load_s = time.perf_counter() - started
    times, alert = [], None
    for i in range(40):
        case = cases.open_case(
            user,
            kind="complaint",
            channel="walk_in",
            category="other",
            description=f"我在城东区，手机没信号{i}",
            phone=f"1390000{i:04d}",
            phone_identifies=False,
        )
        t0 = time.perf_counter()
        alert = services.watch(case.pk) or alert
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    read = services.Report.objects.filter(
        district=districts["临江市/城东区"], term="信号", at__gte=timezone.now() - services.LOOKBACK
    ).count()
    return {
        "cases": len(rows),
        "load_s": round(load_s, 1),
        "district_reports_counted": read,
        "watch_ms_p50": round(statistics.median(times), 1),
        "watch_ms_p99": round(times[math.ceil(0.99 * len(times)) - 1], 1),
        "alert_raised": alert is not None,
        "alert_customers": alert.customers if alert else 0,
    }


def stream_run(n: int) -> dict:
    from servicehall.testing import fresh_database

    with tempfile.TemporaryDirectory() as tmp, fresh_database("servicehall-ew", tmp) as (env, db):
        done = subprocess.run(
            [sys.executable, __file__, "--stream-child", str(n)],
            env=env | {"PYTHONPATH": str(ROOT / "src")},
            capture_output=True,
            text=True,
            check=True,
        )
        return {"database": db} | json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--per-day", type=float, default=2000)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument(
        "--seed", type=int, default=7, help="the stream (the settings were tuned on 20261201)"
    )
    parser.add_argument("--throughput", type=int, help="time `servicehall warn` on N rows")
    parser.add_argument("--stream", type=int, help="time the stream's watch with N cases stored")
    parser.add_argument("--stream-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        print(json.dumps(stream_child(args.stream_child), ensure_ascii=False))
        return 0
    result = {"measured_at": datetime.now().isoformat(timespec="seconds")}
    if args.stream:
        result |= {"stream": stream_run(args.stream)}
    elif args.throughput:
        result |= {"throughput": throughput(args.throughput)}
    else:
        result |= quality(args.days, args.per_day, args.repeat, args.seed)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
