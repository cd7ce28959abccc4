"""Quality supervision benchmark (S3): sampling a busy month and computing its appraisal.
Prints one JSON line; progress on stderr.

    .venv/bin/python benchmarks/quality_month.py [--clerks N] [--tickets T] [--cases C]
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/quality_month.py

A fresh database (servicehall.testing.fresh_database: SQLite in a temporary data dir, or a new
PostgreSQL database beside the one DATABASE_URL names, dropped afterwards). One hall, N clerks
(default 50) with T served tickets each in October 2026 (default 400: 20,000 tickets), C closed
cases (default 5,000; every 10th a complaint, another 1 in 20 with its deadline missed), written
with bulk_create. Then `servicehall.quality.services.sample` for the month by the seeded rules
(`sample_s`), again (`again_s`: nothing added) and the appraisal of every clerk
(`appraisal_s`). Reported, not enforced; exit status 1 if the second run added anything or
the per-clerk rule did not give each clerk exactly 3 checks."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
from datetime import date, datetime, timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
from django.utils import timezone
from servicehall.cases.models import Case
from servicehall.org.models import BusinessCategory, Hall, ServiceType, StaffProfile
from servicehall.org.roles import assign_role
from servicehall.quality import appraisal, services
from servicehall.quality.models import QualityCheck
from servicehall.queueing.models import Ticket

n, per, c = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tz = timezone.get_current_timezone()
t0 = time.perf_counter()
hall = Hall.objects.create(code="bench", name="基准营业厅")
User = get_user_model()
clerks = []
for i in range(n):
    u = User.objects.create_user(f"clerk{i}", password=None)
    StaffProfile.objects.create(user=u, full_name=f"员工{i}", employee_no=f"B{i:05d}", hall=hall)
    assign_role(u, "clerk")
    clerks.append(u)
qa = User.objects.create_user("qa", password=None)
StaffProfile.objects.create(user=qa, full_name="质检", employee_no="Q00001")
assign_role(qa, "quality_supervisor")
qa = User.objects.get(pk=qa.pk)
st = ServiceType.objects.get(code="payment")
rows = []
for k, u in enumerate(clerks):
    for j in range(per):
        day = date(2026, 10, 1 + j % 31)
        issued = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz) + timedelta(minutes=j % 480)
        called = issued + timedelta(minutes=(j * 7 + k) % 30)
        rows.append(Ticket(hall=hall, day=day, number=f"A{k:02d}{j:04d}", service_type=st,
                           channel="kiosk", status="done", issued_at=issued, arrival_at=issued,
                           called_at=called, first_called_at=called, started_at=called,
                           finished_at=called + timedelta(minutes=8), served_by=u))
Ticket.objects.bulk_create(rows, batch_size=5000)
cat = BusinessCategory.objects.get(code="other")
at = datetime(2026, 10, 15, 10, tzinfo=tz)
Case.objects.bulk_create([
    Case(number=f"B{i:08d}", kind="complaint" if i % 10 == 0 else "work_order", status="closed",
         channel="walk_in", category=cat, subject="基准", description="基准工单", hall=hall,
         owner=clerks[i % n], handler=clerks[i % n], created_at=at - timedelta(days=1),
         closed_at=at, due_at=at - timedelta(hours=1), breached=i % 20 == 5)
    for i in range(c)], batch_size=5000)
load_s = time.perf_counter() - t0
print("loaded", file=sys.stderr, flush=True)
month = date(2026, 10, 1)
t = time.perf_counter(); added = services.sample(month, qa); sample_s = time.perf_counter() - t
t = time.perf_counter(); again = services.sample(month, qa); again_s = time.perf_counter() - t
t = time.perf_counter(); rows = appraisal.appraisal(qa, month)["rows"]; appraisal_s = time.perf_counter() - t
per_clerk = {QualityCheck.objects.filter(staff=u, reason="per_clerk").count() for u in clerks}
ok = sum(again.values()) == 0 and per_clerk == {3} and len(rows) == n
print(json.dumps({"clerks": n, "tickets": n * per, "cases": c, "load_s": round(load_s, 1),
                  "added": added, "sample_s": round(sample_s, 2), "again_s": round(again_s, 2),
                  "appraisal_s": round(appraisal_s, 2), "ok": ok}))
sys.exit(0 if ok else 1)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clerks", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    from servicehall.testing import fresh_database

    with fresh_database("quality-bench") as (env, vendor):
        env["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.clerks), str(args.tickets), str(args.cases)],
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
