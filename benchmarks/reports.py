"""Service report benchmark (S2): a province's month of ticket and case events, rolled up, then
the dashboards read as the managers open them. Prints one JSON line.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall_h1 \\
        .venv/bin/python benchmarks/reports.py [--quick] [--halls N] [--days D]
        [--tickets T] [--samples S]

Targets (PostgreSQL, 2 cores): 10,000,000 ticket and case events across 200 halls; any
dashboard for a month (`/reports/` for the province, a hall, a team, a staff member, the
period before included for the comparison) renders with `dashboard_p99_ms` under 1,000;
`rollup_day_s`, rebuilding one day of every hall, under 10 s; `--quick` under 30 s in all.
Reported, not enforced: the exit status is 1 only when something went wrong (a page that is
not a 200, the rollup disagreeing with the raw rows, a second rebuild changing a row).

Database: SQLite in a temporary SERVICEHALL_DATA_DIR unless DATABASE_URL is set; then a new
PostgreSQL database beside it, dropped at the end (servicehall.testing.fresh_database).

The data: `reports.history.write_days` (the demo's own generator) for every hall — tickets
with their events (taken, called, started, finished; no-shows and cancellations) and counter
ratings, cases with their events, confirmations and surveys — written with COPY, a
transaction per hall and day. Each hall has 4 counters, 8 clerks and a desk.

Measured:
- `write_s`: writing the events (not a target: the setup).
- `rollup_day_s`: `rollup.rebuild(day)` for one day of every hall, the slowest of the month's
  days; `rollup_s` all the days; `rollup_check`: the month's tickets counted in the rollup equal
  the raw rows' count, and a rebuild of a day again leaves its rows as they were.
- `dashboard_p50_ms`, `dashboard_p99_ms`: `--samples` GETs of `/reports/` (Django's test client,
  the whole page rendered) for the month, a quarter each: the province (an area manager), a
  random hall, a random hall's team, a random clerk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time

from servicehall.testing import fresh_database

COUNTERS = 4
CLERKS = 8


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def child_setup(halls: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from servicehall.org.models import Counter, Desk, Hall, ServiceType, StaffProfile
    from servicehall.org.roles import assign_role
    from servicehall.queueing.models import QueuePolicy

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    types = list(ServiceType.objects.filter(code__in=["business", "payment", "consult", "vip"]))
    area = User.objects.create_user("bench-area", password=None)
    StaffProfile.objects.create(user=area, full_name="区域经理", employee_no="A00001")
    assign_role(area, "area_manager")
    for h in range(halls):
        hall = Hall.objects.create(code=f"h{h:03d}", name=f"第{h + 1}营业厅", is_open=False)
        QueuePolicy.objects.create(hall=hall)
        for n in range(1, COUNTERS + 1):
            c = Counter.objects.create(hall=hall, number=n, name=f"{n}号窗口")
            c.service_types.set(types)
        users = User.objects.bulk_create(
            [User(username=f"c{h:03d}-{k}") for k in range(CLERKS + 1)]
        )
        StaffProfile.objects.bulk_create(
            [
                StaffProfile(
                    user=u, full_name=f"员工{h}-{k}", employee_no=f"B{h:03d}{k:02d}", hall=hall
                )
                for k, u in enumerate(users)
            ]
        )
        desk = Desk.objects.create(
            code=f"front-{h:03d}", name_zh="综合受理台", name_en="Front desk", hall=hall
        )
        desk.members.set(users[:CLERKS])
        manager = users[CLERKS]
        manager.username = f"m{h:03d}"
        manager.save(update_fields=["username"])
        assign_role(manager, "hall_manager")


def child_write(days: int, tickets: int, cases: int) -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from servicehall.org.models import Desk, Hall
    from servicehall.reports import history

    User = get_user_model()
    casts = []
    for hall in Hall.objects.order_by("code"):
        clerks = list(
            User.objects.filter(staff__hall=hall, username__startswith="c").order_by("pk")
        )
        casts.append(history.hall_staff(hall, clerks, clerks[0], Desk.objects.get(hall=hall)))
    start = timezone.localdate().replace(day=1) - timedelta(days=1)
    start = start.replace(day=1)  # last month: a whole month
    last = [time.perf_counter()]

    def progress(events: int) -> None:
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            log(f"  {events:,} events")

    t0 = time.perf_counter()
    counts = history.write_days(
        casts, start, days, tickets_per_day=tickets, cases_per_day=cases, progress=progress
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {**counts, "write_s": round(time.perf_counter() - t0, 1), "start": str(start)}


def child_measure(start: str, days: int, samples: int) -> dict:
    import django

    django.setup()
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from servicehall.org.models import Desk, Hall
    from servicehall.queueing.models import Ticket
    from servicehall.reports import rollup
    from servicehall.reports.models import QueueDay

    first = date.fromisoformat(start)
    per_day = []
    t0 = time.perf_counter()
    for d in range(days):
        s = time.perf_counter()
        rollup.rebuild(first + timedelta(days=d))
        per_day.append(time.perf_counter() - s)
    rollup_s = time.perf_counter() - t0
    log(f"rolled up {days} days in {rollup_s:.1f} s (slowest day {max(per_day):.2f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    end = first + timedelta(days=days - 1)
    raw = Ticket.objects.filter(day__gte=first, day__lte=end).count()
    rolled = sum(QueueDay.objects.filter(day__gte=first).values_list("issued", flat=True))
    fields = ["hall_id", "service_type_id", "vip", "issued", "called", "wait_sum_s", "wait_hist"]
    before = sorted(map(repr, QueueDay.objects.filter(day=first).values_list(*fields)))
    rollup.rebuild(first)
    again = sorted(map(repr, QueueDay.objects.filter(day=first).values_list(*fields)))
    check = raw == rolled and before == again

    User = get_user_model()
    area = Client()
    area.force_login(User.objects.get(username="bench-area"))
    halls = list(Hall.objects.values_list("code", flat=True))
    desks = dict(Desk.objects.values_list("hall__code", "pk"))
    managers = {}
    rnd = random.Random(7)
    month = f"month={first:%Y-%m}"
    area.get(f"/reports/?{month}", HTTP_HOST="localhost")  # a server is warm: templates compiled
    if os.environ.get("REPORTS_PROFILE"):  # where the province's page spends its time
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        area.get(f"/reports/?{month}", HTTP_HOST="localhost")
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
        log(out.getvalue())
    times, bad = [], 0
    for k in range(samples):
        code = rnd.choice(halls)
        if k % 4 == 0:
            client, url = area, f"/reports/?{month}"
        else:
            if code not in managers:
                managers[code] = Client()
                managers[code].force_login(User.objects.get(username=f"m{code[1:]}"))
            client = managers[code]
            if k % 4 == 1:
                url = f"/reports/?{month}"
            elif k % 4 == 2:
                url = f"/reports/?{month}&desk={desks[code]}"
            else:
                url = f"/reports/?{month}&staff=c{code[1:]}-{rnd.randrange(CLERKS)}"
        s = time.perf_counter()
        r = client.get(url, HTTP_HOST="localhost")
        times.append((time.perf_counter() - s) * 1000)
        bad += r.status_code != 200
    times.sort()
    return {
        "rollup_s": round(rollup_s, 1),
        "rollup_day_s": round(max(per_day), 2),
        "rollup_check": check,
        "tickets_rolled_up": rolled,
        "dashboard_p50_ms": round(times[len(times) // 2], 1),
        "dashboard_p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
        "dashboards": samples,
        "dashboard_errors": bad,
        "database": connection.vendor,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--halls", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--tickets", type=int, help="tickets per hall and day")
    parser.add_argument("--cases", type=int, help="cases per hall and day")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
        what, *rest = args.child
        if what == "setup":
            child_setup(int(rest[0]))
            return 0
        if what == "write":
            print(json.dumps(child_write(*map(int, rest))))
            return 0
        print(json.dumps(child_measure(rest[0], int(rest[1]), int(rest[2]))))
        return 0
    halls = args.halls or (20 if args.quick else 200)
    days = args.days or (7 if args.quick else 30)
    # 420 tickets (≈ 3.9 events each) and 10 cases (≈ 2.9) a hall and day: 200 halls × 30 days
    # ≈ 10,000,000 events
    tickets = args.tickets or (100 if args.quick else 420)
    cases = args.cases if args.cases is not None else (4 if args.quick else 10)
    samples = args.samples or (40 if args.quick else 200)
    started = time.perf_counter()
    with fresh_database("reports") as (env, vendor):
        me = [sys.executable, __file__, "--child"]
        subprocess.run([*me, "setup", str(halls)], env=env, check=True)
        log(f"{vendor} database ready: {halls} halls")
        out = subprocess.run(
            [*me, "write", str(days), str(tickets), str(cases)],
            env=env,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr)
        if out.returncode:
            return out.returncode
        written = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"wrote {written['events']:,} events in {written['write_s']} s")
        out = subprocess.run(
            [*me, "measure", written["start"], str(days), str(samples)],
            env=env,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr)
        if out.returncode:
            return out.returncode
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    result = {
        "benchmark": "reports",
        "events": written["events"],
        "halls": halls,
        "days": days,
        "tickets": written["tickets"],
        "cases": written["cases"],
        "write_s": written["write_s"],
        **measured,
        "wall_s": round(time.perf_counter() - started, 1),
        "load_avg": round(os.getloadavg()[0], 1),
    }
    result["ok"] = bool(result["rollup_check"] and not result["dashboard_errors"])
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
