"""Queue benchmark: a hall day through the HTTP API, then saturation. Prints one JSON line.

    .venv/bin/python benchmarks/queue_day.py [--quick] [--tickets N] [--rate R] [--workers W]
    DATABASE_URL=postgres://user:pw@host:5432/db .venv/bin/python benchmarks/queue_day.py

Everything below runs against the production stack: a fresh database, a real uvicorn server in
a subprocess, and clients speaking HTTP to it over 127.0.0.1 with bearer tokens. Progress goes
to stderr, the one JSON line to stdout. The exit status is 1 when anything went wrong (an
unexpected HTTP status, a 5xx, a transport error, a double call, a ticket lost or left
unserved); the only error the clients expect is 409 `queue_empty` from call-next.

Database. SQLite in a temporary SERVICEHALL_DATA_DIR (removed afterwards) unless DATABASE_URL
is set; then a new PostgreSQL database named `servicehall_bench_<random>` is created beside the
one DATABASE_URL names (through the `postgres` maintenance database) and dropped at the end,
whatever happens (servicehall.testing.fresh_database). A setup subprocess migrates it and
creates the benchmark organisation through the real models: one hall, 20 counters (18
standard ones with a realistic mix of service types, 1 VIP counter that serves VIPs first and
everyone else after, 1 VIP-only counter), 20 clerks with an API token each, a kiosk device
token, a hall manager token for the board, 200 VIP customers (silver 40 %, gold 30 %, diamond
20 %, supreme 10 %) and 300 standard customers, each with a phone number. Customers' numbers
are taken in turn (a shuffled cycle), not at random: a number waits in one line at a time (the
server refuses a second waiting ticket for it). The kiosk's 60-tickets-a-minute limit is off
for the server (`SERVICEHALL_RATE_LIMITS=queue.device=off`): one token issues for the hall.

Server. `uvicorn servicehall.asgi:application` (servicehall.testing.server_process), 2 worker
processes by default on both databases (`--workers`): the second process doubles the Python
that can run at once on this 2-core machine. On SQLite the processes' writers queue on a file
lock in front of the database's write lock (core.db.write_transaction), so they never meet at
SQLite's sleeping busy handler. (Live events across processes need Redis; the benchmark
measures the API and subscribes to none.)

Phase 1, the hall day. A 2,000-ticket day of a busy hall open 08:30-18:00 (the arrivals follow
a half-hourly profile with a morning and an afternoon peak), compressed in time: N tickets are
the first N arrivals of that day (`--quick`: 200, the first hour or so) and arrive at `--rate`
tickets a second on average; the compression factor C (modelled seconds per real second)
follows from the two. Four kiosk clients issue the tickets on schedule (open loop: a slow
server makes them late, it does not slow the arrivals), 10 % of them with a VIP customer's
phone number, 15 % with a standard customer's. Each of the 20 counter clients signs in and
loops call-next -> start -> (service) -> finish with the business category of the service
type. Service times are lognormal around 70 % of the service type's expected minutes (the
configured expectations are conservative; this keeps the modelled hall at ~80 % utilisation
with its peaks near 95 %), plus a 15-second wrap-up between customers, all divided by C. An
idle clerk behaves like one watching the workbench: when a ticket they can serve is issued,
one idle counter that serves it is woken (the live event the workbench receives), presses
call-next after a reaction time of 2-10 modelled seconds, and without any event presses it
again every 0.5-1.5 s of real time anyway.

Measured: `tickets_per_s` (tickets issued per second of real time over the issuing period;
equal to the offered `--rate` when the server keeps up), `call_next_p50_ms` /
`call_next_p99_ms` (client-side latency of the call-next requests that called a ticket),
`double_calls` (tickets called more than once: ids returned by two call-next responses, or
with more than one `called` event or called by two counters in the database; the benchmark
never recalls or transfers, so any is a bug), and `wait_limit_breaches`, the system's own
count from the hall board (GET /api/queue/halls/bench/board, `today.wait_limit_breaches`):
tickets first called more than 15 minutes (VIP: 10) after arriving. That count is in real
time, so in a day compressed into minutes it is 0 unless the server stalled for 10 minutes;
`modeled_wait_limit_breaches` applies the limits to the waits scaled back by C, which is the
queueing model (arrivals, counters, service times, the calling rule without its real-time
"past the limit" band) rather than the server.

Phase 2, saturation. Each of the 20 counter clients loops issue -> call-next -> start ->
finish with no pause for `--saturation-s` seconds (default 20, quick 4): `cycles_per_s` is
whole ticket cycles finished per second, the figure that says how many halls one machine
carries (a province's peak is a few dozen cycles a second).

After the server has stopped, a verification subprocess reads the database: every issued
ticket is there, every served ticket's timeline is exactly issued -> called -> started ->
finished, and no ticket was called twice.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field

import httpx

from servicehall.testing import pct, r1, report, run_step, setup_django

HALL = "bench"
N_COUNTERS = 20
VIP_SHARE = 0.10  # tickets issued with a VIP customer's phone number
KNOWN_SHARE = 0.15  # tickets issued with a standard customer's phone number
FULL_DAY_TICKETS = 2000
DAY_OPENS_MIN = 8 * 60 + 30  # 08:30
# Relative arrival intensity per half hour from 08:30 to 18:00 (19 half hours).
PROFILE = [
    0.5,
    0.9,
    1.3,
    1.5,
    1.5,
    1.3,
    1.0,
    0.7,
    0.7,
    0.8,
    1.1,
    1.3,
    1.4,
    1.3,
    1.1,
    1.0,
    0.8,
    0.6,
    0.4,
]
TYPE_MIX = {"payment": 0.40, "consult": 0.25, "business": 0.20, "sales": 0.10, "complaint": 0.05}
SERVICE_FACTOR = 0.7  # service times around 70 % of the type's expected minutes
WRAP_UP_S = 15  # modelled seconds between finishing one customer and calling the next
CATEGORY = {  # what the clerk records at finish, by service type
    "payment": "bill-pay",
    "consult": "fault-report",
    "business": "order-change",
    "sales": "sim-replace",
    "complaint": "complaint",
    "vip": "order-change",
}
# 18 standard counters, then a VIP counter and a VIP-only counter (both serve every type).
STANDARD_LAYOUT = (
    [["business", "payment", "consult"]] * 6
    + [["payment", "consult"]] * 5
    + [["business", "sales"]] * 3
    + [["sales", "business", "payment"]] * 2
    + [["complaint", "consult"]]
    + [["complaint", "consult", "business"]]
)
ALL_TYPES = ["business", "payment", "consult", "complaint", "sales", "vip"]
VIP_TIERS = {"silver": 0.4, "gold": 0.3, "diamond": 0.2, "supreme": 0.1}


def log(msg: str) -> None:
    print(f"[queue_day {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ inside Django (subprocesses)


def internal_setup() -> dict:
    """Migrate the fresh database and create the benchmark organisation (real models)."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from servicehall.core.models import ApiToken
    from servicehall.customers.models import Customer, PhoneNumber, Tier
    from servicehall.org.models import Counter, Hall, ServiceType, StaffProfile
    from servicehall.org.roles import assign_role
    from servicehall.queueing.models import QueuePolicy

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    rng = random.Random(2026)

    def staff(username: str, full_name: str, role: str, hall) -> str:
        user = User.objects.create_user(username, password=None)  # tokens only: no hashing
        StaffProfile.objects.create(
            user=user, full_name=full_name, employee_no=username.upper(), hall=hall
        )
        assign_role(user, role)
        return ApiToken.issue(user, "queue_day benchmark")

    with transaction.atomic():
        hall = Hall.objects.create(code=HALL, name="压测营业厅", area="压测区", is_open=True)
        QueuePolicy.objects.create(hall=hall)  # the manuals' defaults: 15 / 10 minutes
        types = {st.code: st for st in ServiceType.objects.all()}
        counters = []
        for i in range(N_COUNTERS):
            number = i + 1
            if i < len(STANDARD_LAYOUT):
                codes, kind, vip_only = STANDARD_LAYOUT[i], Counter.Kind.STANDARD, False
                name = f"{number}号窗口"
            else:
                codes, kind, vip_only = ALL_TYPES, Counter.Kind.VIP, i == N_COUNTERS - 1
                name = f"{number}号VIP专席"
            c = Counter.objects.create(
                hall=hall, number=number, name=name, kind=kind, vip_only=vip_only
            )
            c.service_types.set([types[code] for code in codes])
            token = staff(
                f"bench{number:02d}",
                f"柜员{number:02d}",
                "vip_clerk" if kind == Counter.Kind.VIP else "clerk",
                hall,
            )
            counters.append({"id": c.pk, "types": codes, "vip_only": vip_only, "token": token})
        kiosk = staff("bench-kiosk", "取号机", "device", hall)
        manager = staff("bench-manager", "值班经理", "hall_manager", hall)
        tiers = list(VIP_TIERS)
        vip_phones, known_phones = [], []
        for i in range(500):
            vip = i < 200
            tier = rng.choices(tiers, weights=list(VIP_TIERS.values()))[0] if vip else Tier.NONE
            customer = Customer.objects.create(name=f"测试客户{i:03d}", tier=tier)
            number = f"135{i:08d}"
            PhoneNumber.objects.create(customer=customer, number=number, is_primary=True)
            (vip_phones if vip else known_phones).append(number)
    return {
        "counters": counters,
        "kiosk": kiosk,
        "manager": manager,
        "vip_phones": vip_phones,
        "known_phones": known_phones,
        "expected_minutes": {code: st.expected_minutes for code, st in types.items()},
    }


