"""Subscription-dispute benchmark (P4, L4): import the platform's evidence for 100,000 disputed
subscriptions (2,000,000 rows) and verify them all, then one line's verification on its own.
Prints one JSON line.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall_h4 \\
        .venv/bin/python benchmarks/sp_verify.py [--quick] [--subscriptions N] [--samples S]

Targets (PostgreSQL, 2 cores): `import_verify_s` under 60 s; `verify_p99_ms` under 100 ms;
`--quick` (5,000 subscriptions, 100,000 rows) under 30 s in all. Reported, not enforced: the exit
status is 1 only when something went wrong (a verdict other than the one the generated evidence
implies, rows missing, a subprocess error). Progress goes to stderr, the JSON line to stdout.

Database: SQLite in a temporary SERVICEHALL_DATA_DIR unless DATABASE_URL is set; then a new
PostgreSQL database beside the one DATABASE_URL names, dropped at the end
(servicehall.testing.fresh_database). A subprocess migrates it and creates one complaint-desk
user; another runs the measurement.

The evidence (one CSV file, the documented format, written before the clock starts): each
subscription is one line (1380000000 + i) and one of 50 services of 10 SPs; 20 rows: the order,
the confirmation request, the user's reply, 12 monthly charges of 10 yuan and 5 deliveries. The
reply is the user's own within the window for 60 % (authorised); from another number for 10 %,
25 h late for 10 %, for another service for 10 %, missing (a second request instead) for 10 %.

Measured: `import_verify_s` — import_evidence as the command line runs it (on PostgreSQL every
row checked and COPYed into a temporary table at once, then one INSERT of the new keys under a
table lock, all in one transaction; on SQLite checked, then executemany) plus verify_many over
all the subscriptions (the evidence read 2,000 lines a query, in binary on PostgreSQL, decided in
memory); `import_s` and `verify_all_s` are its two parts. Then `--samples`
(default 1,000) verifications of single random subscriptions as the case page does it
(verify_line: one indexed query and the decision): `verify_p50_ms`, `verify_p99_ms`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from servicehall.testing import fresh_database

ROWS_PER = 20
KINDS = ("ok", "ok", "ok", "ok", "ok", "ok", "other_number", "late", "other_service", "none")


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def write_file(path: str, n: int) -> dict:
    """The evidence file; returns the expected number of authorised subscriptions."""
    authorised = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("类型,号码,SP代码,业务代码,业务名称,时间,发送方,接收方,金额,计费周期\n")
        for i in range(n):
            line = str(13800000000 + i)
            sp = f"9{i % 10:05d}"
            svc = f"SVC{i % 50:02d}"
            code = f"1066{i % 10:04d}"
            name = f"业务{i % 50:02d}"
            kind = KINDS[i % len(KINDS)]
            authorised += kind == "ok"
            day = 1 + i % 27
            base = f"2026-01-{day:02d} 10:"
            common = f"{line},{sp},{svc},{name},"
            out = [
                f"订购,{common}{base}00:00,{line},{code},,\n",
                f"确认请求,{common}{base}00:05,{code},{line},,\n",
            ]
            if kind == "ok":
                out.append(f"确认,{common}{base}01:00,{line},{code},,\n")
            elif kind == "other_number":
                out.append(f"确认,{common}{base}01:00,{13900000000 + i},{code},,\n")
            elif kind == "late":
                out.append(f"确认,{common}2026-01-{day + 1:02d} 11:01:00,{line},{code},,\n")
            elif kind == "other_service":
                other = f"SVC{(i + 1) % 50:02d}"
                out.append(
                    f"确认,{line},{sp},{other},业务{(i + 1) % 50:02d},{base}01:00,{line},{code},,\n"
                )
            else:
                out.append(f"确认请求,{common}{base}30:00,{code},{line},,\n")
            for m in range(1, 13):
                out.append(
                    f"扣费,{common}2026-{m:02d}-28 00:05:00,{code},{line},10.00,2026-{m:02d}\n"
                )
            for m in range(1, 6):
                out.append(f"下发,{common}2026-{m:02d}-15 09:00:00,{code},{line},,\n")
            f.write("".join(out))
    return {"authorised": authorised}


def child_setup() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from servicehall.org.roles import assign_role

    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user("bench-desk", password=None)
    assign_role(user, "complaint_desk")


def child_measure(path: str, n: int, samples: int, expected: int) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from servicehall.complaints.models import SubscriptionEvidence
    from servicehall.complaints.subscriptions import services

    user = get_user_model().objects.get(username="bench-desk")
    cpu0 = time.process_time()
    disputes = [(str(13800000000 + i), f"9{i % 10:05d}", f"SVC{i % 50:02d}") for i in range(n)]
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        result = services.import_evidence(user, f, path, limited=False)
    t1 = time.perf_counter()
    log(f"imported {result} in {t1 - t0:.1f} s")
    verdicts = services.verify_many(disputes)
    t2 = time.perf_counter()
    cpu = time.process_time() - cpu0
    log(f"verified {len(verdicts)} in {t2 - t1:.1f} s")
    rnd = random.Random(7)
    times = []
    for _ in range(samples):
        line, sp, svc = disputes[rnd.randrange(n)]
        s = time.perf_counter()
        verdict, _records = services.verify_line(line, sp, svc)
        times.append((time.perf_counter() - s) * 1000)
    times.sort()
    authorised = sum(v.authorised for v in verdicts)
    refunds_ok = all(
        v.refund == (70 if v.authorised else 240) for v in verdicts
    )  # 12 × 10 yuan double; authorised: months 6–12 had no content, refunded once
    ok = (
        result["imported"] == n * ROWS_PER
        and SubscriptionEvidence.objects.count() == n * ROWS_PER
        and authorised == expected
    )
    return {
        "benchmark": "sp_verify",
        "database": connection.vendor,
        "subscriptions": n,
        "evidence_rows": result["imported"],
        "import_verify_s": round(t2 - t0, 2),
        "import_s": round(t1 - t0, 2),
        "verify_all_s": round(t2 - t1, 2),
        "client_cpu_s": round(cpu, 2),  # this process's CPU in import and verify (not the server's)
        "load_avg": round(os.getloadavg()[0], 1),
        "verify_p50_ms": round(times[len(times) // 2], 2),
        "verify_p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "authorised": authorised,
        "expected_authorised": expected,
        "refunds_as_expected": refunds_ok,
        "ok": ok,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--subscriptions", type=int)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
        if args.child[0] == "setup":
            child_setup()
            return 0
        path, n, samples, expected = args.child[1], *map(int, args.child[2:])
        print(json.dumps(child_measure(path, n, samples, expected)))
        return 0
    n = args.subscriptions or (5_000 if args.quick else 100_000)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sp-verify-") as tmp:
        path = os.path.join(tmp, "evidence.csv")
        expected = write_file(path, n)["authorised"]
        log(f"wrote {n * ROWS_PER} rows ({os.path.getsize(path) / 1e6:.0f} MB)")
        with fresh_database("sp-verify", tmp) as (env, vendor):
            me = [sys.executable, __file__, "--child"]
            subprocess.run([*me, "setup"], env=env, check=True)
            log(f"{vendor} database ready")
            out = subprocess.run(
                [*me, "measure", path, str(n), str(args.samples), str(expected)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            sys.stderr.write(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
