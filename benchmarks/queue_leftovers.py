"""Leftover tickets benchmark (Q2, Q4): the board and call-next with many waiting tickets left
over from earlier days beside a normal day's waiting line. Prints the command, then one JSON line.

    .venv/bin/python benchmarks/queue_leftovers.py [--quick] [--leftovers N] [--waiting W]
    # the same script against main's code, for comparison (nothing is written in /work/main):
    PYTHONPATH=/work/main/src /work/main/.venv/bin/python benchmarks/queue_leftovers.py

A fresh database (servicehall.testing.fresh_database: SQLite in a temporary data directory, or a
new PostgreSQL database beside the one DATABASE_URL names, dropped afterwards), migrated; one
hall with 6 counters serving 缴费 (payment); `--leftovers` waiting tickets (default 14,700;
quick 2,000) spread over the 7 earlier days — what a hall that never closed its day would hold —
and today's waiting line of `--waiting` tickets (default 1,200; quick 300), all written with
bulk_create. Then, in this process (no server: the queries alone):

- `board_p50_ms` / `board_p99_ms`: queueing.selectors.board(hall) `--boards` times (default 60);
- `call_next_p50_ms` / `call_next_p99_ms`: queueing.services.call_next by a signed-in clerk,
  `--calls` times (default 200); between calls (untimed) the called ticket is set done;
- `called_leftovers`: how many of those calls took a ticket of an earlier day (must be 0: a
  customer who left yesterday is not called today), `board_waiting`: the board's waiting count
  (must be today's line only).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from datetime import timedelta


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--leftovers", type=int)
    ap.add_argument("--waiting", type=int)
    ap.add_argument("--boards", type=int, default=60)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    leftovers = args.leftovers if args.leftovers is not None else (2000 if args.quick else 14700)
    waiting = args.waiting if args.waiting is not None else (300 if args.quick else 1200)
    calls = min(args.calls, waiting)
    prefix = " ".join(
        f"{k}={shlex.quote(os.environ[k])}"
        for k in ("PYTHONPATH", "DATABASE_URL")
        if k in os.environ
    )
    print("command:", (prefix + " " if prefix else "") + shlex.join([sys.executable, *sys.argv]))

    from servicehall.testing import fresh_database

    with fresh_database("qleft") as (env, vendor):
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
        import django

        django.setup()
        out = run(leftovers, waiting, args.boards, calls)
        out["database"] = vendor
        from django.db import connections

        connections.close_all()
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["called_leftovers"] == 0 and out["board_waiting"] == waiting else 1


def run(leftovers: int, waiting: int, boards: int, calls: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from servicehall.org.models import Counter, Hall, ServiceType, StaffProfile
    from servicehall.org.roles import assign_role
    from servicehall.queueing import selectors, services
    from servicehall.queueing.models import QueuePolicy, Ticket

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    hall = Hall.objects.create(code="bench", name="基准营业厅", is_open=True)
    QueuePolicy.objects.create(hall=hall)
    payment = ServiceType.objects.get(code="payment")
    counters = []
    for n in range(1, 7):
        c = Counter.objects.create(hall=hall, number=n, name=f"{n}号窗口")
        c.service_types.set([payment])
        counters.append(c)
    user = get_user_model().objects.create_user("bench-clerk", password=None)
    StaffProfile.objects.create(user=user, full_name="基准", employee_no="B0001", hall=hall)
    assign_role(user, "clerk")
    user = get_user_model().objects.get(pk=user.pk)

    now = timezone.now()
    today = timezone.localdate(now)
    rows = []
    per_day = max(1, -(-leftovers // 7))
    for i in range(leftovers):
        back = 1 + i // per_day
        at = now - timedelta(days=back, minutes=(i % per_day) % 480)
        rows.append(
            Ticket(
                hall=hall,
                day=today - timedelta(days=back),
                number=f"P{i % per_day + 1:04d}",
                service_type=payment,
                channel="kiosk",
                issued_at=at,
                arrival_at=at,
            )
        )
    for i in range(waiting):
        at = now - timedelta(seconds=(waiting - i) * 20)
        rows.append(
            Ticket(
                hall=hall,
                day=today,
                number=f"P{i + 1:04d}",
                service_type=payment,
                channel="kiosk",
                issued_at=at,
                arrival_at=at,
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=2000)
    load_s = time.perf_counter() - t0

    board_ms = []
    for _ in range(boards):
        t = time.perf_counter()
        b = selectors.board(hall)
        board_ms.append((time.perf_counter() - t) * 1000)
    board_waiting = b["waiting_total"]

    counter = counters[0]
    services.sign_in(user, counter)
    type_ids = [payment.pk]
    call_ms, called_leftovers = [], 0
    for _ in range(calls):
        t = time.perf_counter()
        ticket = services.call_next(user, counter, type_ids)
        call_ms.append((time.perf_counter() - t) * 1000)
        called_leftovers += ticket.day != today
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.DONE)

    return {
        "leftovers": leftovers,
        "waiting_today": waiting,
        "load_s": round(load_s, 1),
        "board_p50_ms": round(statistics.median(board_ms), 1),
        "board_p99_ms": round(pct(board_ms, 99), 1),
        "call_next_p50_ms": round(statistics.median(call_ms), 1),
        "call_next_p99_ms": round(pct(call_ms, 99), 1),
        "called_leftovers": called_leftovers,
        "board_waiting": board_waiting,
    }


if __name__ == "__main__":
    sys.exit(main())
