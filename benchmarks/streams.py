"""Live streams and the database pool (Q4, K2): how fast taking a number, a case page and the
board answer with no stream open and with N streams open on one server process. Prints one
JSON line.

    .venv/bin/python benchmarks/streams.py [--streams 200] [--pool 4] [--rounds 20]

A fresh database (temporary SQLite, or a new PostgreSQL database beside DATABASE_URL's) loaded
with the demo hall; one uvicorn process whose pool holds at most `--pool` PostgreSQL
connections. The streams are a mix, as a hall has them: 30 % the hall's own (screens, kiosks,
counters), 20 % case pages over four cases, 50 % public chat pages over four chats. Each round
issues a ticket (API, kiosk token), loads a case page and the board (signed in as the hall
manager), one after the other; p50/p99 per kind and round. `pg_connections`: what PostgreSQL
shows for the database while the streams are open (at most the pool). Exit status 1 when a
request fails, a stream does not open, or the pool is exceeded.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time

import httpx

from servicehall.testing import (
    fresh_database,
    open_streams,
    pct,
    pg_connections,
    r1,
    report,
    server_process,
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def login(base: str, username: str) -> dict:
    with httpx.Client(base_url=base, timeout=60) as c:
        c.get("/login/")
        c.post(
            "/login/",
            data={
                "username": username,
                "password": "demo-2026",
                "csrfmiddlewaretoken": c.cookies["csrftoken"],
            },
            headers={"Referer": base + "/login/"},
        )
        return dict(c.cookies)


async def rounds(base, n, kiosk_token, manager, case_id, problems) -> dict[str, list[float]]:
    took: dict[str, list[float]] = {"ticket": [], "case_page": [], "board": []}
    async with httpx.AsyncClient(base_url=base, timeout=60, cookies=manager) as c:
        for _ in range(n):
            for kind, call in (
                (
                    "ticket",
                    lambda: c.post(
                        "/api/queue/halls/chengdong/tickets",
                        json={"service_type": "payment"},
                        headers={"Authorization": f"Bearer {kiosk_token}"},
                    ),
                ),
                ("case_page", lambda: c.get(f"/cases/{case_id}/")),
                ("board", lambda: c.get("/board/chengdong/")),
            ):
                t = time.monotonic()
                r = await call()
                took[kind].append((time.monotonic() - t) * 1000)
                if r.status_code not in (200, 201):
                    problems.append(f"{kind}: HTTP {r.status_code}")
    return took


def summary(took: dict[str, list[float]]) -> dict:
    return {
        f"{kind}_{p}_ms": r1(pct(values, q))
        for kind, values in took.items()
        for p, q in (("p50", 50), ("p99", 99))
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--pool", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    problems: list[str] = []
    out: dict = {"streams": args.streams, "pool": args.pool, "rounds": args.rounds}
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database("servicehall-bench", tmp) as (env, kind),
    ):
        out["database"] = kind
        env["SERVICEHALL_DB_POOL_MAX"] = str(args.pool)
        log("loading the demo hall")
        subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "demo", "--no-serve", "--history-days", "0"],
            env=env,
            check=True,
            capture_output=True,
        )

        def cli(*a: str) -> str:
            return subprocess.run(
                [sys.executable, "-m", "servicehall.cli", *a],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()

        kiosk_token = cli("token", "kiosk")
        manager_token = cli("token", "chenjing")
        with server_process(env, timeout_s=120) as base:
            kiosk, manager = login(base, "kiosk"), login(base, "chenjing")
            cases = httpx.get(
                base + "/api/cases",
                params={"scope": "all"},
                headers={"Authorization": f"Bearer {manager_token}"},
                timeout=60,
            ).json()
            case_ids = [c["id"] for c in cases][:4]
            chats = [
                httpx.post(base + "/api/chat/conversations", json={}, timeout=60).json()["token"]
                for _ in range(4)
            ]
            n = args.streams
            hall_n, case_n = n * 3 // 10, n * 2 // 10
            plan = (
                [("/halls/chengdong/events", kiosk)] * hall_n
                + [(f"/cases/{case_ids[i % 4]}/events", manager) for i in range(case_n)]
                + [(f"/chat/{chats[i % 4]}/events", {}) for i in range(n - hall_n - case_n)]
            )

            async def run() -> None:
                await rounds(base, 2, kiosk_token, manager, case_ids[0], problems)  # warm up
                log(f"{args.rounds} rounds with no stream open")
                idle = await rounds(base, args.rounds, kiosk_token, manager, case_ids[0], problems)
                out.update({f"idle_{k}": v for k, v in summary(idle).items()})
                log(f"opening {n} streams")
                t = time.monotonic()
                async with open_streams(base, plan, timeout_s=120) as streams:
                    out["streams_open_s"] = round(time.monotonic() - t, 1)
                    refused = [s.status for s in streams if s.status != 200]
                    if refused:
                        problems.append(f"{len(refused)} streams refused: {sorted(set(refused))}")
                    log(f"{args.rounds} rounds with {n} streams open")
                    busy = await rounds(
                        base, args.rounds, kiosk_token, manager, case_ids[0], problems
                    )
                    out.update({f"open_{k}": v for k, v in summary(busy).items()})
                    hall = [s for s in streams if s.path.startswith("/halls/")]
                    got = await asyncio.wait_for(
                        asyncio.gather(*(s.next_event("issued") for s in hall)), 60
                    )
                    if got != ["issued"] * len(hall):
                        problems.append("not every hall stream was still open and live")
                    if kind == "postgresql":
                        out["pg_connections"] = pg_connections(env["DATABASE_URL"])
                        if out["pg_connections"] > args.pool:
                            problems.append(
                                f"{out['pg_connections']} connections for a pool of {args.pool}"
                            )

            asyncio.run(run())
    return report(__file__, out, problems, log)


if __name__ == "__main__":
    sys.exit(main())
