"""Queue benchmark (issue 2): a hall day through the HTTP API, then saturation.

    python benchmarks/queue_day.py [--quick] [--tickets N] [--workers W]
    DATABASE_URL=postgres://user:pw@host/db python benchmarks/queue_day.py

Sets up its own fresh database (a temporary SQLite data dir, or a new PostgreSQL database
next to the one DATABASE_URL names, dropped afterwards), migrates it, creates one hall with
20 counters (18 standard of mixed service types, 2 VIP), 20 clerks with API tokens and VIP
customers of every tier, then serves it with uvicorn and talks to it over loopback HTTP.

Phase 1, the hall day: kiosk clients issue N tickets at a steady rate (10 % with a VIP
customer's phone number); 20 counter clients each loop call-next -> start -> (a compressed
service time of 20-60 ms) -> finish. Measured: ticket issue rate, call-next latency
percentiles at the clients, double calls (a ticket returned to two call-next requests, or
with more than one "called" event), and the system's own count of tickets called past their
wait limit (the board's figure: in a day compressed into about a minute of real time it
counts only real-time breaches, so it is expected to be 0).

Phase 2, saturation: each of the 20 counter clients loops issue -> call-next -> start ->
finish with no pause; `cycles_per_s` is whole cycles finished per second.

Prints one JSON line on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from collections import Counter as Tally

import httpx

from servicehall.testing import fresh_database, server_process

N_COUNTERS = 20
IDLE_POLL_S = 2.0  # an idle clerk looks at the waiting count and presses "call next" again
VIP_SHARE = 0.10
HALL = "bench"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# ------------------------------------------------------------------ database and org


SETUP = r"""
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from servicehall.core.models import ApiToken
from servicehall.customers.models import Customer, PhoneNumber, Tier
from servicehall.org.models import Counter, Hall, ServiceType
from servicehall.org.roles import assign_role
from servicehall.queueing.models import QueuePolicy

hall = Hall.objects.create(code="bench", name="压测营业厅", is_open=True)
QueuePolicy.objects.create(hall=hall)
types = {st.code: st for st in ServiceType.objects.all()}
layout = ([["business", "payment", "consult"]] * 8 + [["payment", "consult"]] * 6
          + [["business", "sales"]] * 3 + [["complaint", "consult"]])
User = get_user_model()
counters = []
for i in range(20):
    vip = i >= 18
    c = Counter.objects.create(hall=hall, number=i + 1, name=f"{i + 1}号窗口",
                               kind=Counter.Kind.VIP if vip else Counter.Kind.STANDARD)
    codes = list(types) if vip else layout[i]
    c.service_types.set([types[x] for x in codes])
    u = User.objects.create_user(f"bench{i + 1}")
    assign_role(u, "vip_clerk" if vip else "clerk")
    counters.append({"id": c.pk, "token": ApiToken.issue(u, "bench"), "types": codes})
device = User.objects.create_user("bench-kiosk")
assign_role(device, "device")
manager = User.objects.create_user("bench-manager")
assign_role(manager, "hall_manager")
tiers = [Tier.SILVER, Tier.GOLD, Tier.DIAMOND, Tier.SUPREME]
phones = []
for i in range(400):
    cu = Customer.objects.create(name="测试客户", tier=tiers[i % 4])
    PhoneNumber.objects.create(customer=cu, number=f"1350000{i:04d}")
    phones.append(f"1350000{i:04d}")
print(json.dumps({"counters": counters, "kiosk": ApiToken.issue(device, "bench"),
                  "manager": ApiToken.issue(manager, "bench"), "vip_phones": phones}))
