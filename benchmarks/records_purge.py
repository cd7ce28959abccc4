"""Retention purge benchmark (V3, L4, L5): the nightly purge and `servicehall audit verify` over
a customer base that left long ago. Prints one JSON line; progress on stderr.

    .venv/bin/python benchmarks/records_purge.py [--customers N] [--audit M]
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/records_purge.py

A fresh database (servicehall.testing.fresh_database: SQLite in a temporary data dir, or a new
PostgreSQL database beside the one DATABASE_URL names, dropped afterwards). N customers (default
2,000) who left three years ago, each with one closed line, 10 subscription records and 6 bills
(written with bulk_create), and M chained audit rows (default 100,000) 18 months old, then the
purge: `dry_s` (the dry run), `purge_s` (the run: every row of those three types and all the old
audit rows go, every identity anonymised), `again_s` (a second run: nothing more), `verify_before_s` (`audit verify` over the
M rows) and `verify_s` (the chain after the purge). Reported, not enforced; exit status 1 if the purge did not do
exactly that work or the chain did not verify."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time, uuid
from datetime import date, timedelta
from decimal import Decimal
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.utils import timezone
from servicehall.complaints.models import SubscriptionEvidence
from servicehall.core.audit import chain_hash, system_actor, verify
from servicehall.core.models import AuditLog
from servicehall.customers.models import Bill, Customer, PhoneNumber
from servicehall.records.services import purge

n, m = int(sys.argv[1]), int(sys.argv[2])
now = timezone.now()
left = now - timedelta(days=3 * 366)
t0 = time.perf_counter()
Customer.objects.bulk_create(
    [Customer(name=f"客户{i}", id_number=f"1101011990{i:08d}", status="left", left_at=left)
     for i in range(n)], batch_size=5000)
ids = list(Customer.objects.values_list("id", flat=True))
PhoneNumber.objects.bulk_create(
    [PhoneNumber(customer_id=c, number=f"13{i:09d}", status="closed", ended_on=left.date())
     for i, c in enumerate(ids)], batch_size=5000)
SubscriptionEvidence.objects.bulk_create(
    [SubscriptionEvidence(key=uuid.uuid4(), line=f"13{i:09d}", sp_code="901", service_code="M",
                          kind="charge", at=left, from_addr="10658", to_addr=f"13{i:09d}")
     for i in range(n) for _ in range(10)], batch_size=5000)
Bill.objects.bulk_create(
    [Bill(number=f"13{i:09d}", customer_id=c, month=date(2023, k, 1), amount=Decimal("58"))
     for i, c in enumerate(ids) for k in range(1, 7)], batch_size=5000)
actor = system_actor("bench")
rows, prev, old = [], "", now - timedelta(days=548)
for i in range(m):
    row = AuditLog(at=old + timedelta(seconds=i), actor=actor, action="pii.view",
                   object_type="customer", object_id=str(i), fields=[], reason="回电核实")
    row.prev_hash = prev
    row.hash = prev = chain_hash(prev, row)
    rows.append(row)
AuditLog.objects.bulk_create(rows, batch_size=5000)
load_s = time.perf_counter() - t0
print("loaded", file=sys.stderr, flush=True)
t = time.perf_counter(); before = verify(); verify_before_s = time.perf_counter() - t
t = time.perf_counter(); dry = purge(dry_run=True); dry_s = time.perf_counter() - t
t = time.perf_counter(); real = purge(dry_run=False); purge_s = time.perf_counter() - t
t = time.perf_counter(); again = purge(dry_run=False); again_s = time.perf_counter() - t
t = time.perf_counter(); v = verify(); verify_s = time.perf_counter() - t
done = {x["type"]: x["done"] for x in real["types"]}
ok = (done["subscription"] == 10 * n and done["billing"] == 6 * n and done["identity"] == n
      and done["audit"] == m and all(x["done"] == 0 for x in again["types"]) and v.ok
      and not SubscriptionEvidence.objects.exists() and before.ok and before.count == m)
print(json.dumps({"customers": n, "audit_rows": m, "load_s": round(load_s, 1),
                  "verify_before_s": round(verify_before_s, 2), "dry_s": round(dry_s, 2), "purge_s": round(purge_s, 2),
                  "again_s": round(again_s, 2), "verify_s": round(verify_s, 2),
                  "verified_rows": v.count, "ok": ok}))
sys.exit(0 if ok else 1)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--audit", type=int, default=100000)
    args = parser.parse_args()
    from servicehall.testing import fresh_database

    with fresh_database("records-bench") as (env, vendor):
        env["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.customers), str(args.audit)],
            env=env,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr)
        if out.returncode not in (0, 1) or not out.stdout.strip():
            sys.exit(1)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result.update(database=vendor, total_s=round(time.perf_counter() - started, 1))
        print(json.dumps(result))
        sys.exit(out.returncode)


if __name__ == "__main__":
    os.environ.setdefault("SERVICEHALL_LOG", "WARNING")
    main()
