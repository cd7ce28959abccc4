"""Customer benchmark (V1, V4): import a province's customers from the CRM's export, then find
them as a clerk does — by a number's last digits, a name, an ID's last digits. Prints one JSON
line.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall_h1 \\
        .venv/bin/python benchmarks/customers.py [--quick] [--customers N] [--samples S]
        [--search-only]

Targets (PostgreSQL, 2 cores): `import_s` under 120 s for 1,000,000 customers; `search_p99_ms`
under 100 ms; `--quick` (20,000 customers) under 30 s in all. Reported, not enforced: the exit
status is 1 only when something went wrong (customers or lines missing, a search that does not
find the customer it was made from, a re-import that changed anything). Progress goes to stderr,
the JSON line to stdout.

Database: SQLite in a temporary SERVICEHALL_DATA_DIR unless DATABASE_URL is set; then a new
PostgreSQL database beside the one DATABASE_URL names, dropped at the end
(servicehall.testing.fresh_database). A subprocess migrates it and creates the importing user;
another measures.

The file (the documented format, written before the clock starts): N customers, invented: a
name from 60 surnames × 400 given names, an 18-character ID with its right check character, a
tier (70 % standard), a group (every 50th a family with the next two as members), a region, an
address; 1.2 lines each on average (every fifth customer has a second line), each with a plan
and an account.

Measured:
- `import_s`: `import_customers` as `servicehall import-customers` runs it (rows checked, then
  written 5,000 a transaction), the whole file.
- `reimport_s`: the same file again, which must change nothing (idempotence: every row read and
  compared, nothing written).
- `--search-only`: the same customers and lines COPYed straight (no import), then the searches.
- `search_p50_ms`, `search_p99_ms`: `--samples` (default 600) searches as the customers page
  makes them, a third each by 4 last digits of a number, a full name, 6 last characters of an
  ID, each for a random customer of the file (the answer must include them).
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

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国志文斌辉宇浩凯晨欣怡雪梅俊峰海燕"
)
TIERS = ["普通"] * 7 + ["银卡", "金卡", "钻石卡"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def id_number(i: int) -> str:
    first = f"99{(i % 90) + 10:02d}{(i // 90) % 100:02d}19{60 + i % 40:02d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True))
    return first + CHECK[total % 11]


def name(i: int) -> str:
    r = random.Random(i)
    given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.6 else "")
    return r.choice(SURNAMES) + given


def write_file(path: str, n: int) -> int:
    """The CRM export; returns the number of lines."""
    lines = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            "客户编号,姓名,证件号码,客户类型,所属客户编号,星级,入网日期,月均消费,地址,号码,账户,套餐,号码状态\n"
        )
        for i in range(n):
            no = f"C{i:08d}"
            if i % 50 == 0:
                group, parent, ident = "家庭", "", ""
            elif i % 50 in (1, 2):
                group, parent, ident = "个人", f"C{i - i % 50:08d}", id_number(i)
            else:
                group, parent, ident = "个人", "", id_number(i)
            common = (
                f"{no},{name(i)},{ident},{group},{parent},{TIERS[i % 10]},"
                f"20{10 + i % 16:02d}-{1 + i % 12:02d}-01,{38 + i % 200}.00,"
                f"云岭省临江市第{i % 300}街{i % 97}号,"
            )
            rows = [f"{common}{13000000000 + i},A{i:08d},畅享{38 + i % 5 * 20}元套餐,正常\n"]
            if i % 5 == 0:
                rows.append(f"{common}{15000000000 + i},A{i:08d},副卡,正常\n")
            lines += len(rows)
            f.write("".join(rows))
    return lines


def child_setup() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from servicehall.org.roles import assign_role

    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user("bench-admin", password=None)
    assign_role(user, "administrator")


def load_direct(n: int) -> None:
    """`--search-only`: the same customers and lines written straight with COPY (no checks, no
    history), to measure the searches without waiting for the import."""
    from django.db import connection
    from django.utils import timezone

    from servicehall.core.db import insert_rows, write_transaction
    from servicehall.customers.models import Customer, PhoneNumber

    now = timezone.now()
    for start in range(0, n, 50_000):
        part = range(start, min(start + 50_000, n))
        with write_transaction():
            ids = insert_rows(
                Customer,
                ["customer_no", "name", "id_number", "id_number_rev", "created_at", "updated_at"],
                [(f"C{i:08d}", name(i), id_number(i), id_number(i)[::-1], now, now) for i in part],
                with_ids=True,
            )
            rows = []
            for pk, i in zip(ids, part, strict=True):
                rows.append((pk, str(13000000000 + i), str(13000000000 + i)[::-1], True))
                if i % 5 == 0:
                    rows.append((pk, str(15000000000 + i), str(15000000000 + i)[::-1], False))
            insert_rows(PhoneNumber, ["customer_id", "number", "number_rev", "is_primary"], rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def child_measure(path: str, n: int, lines: int, samples: int, search_only: bool = False) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from servicehall.customers.crm import import_customers
    from servicehall.customers.models import Customer, PhoneNumber
    from servicehall.customers.selectors import search

    user = get_user_model().objects.get(username="bench-admin")
    last = [0.0]

    def progress(stage, done, total):
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            log(f"  {stage} {done:,}/{total:,}")

    t0 = time.perf_counter()
    if search_only:
        load_direct(n)
        result = {"bad_rows": 0, "customers_created": n}
        again = {"customers_unchanged": n, "customers_updated": 0, "lines_updated": 0}
        t1 = t2 = time.perf_counter()
        log(f"loaded {n:,} customers straight in {t1 - t0:.1f} s")
    else:
        with open(path, "rb") as f:
            result = import_customers(user, f, path, progress=progress, limited=False)
        t1 = time.perf_counter()
        log(f"imported {result['customers_created']:,} customers in {t1 - t0:.1f} s")
        with open(path, "rb") as f:
            again = import_customers(user, f, path, progress=progress, limited=False)
        t2 = time.perf_counter()
        log(f"re-imported in {t2 - t1:.1f} s: {again['customers_unchanged']:,} unchanged")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    rnd = random.Random(7)
    times, found = [], 0
    for k in range(samples):
        i = rnd.randrange(n)
        if k % 3 == 0:
            q = str(13000000000 + i)[-4:]
        elif k % 3 == 1:
            q = name(i)
        else:
            q = id_number(i)[-6:] if i % 50 else str(13000000000 + i)[-4:]
        s = time.perf_counter()
        hits = search(q)
        times.append((time.perf_counter() - s) * 1000)
        found += any(c.customer_no == f"C{i:08d}" for c in hits) or len(hits) > 30
    times.sort()
    ok = (
        Customer.objects.count() == n
        and PhoneNumber.objects.count() == lines
        and result["bad_rows"] == 0
        and again["customers_unchanged"] == n
        and again["customers_updated"] == again["lines_updated"] == 0
        and found == samples
    )
    return {
        "benchmark": "customers",
        "database": connection.vendor,
        "customers": n,
        "lines": lines,
        "import_s": None if search_only else round(t1 - t0, 1),
        "reimport_s": None if search_only else round(t2 - t1, 1),
        "search_p50_ms": round(times[len(times) // 2], 2),
        "search_p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "searches": samples,
        "found": found,
        "load_avg": round(os.getloadavg()[0], 1),
        "ok": ok,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument(
        "--search-only", action="store_true", help="load the customers straight; time searches"
    )
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
        if args.child[0] == "setup":
            child_setup()
            return 0
        path, n, lines, samples, only = args.child[1], *map(int, args.child[2:])
        print(json.dumps(child_measure(path, n, lines, samples, bool(only))))
        return 0
    n = args.customers or (20_000 if args.quick else 1_000_000)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="customers-bench-") as tmp:
        path = os.path.join(tmp, "crm.csv")
        lines = write_file(path, n)
        log(f"wrote {n:,} customers, {lines:,} lines ({os.path.getsize(path) / 1e6:.0f} MB)")
        with fresh_database("customers", tmp) as (env, vendor):
            me = [sys.executable, __file__, "--child"]
            subprocess.run([*me, "setup"], env=env, check=True)
            log(f"{vendor} database ready")
            out = subprocess.run(
                [
                    *me,
                    "measure",
                    path,
                    str(n),
                    str(lines),
                    str(args.samples),
                    str(int(args.search_only)),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            sys.stderr.write(out.stderr)
            if out.returncode:
                return out.returncode
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