def internal_verify(compression: float) -> dict:
    """Read the database after the run: tickets, timelines, double calls, modelled waits."""
    setup_django()
    from django.db.models import Count

    from servicehall.queueing.models import Ticket, TicketEvent

    tickets = list(
        Ticket.objects.filter(hall__code=HALL).values(
            "id", "note", "status", "priority", "arrival_at", "first_called_at"
        )
    )
    by_phase: dict[str, Tally] = {}
    for t in tickets:
        by_phase.setdefault(t["note"], Tally())[t["status"]] += 1
    called = TicketEvent.objects.filter(kind="called", ticket__hall__code=HALL)
    called_twice = list(
        called.values("ticket")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("ticket", flat=True)
    )
    two_counters = list(
        called.values("ticket")
        .annotate(n=Count("counter", distinct=True))
        .filter(n__gt=1)
        .values_list("ticket", flat=True)
    )
    timelines: dict[int, list[str]] = {}
    for tid, kind in (
        TicketEvent.objects.filter(ticket__hall__code=HALL)
        .order_by("id")
        .values_list("ticket_id", "kind")
    ):
        timelines.setdefault(tid, []).append(kind)
    expected = {
        "done": ["issued", "called", "started", "finished"],
        "waiting": ["issued"],
    }
    bad_timelines = [
        t["id"] for t in tickets if timelines.get(t["id"]) != expected.get(t["status"], [])
    ]
    waits, breaches = {"vip": [], "standard": []}, 0
    for t in tickets:
        if t["note"] != "day" or t["first_called_at"] is None:
            continue
        minutes = (t["first_called_at"] - t["arrival_at"]).total_seconds() * compression / 60
        vip = t["priority"] > 0
        waits["vip" if vip else "standard"].append(minutes)
        breaches += minutes > (10 if vip else 15)
    return {
        "by_phase": {k: dict(v) for k, v in by_phase.items()},
        "double_call_ids": sorted(set(called_twice) | set(two_counters)),
        "bad_timeline_ids": bad_timelines[:20],
        "bad_timelines": len(bad_timelines),
        "modeled_breaches": breaches,
        "modeled_wait_min": {
            k: {"avg": r1(sum(v) / len(v)) if v else None, "p90": r1(pct(v, 90))}
            for k, v in waits.items()
        },
    }


