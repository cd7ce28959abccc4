"""SLA sweep benchmark (issue 3): the periodic sweep and the team queue over a million open cases.
Prints one JSON line.

    .venv/bin/python benchmarks/sla_sweep.py [--quick] [--cases N] [--requests R] [--clients C]
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall \\
        .venv/bin/python benchmarks/sla_sweep.py

The headline is PostgreSQL with 1,000,000 open cases (the default; `--quick`: 20,000). Targets on
a 2-core machine: `sweep_s` under 10 s (the sweep runs every minute) and `case_list_p99_ms` under
200 ms. They are reported, not enforced: the exit status is 1 only when something went wrong (a
sweep that did not do exactly the work the data holds, a second sweep at the same time that
changed anything, a case-list response that was not 200 with the right rows, a subprocess error).
Progress goes to stderr, the one JSON line to stdout.

Database. SQLite in a temporary SERVICEHALL_DATA_DIR (removed afterwards) unless DATABASE_URL is
set; then a new PostgreSQL database `servicehall_sla_<random>` is created beside the one
DATABASE_URL names and dropped at the end, whatever happens (servicehall.testing.fresh_database).

Setup (a subprocess: Django against the fresh database through the environment). Migrate; one
hall; 10 desks, each with a lead and 4 members (50 staff with the `clerk` role and a
StaffProfile); then the cases, written straight into the table: PostgreSQL COPY in 10 chunks (one
transaction each, with `session_replication_role = replica` when the user may set it, so the
foreign keys of rows built from the ids just created are not re-checked one by one), SQLite
bulk_create in chunks of 5,000. `load_s` is that load alone. Then on PostgreSQL VACUUM ANALYZE, a
table in its steady state (statistics, visibility map) rather than one autovacuum is about to
visit in the middle of the measurement; SQLite gets no ANALYZE, as in production.

The cases, relative to a fixed `now` (the benchmark's start, to the second): all open (closed_at
NULL); 80 % work orders (`in_progress`), 20 % fault reports (`repairing`, or `reported` while the
15-minute first response is still running); categories that the shipped SLA policies distinguish,
with the policy each matches (resolution in 2 to 7 days, warning at its percentage, escalation
every 8 hours, confirmation within 72 hours); spread evenly over the desks, owned and handled by
their members; created over the last 10 days, due within 3 days either side of `now`. Every case
is in the state the sweep would have left it in a minute before `now` (warned once 80 % of the
time had passed, escalated one level per 8 hours overdue up to level 3, ...), except the ones
chosen to be due in the measured sweep:

    1.0 %  warn_at <= now, not yet warned                        -> `warnings`
    0.5 %  overdue, next_escalation_at <= now; a third of them   -> `escalations` (a case
           still at level 0 however long overdue (several levels    behind counts once per
           in one sweep), the rest exactly one level behind          level)
    0.2 %  faults reported 16 min to 2 h ago, no first response  -> `first_response_missed`
    0.1 %  resolved, the customer's 72 h to confirm are over     -> `return_visits`
    0.3 %  resolved, still within the 72 h (not due)

Sweep (another subprocess). `servicehall.cases.services.sweep(now)` once (`sweep_s`), then again
at the same `now` (`second_sweep_s`; `second_sweep_changes` must be all zeros). The counts must
equal what the setup put in the data, and the CaseEvent rows recorded must match the counts.

Case list. A real uvicorn server (servicehall.testing.server_process, `--workers`, default 2) and
`--clients` threads (default 4), each with a keep-alive httpx connection, sending `--requests`
requests (default 300, quick 100) as fast as they are answered, as one member of each desk in
turn, with that member's API token (Authorization: Bearer): 70 % GET /api/cases?scope=desk (the
team queue, first page: 50 open cases due soonest), 15 % with &overdue=true, 15 % with &q=<one of
the desk's case numbers>. Two unmeasured warm-up requests per desk come first. Every answer must
be 200 with a JSON list of the user's desk's cases only; overdue pages only breached cases; a
number search must find that case. `case_list_p50_ms` / `case_list_p99_ms` are client-side
latencies over all measured requests, `case_list_by_query` per kind of request. With `--explain`
the plans of the three queries (EXPLAIN ANALYZE on PostgreSQL) go to stderr at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta

import httpx

from servicehall.testing import pct, r1, report, run_step, setup_django

N_DESKS = 10
MEMBERS_PER_DESK = 4  # plus the lead
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Shares of the cases due in the measured sweep (and the resolved ones that are not).
WARN_DUE, ESCALATION_DUE, FIRST_RESPONSE_DUE, CONFIRM_DUE, RESOLVED_WAITING = 1, 2, 3, 4, 5
SHARES = {
    WARN_DUE: 0.010,
    ESCALATION_DUE: 0.005,
    FIRST_RESPONSE_DUE: 0.002,
    CONFIRM_DUE: 0.001,
    RESOLVED_WAITING: 0.003,
}
FAULT_SHARE = 0.2
WORK_CATEGORIES = ["complaint", "handset", "promotion", "other", "suggestion"]
FAULT_CATEGORIES = ["broadband-fault", "fault-report", "mobile-network"]
CHANNELS = ["walk_in", "hotline", "web", "app", "hall_phone"]
CHANNEL_CUM = list(itertools.accumulate([40, 30, 10, 15, 5]))
PRIORITIES = ["normal", "high", "urgent", "low"]
PRIORITY_CUM = list(itertools.accumulate([88, 8, 2, 2]))
WORK_SUBJECTS = [
    "套餐变更未生效",
    "话费扣费有异议",
    "积分未到账",
    "宽带迁移预约",
    "发票开具",
    "流量包退订未成功",
    "国际漫游开通",
    "营业员服务态度",
    "充值未到账",
    "号码携转进度",
]
FAULT_SUBJECTS = ["宽带无法上网", "宽带频繁掉线", "手机信号弱", "室内无信号", "光猫红灯闪烁"]
DETAILS = [
    "已持续两天",
    "昨天晚上开始",
    "此前已报修一次未解决",
    "要求尽快上门处理",
    "希望下午三点后联系",
    "家中老人使用，比较着急",
]
# The columns the load writes (the rest are NULL); the order of the tuples below.
COLUMNS = (
    "number",
    "kind",
    "status",
    "channel",
    "priority",
    "area",
    "category_id",
    "subject",
    "description",
    "contact_phone",
    "hall_id",
    "owner_id",
    "desk_id",
    "handler_id",
    "sla_policy_id",
    "first_response_due",
    "first_responded_at",
    "first_response_missed",
    "due_at",
    "warn_at",
    "next_escalation_at",
    "first_response_watch",
    "escalate_every",
    "escalation_level",
    "breached",
    "resolution",
    "resolved_at",
    "confirm_due",
    "data",
    "version",
    "created_at",
    "updated_at",
)
MAX_LEVEL = 3


def log(msg: str) -> None:
    print(
        f"[sla_sweep {time.strftime('%H:%M:%S', time.gmtime())}Z] {msg}",
        file=sys.stderr,
        flush=True,
    )


# ------------------------------------------------------------------ inside Django (subprocesses)


def _organisation() -> dict:
    """One hall, the desks and their staff; the categories and the policies they fall under."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from servicehall.cases import sla
    from servicehall.cases.models import Case
    from servicehall.core.models import ApiToken
    from servicehall.org.models import BusinessCategory, Desk, Hall, StaffProfile
    from servicehall.org.roles import assign_role

    User = get_user_model()
    with transaction.atomic():
        hall = Hall.objects.create(code="sla-bench", name="压测营业厅", area="压测区", is_open=True)
        desks = []
        for d in range(N_DESKS):
            staff = []
            for m in range(MEMBERS_PER_DESK + 1):
                username = f"desk{d + 1:02d}-{'lead' if m == 0 else f'm{m}'}"
                user = User.objects.create_user(username, password=None)  # tokens only
                StaffProfile.objects.create(
                    user=user,
                    full_name=f"班组{d + 1:02d}员工{m}",
                    employee_no=username.upper(),
                    hall=hall,
                )
                assign_role(user, "clerk")
                staff.append(user)
            desk = Desk.objects.create(
                code=f"sla-desk-{d + 1:02d}",
                name_zh=f"压测班组{d + 1:02d}",
                name_en=f"Bench desk {d + 1:02d}",
                hall=hall,
                lead=staff[0],
            )
            desk.members.set(staff[1:])
            desks.append(
                {
                    "id": desk.pk,
                    "code": desk.code,
                    "staff": [u.pk for u in staff],
                    "user": staff[1].username,
                    "token": ApiToken.issue(staff[1], "sla_sweep benchmark"),
                }
            )
    policies = {}
    for kind, codes in (("work_order", WORK_CATEGORIES), ("fault", FAULT_CATEGORIES)):
        for code in codes:
            cat = BusinessCategory.objects.get(code=code)
            p = sla.policy_for(Case(kind=kind, category=cat, channel="walk_in", area="town"))
            policies[(kind, code)] = {
                "category_id": cat.pk,
                "policy_id": p.pk,
                "warn": p.warn_at_percent / 100,
                "escalate_every": p.escalate_every,
                "confirm_within": p.confirm_within,
            }
    return {"hall_id": hall.pk, "desks": desks, "policies": policies}


