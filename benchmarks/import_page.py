"""Imports from a page (V4, L3): a bills file uploaded on /imports/ and followed to its end.
Prints one JSON line.

    .venv/bin/python benchmarks/import_page.py [--rows N] [--workers W] [--bad] [--usage]

A fresh database (temporary SQLite, or a new PostgreSQL database beside DATABASE_URL's) loaded
with the demo hall by `servicehall demo --no-serve`; a uvicorn server with W processes; the care
desk (zhoujie) uploads N bill rows (N/4 lines × 4 months, 26 bytes a row) as the page's script
does, then polls the job's progress every 0.2 s. Reported: the upload time, when each phase was
first seen, the total, the final status. `--bad` makes the last row's month bad (the whole file is
checked, then refused); `--usage` writes the full format (plan and four usage columns, about
55 bytes a row: 200,000 rows are 11 MB, within the 20 MB limit). The throughput: rows checked a
second until the writing began, and rows a second overall. Exit status 1 when the job did not
end as expected.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import httpx

from servicehall.testing import fresh_database, server_process


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--bad", action="store_true")
    parser.add_argument(
        "--usage", action="store_true", help="the full format: plan and the four usage columns"
    )
    args = parser.parse_args()
    n = args.rows
    extra = ",畅享88元套餐,{},{},{},{}" if args.usage else ""
    rows = "".join(
        f"136{i:08d},2026-{6 + j:02d},{(i % 90) + 10}.{j}0"
        + extra.format(300 + i % 200, 10240 + i % 9000, i % 50, 3 + i % 40)
        + "\n"
        for i in range(n // 4)
        for j in range(4)
    )
    if args.bad:  # the last row's month replaced by a bad one (the row count stays N)
        rows = rows[: rows.rstrip("\n").rfind("\n") + 1] + "13600000000,2026-13,1.00\n"
    header = "号码,月份,金额" + (",套餐,通话分钟,流量MB,短信条数,主叫次数" if args.usage else "")
    data = (header + "\n" + rows).encode()
    import tempfile

    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database("servicehall-bench", tmp) as (env, kind),
    ):
        subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "demo", "--no-serve", "--history-days", "0"],
            env=env,
            check=True,
            capture_output=True,
        )
        with server_process(env, workers=args.workers) as base:
            c = httpx.Client(base_url=base, timeout=120)
            c.get("/login/")
            c.post(
                "/login/",
                data={
                    "username": "zhoujie",
                    "password": "demo-2026",
                    "csrfmiddlewaretoken": c.cookies["csrftoken"],
                },
                headers={"Referer": base + "/login/"},
            )
            c.get("/imports/")
            t0 = time.monotonic()
            r = c.post(
                "/imports/bills/upload",
                files={"file": ("bills.csv", data, "text/csv")},
                data={"csrfmiddlewaretoken": c.cookies["csrftoken"]},
                headers={"X-Requested-With": "XMLHttpRequest", "Referer": base + "/imports/"},
            )
            url = r.json()["url"]
            upload_s = time.monotonic() - t0
            phases: dict[str, float] = {}
            while True:
                p = c.get(url + "progress").json()
                phases.setdefault(p["status"], round(time.monotonic() - t0, 2))
                if p["finished"]:
                    break
                time.sleep(0.2)
            total_s = time.monotonic() - t0
    expected = "failed" if args.bad else "done"
    print(
        json.dumps(
            {
                "database": kind,
                "workers": args.workers,
                "rows": n,
                "bytes": len(data),
                "upload_s": round(upload_s, 2),
                "phase_first_seen_s": phases,
                "total_s": round(total_s, 1),
                # throughput: rows checked a second (until the writing began), rows a second
                # from the upload to the end
                "checked_rows_per_s": round(n / phases["writing"]) if "writing" in phases else None,
                "rows_per_s": round(n / total_s),
                "status": p["status"],
            }
        )
    )
    return 0 if p["status"] == expected else 1


if __name__ == "__main__":
    sys.exit(main())