"""

COUNT_DOUBLES = r"""
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
django.setup()
from django.db.models import Count
from servicehall.queueing.models import TicketEvent
print(TicketEvent.objects.filter(kind="called").values("ticket").annotate(n=Count("id")).filter(n__gt=1).count())
"""


def run_python(env: dict, code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout


# ------------------------------------------------------------------ clients


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.call_ms: list[float] = []
        self.called_ids: list[int] = []
        self.issued = 0
        self.finished = 0
        self.errors: Tally = Tally()

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


def client(base: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base + "/api", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def issue(c: httpx.Client, stats: Stats, service_type: str, phone: str | None) -> bool:
    r = c.post(f"/queue/halls/{HALL}/tickets", json={"service_type": service_type, "phone": phone})
    if r.status_code != 201:
        stats.error(f"issue {r.status_code}")
        return False
    with stats.lock:
        stats.issued += 1
    return True


def serve_one(
    c: httpx.Client, counter_id: int, stats: Stats, think: tuple[float, float] | None
) -> bool:
    """call-next -> start -> finish; False when nobody was waiting."""
    t0 = time.perf_counter()
    r = c.post(f"/queue/counters/{counter_id}/call-next")
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code == 409 and r.json().get("code") == "queue_empty":
        return False
    if r.status_code != 200:
        stats.error(f"call-next {r.status_code}")
        return False
    tid = r.json()["id"]
    with stats.lock:
        stats.call_ms.append(ms)
        stats.called_ids.append(tid)
    r = c.post(f"/queue/tickets/{tid}/start")
    if r.status_code != 200:
        stats.error(f"start {r.status_code} {r.text[:80]}")
    if think:
        time.sleep(random.uniform(*think))
    r = c.post(f"/queue/tickets/{tid}/finish", json={"category": "bill-pay"})
    if r.status_code != 200:
        stats.error(f"finish {r.status_code} {r.text[:80]}")
    with stats.lock:
        stats.finished += 1
    return True


def hall_day(base: str, org: dict, tickets: int, rate: float, stats: Stats) -> float:
    done_issuing = threading.Event()
    kinds = ["business", "payment", "payment", "consult", "sales", "complaint"]

    def kiosk(share: int, offset: float) -> None:
        c = client(base, org["kiosk"])
        rng = random.Random(share)
        start = time.perf_counter() + offset
        for i in range(share):
            wait = start + i * (len(KIOSKS) / rate) - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            phone = rng.choice(org["vip_phones"]) if rng.random() < VIP_SHARE else None
            issue(c, stats, rng.choice(kinds), phone)

    def counter(spec: dict) -> None:
        c = client(base, spec["token"])
        c.post(f"/queue/counters/{spec['id']}/sign-in")
        while True:
            if not serve_one(c, spec["id"], stats, (0.02, 0.06)):
                if done_issuing.is_set():
                    return
                time.sleep(IDLE_POLL_S)

    KIOSKS = range(4)
    shares = [tickets // 4 + (1 if i < tickets % 4 else 0) for i in KIOSKS]
    counters = [threading.Thread(target=counter, args=(s,)) for s in org["counters"]]
    kiosks = [threading.Thread(target=kiosk, args=(shares[i], i / rate)) for i in KIOSKS]
    t0 = time.perf_counter()
    for t in counters + kiosks:
        t.start()
    last = 0
    while any(k.is_alive() for k in kiosks):
        time.sleep(1)
        if stats.issued - last >= max(tickets // 10, 1):
            last = stats.issued
            log(f"  hall day: {stats.issued}/{tickets} issued, {stats.finished} served")
    issue_s = time.perf_counter() - t0
    done_issuing.set()
    for t in counters:
        t.join(timeout=300)
    log(f"  hall day: {stats.finished}/{tickets} served in {time.perf_counter() - t0:.1f} s")
    return issue_s


def saturation(base: str, org: dict, seconds: float, stats: Stats) -> float:
    stop = time.perf_counter() + seconds

    def loop(spec: dict) -> None:
        c = client(base, spec["token"])
        st = spec["types"][0]
        while time.perf_counter() < stop:
            if issue(c, stats, st, None):
                serve_one(c, spec["id"], stats, None)

    threads = [threading.Thread(target=loop, args=(s,)) for s in org["counters"]]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small run, under 30 seconds")
    ap.add_argument("--tickets", type=int, help="hall-day tickets (default 2000, quick 60)")
    ap.add_argument("--rate", type=float, default=5.0, help="hall-day arrivals per second")
    ap.add_argument(
        "--saturation-s", type=float, help="saturation phase seconds (default 20, quick 3)"
    )
    ap.add_argument(
        "--workers",
        type=int,
        help="uvicorn worker processes (default: 1 on SQLite, 2 on PostgreSQL)",
    )
    args = ap.parse_args()
    tickets = args.tickets or (60 if args.quick else 2000)
    sat_s = args.saturation_s or (3.0 if args.quick else 20.0)
    started = time.perf_counter()
    with fresh_database("servicehall-bench") as (env, db):
        log(f"setting up a fresh {db} database …")
        org = json.loads(run_python(env, SETUP).strip().splitlines()[-1])
        workers = args.workers or (1 if db == "sqlite" else 2)
        with server_process(env, workers) as base:
            log(f"phase 1: hall day, {tickets} tickets at {args.rate}/s, {N_COUNTERS} counters")
            day = Stats()
            issue_s = hall_day(base, org, tickets, args.rate, day)
            board = client(base, org["manager"]).get(f"/queue/halls/{HALL}/board").json()
            log("phase 2: saturation")
            sat = Stats()
            sat_elapsed = saturation(base, org, sat_s, sat)
        doubles_db = int(run_python(env, COUNT_DOUBLES).strip())
    called = day.called_ids + sat.called_ids
    out = {
        "benchmark": "queue_day",
        "database": db,
        "tickets": day.issued,
        "counters": N_COUNTERS,
        "vip_share": VIP_SHARE,
        "tickets_per_s": round(day.issued / issue_s, 1),
        "call_next_p50_ms": round(pct(day.call_ms, 50), 1),
        "call_next_p99_ms": round(pct(day.call_ms, 99), 1),
        "call_next_max_ms": round(max(day.call_ms), 1),
        "double_calls": (len(called) - len(set(called))) + doubles_db,
        "wait_limit_breaches": board["today"]["wait_limit_breaches"],
        "cycles_per_s": round(sat.finished / sat_elapsed, 1),
        "saturation_call_next_p99_ms": round(pct(sat.call_ms, 99), 1),
        "errors": dict(day.errors + sat.errors),
        "workers": workers,
        "redis": bool(os.environ.get("REDIS_URL")),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "cmd": " ".join(["python", "benchmarks/queue_day.py", *sys.argv[1:]]),
    }
    print(json.dumps(out, ensure_ascii=False))
    if out["errors"] or out["double_calls"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