def generate_cases(n: int, now: datetime, org: dict, seed: int, expect: Tally, samples: dict):
    """Yield the n case rows (tuples in COLUMNS order); count in `expect` what the sweep at `now`
    must do; keep up to 20 case numbers per desk in `samples` for the number searches."""
    rng = random.Random(seed)
    labels = bytearray(n)
    chosen = rng.sample(range(n), sum(round(n * s) for s in SHARES.values()))
    at = 0
    for label, share in SHARES.items():
        k = round(n * share)
        for i in chosen[at : at + k]:
            labels[i] = label
        at += k
    hall_id, desks, policies = org["hall_id"], org["desks"], org["policies"]
    uniform, random_, choice, pick = rng.uniform, rng.random, rng.choice, rng.choices
    s = timedelta(seconds=1)
    for i in range(n):
        label = labels[i]
        fault = label == FIRST_RESPONSE_DUE or random_() < FAULT_SHARE
        kind = "fault" if fault else "work_order"
        code = choice(FAULT_CATEGORIES if fault else WORK_CATEGORIES)
        pol = policies[(kind, code)]
        every, warn_share = pol["escalate_every"], pol["warn"]
        d = rng.randrange(N_DESKS)
        desk = desks[d]
        owner = choice(desk["staff"])
        handler = owner if random_() < 0.8 else choice(desk["staff"])
        dur = 48 * HOUR if fault else uniform(2 * 86400, 7 * 86400) * s
        status = "repairing" if fault else "in_progress"
        warn_at = next_at = resolved_at = confirm_due = None
        level, breached = 0, False
        if label == 0:  # the state the last sweep left, nothing due at `now`
            # due within 3 days either side of now, opened at least a minute ago
            due = now + uniform(-3 * 86400, min(3 * 86400, dur.total_seconds() - 60)) * s
            created = due - dur
            warn_at = created + dur * warn_share
            if warn_at <= now:
                warn_at = None
            if due > now:
                next_at = due
            else:
                level = sum(due + j * every <= now for j in range(MAX_LEVEL))
                next_at = due + level * every if level < MAX_LEVEL else None
                breached = True
        elif label == WARN_DUE:
            due = now + uniform(60, (dur * (1 - warn_share)).total_seconds() - 60) * s
            created = due - dur
            warn_at, next_at = created + dur * warn_share, due
            expect["warnings"] += 1
        elif label == ESCALATION_DUE:
            due = now - uniform(60, 40 * 3600) * s
            created = due - dur
            behind = sum(due + j * every <= now for j in range(MAX_LEVEL))
            level = 0 if random_() < 1 / 3 else behind - 1
            next_at, breached = due + level * every, level > 0
            expect["escalations"] += behind - level
        elif label == FIRST_RESPONSE_DUE:
            created = now - uniform(16 * 60, 2 * 3600) * s
            due = created + dur
            warn_at, next_at, status = created + dur * warn_share, due, "reported"
            expect["first_response_missed"] += 1
        else:  # resolved, waiting for the customer's confirmation
            within = pol["confirm_within"]
            if label == CONFIRM_DUE:
                resolved_at = now - within - uniform(60, 12 * 3600) * s
                expect["return_visits"] += 1
            else:
                resolved_at = now - uniform(3600, within.total_seconds() - 3600) * s
            created = resolved_at - uniform(3600, 3 * 86400) * s
            due = created + dur
            confirm_due, status = resolved_at + within, "resolved"
            if resolved_at > due:
                breached = True
                level = sum(due + j * every <= resolved_at for j in range(MAX_LEVEL))
        fr_due = fr_watch = responded = None
        if fault:
            fr_due = created + 15 * 60 * s
            if fr_due > now and resolved_at is None:
                status, fr_watch = "reported", fr_due
            elif label == FIRST_RESPONSE_DUE:
                fr_watch = fr_due
            else:
                responded = created + uniform(60, 14 * 60) * s
        else:
            responded = min(created + uniform(10, 600) * s, now)
        prefix = "ZA" if fault else "GD"
        number = f"{prefix}{created:%Y%m%d}{i:07d}"
        if i >= n // 3 and len(samples.setdefault(d, [])) < 20:
            samples[d].append(number)
        subject = choice(FAULT_SUBJECTS if fault else WORK_SUBJECTS)
        phone = f"1{choice('3578')}{rng.randrange(10**9):09d}"
        yield (
            number,
            kind,
            status,
            pick(CHANNELS, cum_weights=CHANNEL_CUM)[0],
            pick(PRIORITIES, cum_weights=PRIORITY_CUM)[0],
            "town",
            pol["category_id"],
            subject,
            f"客户反映{subject}，{choice(DETAILS)}。联系电话{phone}，已核实身份，请按时限处理并回复客户。",
            phone,
            hall_id,
            owner,
            desk["id"],
            handler,
            pol["policy_id"],
            fr_due,
            responded,
            False,
            due,
            warn_at,
            next_at,
            fr_watch,
            every,
            level,
            breached,
            "已处理完毕，待客户确认" if resolved_at else "",
            resolved_at,
            confirm_due,
            "{}",
            1,
            created,
            now,
        )