def run_internal(env: dict, *args: str) -> dict:
    return run_step(__file__, env, *args, timeout=300)


# ------------------------------------------------------------------ the clients


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    call_ms: list[float] = field(default_factory=list)  # call-next that called a ticket
    empty_ms: list[float] = field(default_factory=list)  # call-next answered queue_empty
    issue_ms: list[float] = field(default_factory=list)
    other_ms: list[float] = field(default_factory=list)  # start and finish
    called_ids: list[int] = field(default_factory=list)
    issued: int = 0
    issued_vip: int = 0
    finished: int = 0
    late_s: list[float] = field(default_factory=list)  # kiosk behind its schedule
    errors: Tally = field(default_factory=Tally)
    server_errors: int = 0
    first_issue: float | None = None
    last_issue: float | None = None

    def error(self, what: str, status: int | None = None) -> None:
        with self.lock:
            self.errors[what] += 1
            if status is not None and status >= 500:
                self.server_errors += 1


class Api:
    """One client's connection to the server: a keep-alive httpx client and its token."""

    def __init__(self, base: str, token: str, stats: Stats) -> None:
        self.http = httpx.Client(
            base_url=base + "/api", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.stats = stats

    def post(
        self, what: str, path: str, body: dict | None = None
    ) -> tuple[httpx.Response | None, float]:
        t0 = time.perf_counter()
        try:
            r = self.http.post(path, json=body)
        except httpx.HTTPError as exc:
            self.stats.error(f"{what}: {type(exc).__name__}")
            return None, (time.perf_counter() - t0) * 1000
        return r, (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.http.close()

    def issue(self, service_type: str, phone: str | None, note: str) -> dict | None:
        r, ms = self.post(
            "issue",
            f"/queue/halls/{HALL}/tickets",
            {"service_type": service_type, "phone": phone, "note": note},
        )
        if r is None:
            return None
        if r.status_code != 201:
            self.stats.error(f"issue {r.status_code} {r.text[:120]}", r.status_code)
            return None
        t = r.json()
        now = time.perf_counter()
        with self.stats.lock:
            self.stats.issue_ms.append(ms)
            self.stats.issued += 1
            self.stats.issued_vip += bool(t["vip"])
            self.stats.first_issue = self.stats.first_issue or now
            self.stats.last_issue = now
        return t

    def call_next(self, counter_id: int) -> dict | None:
        """The ticket called, or None when nobody is waiting for this counter."""
        r, ms = self.post("call-next", f"/queue/counters/{counter_id}/call-next")
        if r is None:
            return None
        if r.status_code == 409 and r.json().get("code") == "queue_empty":
            with self.stats.lock:
                self.stats.empty_ms.append(ms)
            return None
        if r.status_code != 200:
            self.stats.error(f"call-next {r.status_code} {r.text[:120]}", r.status_code)
            return None
        t = r.json()
        with self.stats.lock:
            self.stats.call_ms.append(ms)
            self.stats.called_ids.append(t["id"])
        return t

    def act(self, action: str, ticket_id: int, body: dict | None = None) -> bool:
        r, ms = self.post(action, f"/queue/tickets/{ticket_id}/{action}", body)
        if r is None:
            return False
        if r.status_code != 200:
            self.stats.error(f"{action} {r.status_code} {r.text[:120]}", r.status_code)
            return False
        with self.stats.lock:
            self.stats.other_ms.append(ms)
        return True

    def serve(self, ticket: dict, service_s: float) -> None:
        if self.act("start", ticket["id"]):
            if service_s > 0:
                time.sleep(service_s)
            if self.act("finish", ticket["id"], {"category": CATEGORY[ticket["service_type"]]}):
                with self.stats.lock:
                    self.stats.finished += 1


def sign_in(base: str, spec: dict, stats: Stats) -> None:
    api = Api(base, spec["token"], stats)
    r, _ = api.post("sign-in", f"/queue/counters/{spec['id']}/sign-in")
    api.close()
    if r is None or r.status_code != 200:
        raise RuntimeError(f"sign-in at counter {spec['id']} failed: {r and r.text[:200]}")


def pick_type(rng: random.Random, allowed: list[str] | None = None) -> str:
    mix = {k: v for k, v in TYPE_MIX.items() if allowed is None or k in allowed}
    return rng.choices(list(mix), weights=list(mix.values()))[0]


_turns: dict[str, itertools.cycle] = {}
_turns_lock = threading.Lock()


def pick_phone(rng: random.Random, org: dict, who: str | None = "random") -> str | None:
    """A VIP customer's phone number, a standard customer's, or none (`who`: "vip", "known",
    None, or "random" for the 10 % / 15 % / 75 % mix). The customers of a kind come in turn."""
    if who == "random":
        roll = rng.random()
        who = "vip" if roll < VIP_SHARE else "known" if roll < VIP_SHARE + KNOWN_SHARE else None
    if who not in ("vip", "known"):
        return None
    with _turns_lock:
        if who not in _turns:
            phones = list(org[f"{who}_phones"])
            random.Random(2026).shuffle(phones)
            _turns[who] = itertools.cycle(phones)
        return next(_turns[who])


# ------------------------------------------------------------------ phase 1: the hall day


def arrivals(n: int, rate: float, rng: random.Random) -> tuple[list[float], float]:
    """Real-time offsets of the day's first n arrivals at `rate` a second on average, and the
    compression factor (modelled seconds per real second)."""
    total = sum(PROFILE)
    cum = [0.0]
    for w in PROFILE:
        cum.append(cum[-1] + w)
    # A Poisson process with the profile's intensity, conditioned on n arrivals in the span
    # that a 2,000-ticket day's first n arrivals take on average.
    mass = min(1.0, n / FULL_DAY_TICKETS) * total
    marks = sorted(rng.uniform(0, mass) for _ in range(n))

    def minute(m: float) -> float:  # cumulative intensity -> modelled minutes after opening
        i = min(bisect.bisect_right(cum, m) - 1, len(PROFILE) - 1)
        return (i + (m - cum[i]) / PROFILE[i]) * 30

    span_min = minute(mass)
    compression = span_min * 60 / (n / rate)
    return [minute(m) * 60 / compression for m in marks], compression


class IdleBoard:
    """Idle clerks waiting for the workbench's live event; a kiosk wakes one that can serve
    the ticket it issued (the benchmark's stand-in for the server-sent event)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[int, tuple[dict, threading.Event]] = {}

    def wait(self, spec: dict, timeout: float) -> bool:
        """True when woken by an issued ticket, False when the clerk looked again by habit."""
        ev = threading.Event()
        with self.lock:
            self.idle[spec["id"]] = (spec, ev)
        woken = ev.wait(timeout)
        with self.lock:
            self.idle.pop(spec["id"], None)
        return woken

    def ticket_issued(self, service_type: str, vip: bool, rng: random.Random) -> None:
        with self.lock:
            able = [
                cid
                for cid, (spec, _) in self.idle.items()
                if service_type in spec["types"] and (vip or not spec["vip_only"])
            ]
            if able:
                _, ev = self.idle.pop(rng.choice(able))
                ev.set()

    def wake_all(self) -> None:
        with self.lock:
            for _, ev in self.idle.values():
                ev.set()
            self.idle.clear()


def hall_day(base: str, org: dict, n: int, rate: float, seed: int, stats: Stats) -> dict:
    rng = random.Random(seed)
    schedule, c = arrivals(n, rate, rng)
    # Exactly 10 % of the tickets carry a VIP customer's phone number, 15 % a standard one's.
    who = ["vip"] * round(n * VIP_SHARE) + ["known"] * round(n * KNOWN_SHARE)
    who += [None] * (n - len(who))
    rng.shuffle(who)
    plan = [
        (at, pick_type(rng), pick_phone(rng, org, w)) for at, w in zip(schedule, who, strict=True)
    ]
    expected_s = {k: m * 60 for k, m in org["expected_minutes"].items()}
    deadline = time.perf_counter() + schedule[-1] + 120 + 20 * max(expected_s.values()) / c
    issuing_done = threading.Event()
    idle = IdleBoard()
    next_i = [0]
    pick_lock = threading.Lock()
    t0 = time.perf_counter() + 0.5

    def kiosk(k: int) -> None:
        api = Api(base, org["kiosk"], stats)
        krng = random.Random(seed * 100 + k)
        try:
            while True:
                with pick_lock:
                    i = next_i[0]
                    next_i[0] += 1
                if i >= len(plan) or time.perf_counter() > deadline:
                    return
                at, st, phone = plan[i]
                wait = t0 + at - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                else:
                    with stats.lock:
                        stats.late_s.append(-wait)
                t = api.issue(st, phone, "day")
                if t is not None:
                    idle.ticket_issued(st, t["vip"], krng)
        finally:
            api.close()

    def counter(spec: dict, k: int) -> None:
        api = Api(base, spec["token"], stats)
        crng = random.Random(seed * 1000 + k)
        try:
            while time.perf_counter() < deadline:
                t = api.call_next(spec["id"])
                if t is not None:
                    mean = SERVICE_FACTOR * expected_s[t["service_type"]]
                    sigma = 0.5  # lognormal with this mean: mu = ln(mean) - sigma^2 / 2
                    service = min(
                        crng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma), 4 * mean
                    )
                    api.serve(t, service / c)
                    time.sleep(WRAP_UP_S * crng.uniform(0.5, 1.5) / c)
                    continue
                if issuing_done.is_set():
                    return  # nobody left for this counter, and nobody else is coming
                if idle.wait(spec, crng.uniform(0.5, 1.5)) and not issuing_done.is_set():
                    time.sleep(crng.uniform(2, 10) / c)  # the clerk's reaction
        finally:
            api.close()

    counters = [
        threading.Thread(target=counter, args=(s, k), daemon=True)
        for k, s in enumerate(org["counters"])
    ]
    kiosks = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(4)]
    for th in counters + kiosks:
        th.start()
    last = -1
    while any(k.is_alive() for k in kiosks):
        time.sleep(0.5)
        if stats.issued // max(n // 10, 1) != last:
            last = stats.issued // max(n // 10, 1)
            log(f"hall day: {stats.issued}/{n} issued, {stats.finished} served")
    issuing_done.set()
    idle.wake_all()
    for th in counters:
        th.join(max(1.0, deadline - time.perf_counter()))
    if any(th.is_alive() for th in counters):
        stats.error("hall day: counters still busy at the deadline")
    log(f"hall day: {stats.finished}/{n} served in {time.perf_counter() - t0:.1f} s")
    return {"compression": c, "offered_s": schedule[-1]}


# ------------------------------------------------------------------ phase 2: saturation


def saturation(base: str, org: dict, seconds: float, seed: int, stats: Stats) -> float:
    stop = time.perf_counter() + seconds

    def loop(spec: dict, k: int) -> None:
        rng = random.Random(seed * 7 + k)
        kiosk = Api(base, org["kiosk"], stats)
        clerk = Api(base, spec["token"], stats)
        allowed = [t for t in spec["types"] if t in TYPE_MIX]
        try:
            while time.perf_counter() < stop:
                # The VIP-only counter calls only VIPs: it issues VIP tickets, or its tickets
                # would pile up for the others.
                phone = pick_phone(rng, org, "vip" if spec["vip_only"] else "random")
                if kiosk.issue(pick_type(rng, allowed), phone, "saturation") is None:
                    continue
                t = clerk.call_next(spec["id"])
                if t is not None:
                    clerk.serve(t, 0)
        finally:
            kiosk.close()
            clerk.close()

    threads = [
        threading.Thread(target=loop, args=(s, k), daemon=True)
        for k, s in enumerate(org["counters"])
    ]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(max(1.0, stop + 60 - time.perf_counter()))
    if any(th.is_alive() for th in threads):
        stats.error("saturation: clients still running 60 s after the stop")
    return time.perf_counter() - t0


# ------------------------------------------------------------------ main


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small run, under 30 seconds")
    ap.add_argument("--tickets", type=int, help="hall-day tickets (default 2000, quick 200)")
    ap.add_argument(
        "--rate", type=float, help="hall-day arrivals per real second (default 5, quick 15)"
    )
    ap.add_argument("--saturation-s", type=float, help="saturation seconds (default 20, quick 4)")
    ap.add_argument("--workers", type=int, help="uvicorn worker processes (default 2)")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.internal:  # the setup and verification subprocesses
        what, *rest = args.internal
        out = internal_setup() if what == "setup" else internal_verify(float(rest[0]))
        print(json.dumps(out, default=str))
        return 0

    from servicehall.testing import fresh_database, server_process

    n = args.tickets or (200 if args.quick else FULL_DAY_TICKETS)
    rate = args.rate or (15.0 if args.quick else 5.0)
    sat_s = args.saturation_s or (4.0 if args.quick else 20.0)
    started = time.perf_counter()
    data_dir = tempfile.mkdtemp(prefix="servicehall-bench-")
    # Ctrl-C and SIGTERM unwind through the context managers: the server is stopped and the
    # database dropped whatever happens.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with fresh_database("servicehall-bench", data_dir) as (env, db):
            log(f"fresh {db} database: migrating and creating the hall …")
            org = run_internal(env, "setup")
            env["SERVICEHALL_RATE_LIMITS"] = "queue.device=off"  # one token issues for the hall
            workers = args.workers or 2
            log(f"starting uvicorn with {workers} worker(s) …")
            with server_process(env, workers) as base:
                day, sat = Stats(), Stats()
                for spec in org["counters"]:
                    sign_in(base, spec, day)
                log(f"phase 1: hall day, {n} tickets at {rate}/s, {N_COUNTERS} counters")
                info = hall_day(base, org, n, rate, args.seed, day)
                with httpx.Client(
                    headers={"Authorization": f"Bearer {org['manager']}"}, timeout=30
                ) as m:
                    board = m.get(f"{base}/api/queue/halls/{HALL}/board").json()
                log(f"phase 2: saturation for {sat_s} s")
                sat_elapsed = saturation(base, org, sat_s, args.seed, sat)
            log("verifying the database …")
            check = run_internal(env, "verify", str(info["compression"]))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    client_dups = {i for i, k in Tally(day.called_ids + sat.called_ids).items() if k > 1}
    doubles = client_dups | set(check["double_call_ids"])
    phases = check["by_phase"]
    day_db, sat_db = phases.get("day", {}), phases.get("saturation", {})
    unserved = sum(v for k, v in day_db.items() if k != "done")
    lost = (day.issued - sum(day_db.values())) + (sat.issued - sum(sat_db.values()))
    issue_span = (day.last_issue or 0) - (day.first_issue or 0)
    errors = day.errors + sat.errors
    out = {
        "benchmark": "queue_day",
        "database": db,
        "tickets_per_s": round((day.issued - 1) / issue_span, 1) if issue_span > 0 else None,
        "call_next_p50_ms": r1(pct(day.call_ms, 50)),
        "call_next_p99_ms": r1(pct(day.call_ms, 99)),
        "double_calls": len(doubles),
        "wait_limit_breaches": board["today"]["wait_limit_breaches"],
        "cycles_per_s": round(sat.finished / sat_elapsed, 1),
        "tickets": day.issued,
        "counters": N_COUNTERS,
        "vip_share": round(day.issued_vip / day.issued, 3) if day.issued else None,
        "offered_per_s": rate,
        "compression": round(info["compression"], 1),
        "call_next_max_ms": r1(max(day.call_ms, default=None)),
        "call_next_empty_p99_ms": r1(pct(day.empty_ms, 99)),
        "issue_p99_ms": r1(pct(day.issue_ms, 99)),
        "start_finish_p99_ms": r1(pct(day.other_ms, 99)),
        "kiosk_late_p99_ms": r1((pct(day.late_s, 99) or 0) * 1000),
        "modeled_wait_limit_breaches": check["modeled_breaches"],
        "modeled_wait_min": check["modeled_wait_min"],
        "saturation_s": round(sat_elapsed, 1),
        "saturation_call_next_p50_ms": r1(pct(sat.call_ms, 50)),
        "saturation_call_next_p99_ms": r1(pct(sat.call_ms, 99)),
        "unserved": unserved,
        "lost_tickets": lost,
        "bad_timelines": check["bad_timelines"],
        "http_5xx": day.server_errors + sat.server_errors,
        "errors": dict(errors),
        "workers": workers,
        "redis": bool(os.environ.get("REDIS_URL")),
        "seconds": round(time.perf_counter() - started, 1),
    }
    problems = []
    if errors or doubles or unserved or lost or check["bad_timelines"]:
        keys = ("double_calls", "unserved", "lost_tickets", "bad_timelines", "errors")
        problems.append(json.dumps({k: out[k] for k in keys}, ensure_ascii=False))
        if check["bad_timeline_ids"]:
            problems.append(f"tickets with a bad timeline (first 20): {check['bad_timeline_ids']}")
    return report(__file__, out, problems, log)


if __name__ == "__main__":
    sys.exit(main())