def _load_postgresql(rows, n: int) -> bool:
    """COPY the rows in 10 transactions; True when the foreign-key triggers were skipped."""
    from django.db import DatabaseError, connection, transaction

    from servicehall.cases.models import Case

    qn = connection.ops.quote_name
    sql = f"COPY {qn(Case._meta.db_table)} ({', '.join(qn(c) for c in COLUMNS)}) FROM STDIN"
    chunk = max(n // 10, 1)
    skipped = False
    done = 0
    while done < n:
        with transaction.atomic(), connection.cursor() as cur:
            try:
                with transaction.atomic():
                    cur.execute("SET LOCAL session_replication_role = replica")
                skipped = True
            except DatabaseError:
                skipped = False
            with cur.cursor.copy(sql) as copy:
                for _ in range(min(chunk, n - done)):
                    copy.write_row(next(rows))
                    done += 1
        log(f"loaded {done:,}/{n:,} cases")
    return skipped


def _load_sqlite(rows, n: int) -> None:
    from servicehall.cases.models import Case

    batch, done, step = [], 0, max(n // 10, 1)
    for row in rows:
        fields = dict(zip(COLUMNS, row, strict=True))
        fields["data"] = {}
        batch.append(Case(**fields))
        done += 1
        if len(batch) == 5000 or done == n:
            Case.objects.bulk_create(batch)
            batch = []
        if done % step == 0 or done == n:
            log(f"loaded {done:,}/{n:,} cases")


def internal_setup(n: int, now: datetime, seed: int) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    org = _organisation()
    setup_s = time.perf_counter() - t0
    log(f"migrated, {N_DESKS} desks created in {setup_s:.1f} s; loading {n:,} cases …")
    expect: Tally = Tally()
    samples: dict = {}
    rows = generate_cases(n, now, org, seed, expect, samples)
    t0 = time.perf_counter()
    fk_skipped = None
    if connection.vendor == "postgresql":
        fk_skipped = _load_postgresql(rows, n)
    else:
        _load_sqlite(rows, n)
    load_s = time.perf_counter() - t0
    log(f"loaded {n:,} cases in {load_s:.1f} s ({n / load_s:,.0f}/s)")
    analyze_s = None
    if connection.vendor == "postgresql":
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            cur.execute("SELECT pg_total_relation_size('cases_case')")
            size = cur.fetchone()[0]
        analyze_s = time.perf_counter() - t0
        log(f"VACUUM ANALYZE in {analyze_s:.1f} s; cases_case with indexes {size / 2**20:,.0f} MB")
    return {
        "desks": [
            {k: d[k] for k in ("code", "user", "token")} | {"numbers": samples.get(i, [])}
            for i, d in enumerate(org["desks"])
        ],
        "expect": dict(expect),
        "setup_s": setup_s,
        "load_s": load_s,
        "analyze_s": analyze_s,
        "fk_checks_skipped": fk_skipped,
    }


def internal_sweep(now: datetime) -> dict:
    setup_django()
    from django.db import connection
    from django.db.models import Count

    from servicehall.cases.models import CaseEvent
    from servicehall.cases.services import sweep

    connection.ensure_connection()
    t0 = time.perf_counter()
    first = sweep(now)
    sweep_s = time.perf_counter() - t0
    log(f"sweep in {sweep_s:.2f} s: {first}")
    t0 = time.perf_counter()
    second = sweep(now)
    second_s = time.perf_counter() - t0
    log(f"second sweep in {second_s:.2f} s: {second}")
    events = dict(CaseEvent.objects.values_list("kind").annotate(n=Count("id")).order_by())
    return {
        "first": first,
        "sweep_s": sweep_s,
        "second": second,
        "second_sweep_s": second_s,
        "events": events,
    }


def internal_explain(username: str, number: str) -> dict:
    """The plans of the team queue's three queries (as search() sends them), to stderr."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servicehall.cases import selectors

    user = get_user_model().objects.get(username=username)
    pg = connection.vendor == "postgresql"
    for extra in ({}, {"overdue": True}, {"q": number}):
        with CaptureQueriesContext(connection) as ctx:
            selectors.search(user, scope="desk", **extra)
        sql = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]][-1]
        with connection.cursor() as cur:
            cur.execute(("EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN ") + sql)
            plan = "\n".join(" | ".join(str(c) for c in r) for r in cur.fetchall())
        print(f"\n--- scope=desk {extra}\n{sql}\n\n{plan}", file=sys.stderr, flush=True)
    return {}


def run_internal(env: dict, *args: str) -> dict:
    return run_step(__file__, env, *args, timeout=3600)


# ------------------------------------------------------------------ the team queue over HTTP


def case_list(base: str, desks: list[dict], n: int, clients: int, seed: int) -> dict:
    rng = random.Random(seed)
    plan = []
    for i in range(n):
        desk = desks[i % len(desks)]
        r = rng.random()
        if r < 0.70:
            plan.append((desk, "desk", {"scope": "desk"}))
        elif r < 0.85:
            plan.append((desk, "overdue", {"scope": "desk", "overdue": "true"}))
        else:
            if desk["numbers"]:
                number = rng.choice(desk["numbers"])
                plan.append((desk, "q", {"scope": "desk", "q": number}))
            else:
                plan.append((desk, "desk", {"scope": "desk"}))
    lock = threading.Lock()
    results: list[tuple[str, float]] = []
    errors: Tally = Tally()
    next_i = [0]
    order: list[tuple[float, int, str]] = []

    def check(desk: dict, what: str, params: dict, r: httpx.Response) -> str | None:
        if r.status_code != 200:
            return f"{what}: HTTP {r.status_code}"
        rows = r.json()
        if not isinstance(rows, list):
            return f"{what}: not a list"
        if any(row["desk"] != desk["code"] for row in rows):
            return f"{what}: a case of another desk"
        if what == "desk" and desk["numbers"] and not rows:
            return "desk: empty team queue"
        if what == "overdue" and any(row["deadline_state"] != "breached" for row in rows):
            return "overdue: a case that is not breached"
        if what == "q" and params["q"] not in [row["number"] for row in rows]:
            return "q: the case number was not found"
        return None

    def client(measure: bool, items: list | None = None) -> None:
        with httpx.Client(base_url=base + "/api", timeout=60) as http:
            while True:
                if items is not None:
                    if not items:
                        return
                    desk, what, params = items.pop()
                else:
                    with lock:
                        i = next_i[0]
                        next_i[0] += 1
                    if i >= len(plan):
                        return
                    desk, what, params = plan[i]
                t0 = time.perf_counter()
                try:
                    r = http.get(
                        "/cases",
                        params=params,
                        headers={"Authorization": f"Bearer {desk['token']}"},
                    )
                    ms = (time.perf_counter() - t0) * 1000
                    problem = check(desk, what, params, r)
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                    ms, problem = (time.perf_counter() - t0) * 1000, f"{what}: {exc!r}"
                with lock:
                    if problem:
                        errors[problem] += 1
                    if measure:
                        results.append((what, ms))
                        order.append((ms, len(results), what))

    warm = [(d, "desk", {"scope": "desk"}) for d in desks for _ in range(2)]
    client(False, warm)
    threads = [threading.Thread(target=client, args=(True,), daemon=True) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    last = -1
    while any(th.is_alive() for th in threads):
        time.sleep(0.2)
        if len(results) * 10 // n != last:
            last = len(results) * 10 // n
            log(f"case list: {len(results)}/{n} requests")
    elapsed = time.perf_counter() - t0
    slowest = ", ".join(f"#{k} {what} {ms:.0f} ms" for ms, k, what in sorted(order)[-5:])
    log(f"case list: slowest requests (by arrival): {slowest}")
    by: dict[str, list[float]] = {}
    for what, ms in results:
        by.setdefault(what, []).append(ms)
    every = [ms for _, ms in results]
    return {
        "p50": pct(every, 50),
        "p99": pct(every, 99),
        "max": max(every, default=None),
        "rps": len(results) / elapsed if elapsed > 0 else None,
        "by": {
            k: {"n": len(v), "p50_ms": r1(pct(v, 50)), "p99_ms": r1(pct(v, 99))}
            for k, v in sorted(by.items())
        },
        "errors": dict(errors),
        "requests": len(results),
    }


# ------------------------------------------------------------------ main


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small run, under 30 seconds")
    ap.add_argument("--cases", type=int, help="open cases (default 1,000,000, quick 20,000)")
    ap.add_argument("--requests", type=int, help="case-list requests (default 300, quick 100)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--explain", action="store_true", help="the list queries' plans to stderr")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.internal:  # the setup, sweep and explain subprocesses
        what, *rest = args.internal
        if what == "setup":
            out = internal_setup(int(rest[0]), datetime.fromisoformat(rest[1]), int(rest[2]))
        elif what == "sweep":
            out = internal_sweep(datetime.fromisoformat(rest[0]))
        else:
            out = internal_explain(rest[0], rest[1])
        print(json.dumps(out, default=str))
        return 0

    from servicehall.testing import fresh_database, server_process

    n = args.cases or (20_000 if args.quick else 1_000_000)
    n_requests = args.requests or (100 if args.quick else 300)
    if not 0 < n < 10_000_000:
        ap.error("--cases must be between 1 and 9,999,999 (the numbers have 7 digits)")
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    data_dir = tempfile.mkdtemp(prefix="servicehall-bench-")
    # Ctrl-C and SIGTERM unwind through the context managers: the server is stopped and the
    # database dropped whatever happens.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with fresh_database("servicehall-sla", data_dir) as (env, db):
            log(f"fresh {db} database: migrating, creating desks, {n:,} cases at {now} …")
            setup = run_internal(env, "setup", str(n), now.isoformat(), str(args.seed))
            log("sweeping …")
            swept = run_internal(env, "sweep", now.isoformat())
            log(f"starting uvicorn with {args.workers} worker(s) …")
            with server_process(env, args.workers) as base:
                log(f"case list: {n_requests} requests from {args.clients} clients")
                lists = case_list(base, setup["desks"], n_requests, args.clients, args.seed)
            if args.explain:
                desk = setup["desks"][0]
                run_internal(env, "explain", desk["user"], (desk["numbers"] or ["GD0"])[0])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    first, second, expect = swept["first"], swept["second"], setup["expect"]
    problems = []
    for key, got in first.items():
        if got != expect.get(key, 0):
            problems.append(f"sweep {key}: {got}, the data holds {expect.get(key, 0)}")
    event_kinds = {
        "warnings": "sla_warning",
        "first_response_missed": "first_response_missed",
        "escalations": "escalated",
        "return_visits": "start_return_visit",
    }
    for key, kind in event_kinds.items():
        if swept["events"].get(kind, 0) != first[key]:
            problems.append(
                f"{kind} events: {swept['events'].get(kind, 0)}, sweep said {first[key]}"
            )
    if any(second.values()):
        problems.append(f"the second sweep changed something: {second}")
    if lists["errors"]:
        problems.append(f"case list: {lists['errors']}")
    if lists["requests"] != n_requests:
        problems.append(f"case list: {lists['requests']} of {n_requests} requests answered")
    out = {
        "benchmark": "sla_sweep",
        "database": db,
        "cases": n,
        "sweep_s": round(swept["sweep_s"], 2),
        "warnings": first["warnings"],
        "first_response_missed": first["first_response_missed"],
        "escalations": first["escalations"],
        "return_visits": first["return_visits"],
        "second_sweep_s": round(swept["second_sweep_s"], 3),
        "second_sweep_changes": second,
        "case_list_p50_ms": r1(lists["p50"]),
        "case_list_p99_ms": r1(lists["p99"]),
        "case_list_max_ms": r1(lists["max"]),
        "case_list_by_query": lists["by"],
        "case_list_per_s": r1(lists["rps"]),
        "within_targets": {
            "sweep_s_under_10": swept["sweep_s"] < 10,
            "case_list_p99_ms_under_200": lists["p99"] is not None and lists["p99"] < 200,
        },
        "requests": lists["requests"],
        "clients": args.clients,
        "workers": args.workers,
        "desks": N_DESKS,
        "load_s": round(setup["load_s"], 1),
        "analyze_s": r1(setup["analyze_s"]),
        "setup_s": round(setup["setup_s"], 1),
        "fk_checks_skipped_on_load": setup["fk_checks_skipped"],
        "errors": lists["errors"],
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report(__file__, out, problems, log)


if __name__ == "__main__":
    sys.exit(main())
