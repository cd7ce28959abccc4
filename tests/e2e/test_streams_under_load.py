"""Q4, K2: open live streams (the hall's screens and workbenches, case pages, customers' chats
— some public, their token the only key) hold no database connection while they wait. With
200 of them open on one process whose pool has 4 connections, taking a number, a case page
and the board still answer at once, and PostgreSQL sees no more connections than the pool."""

import asyncio
import time

import httpx
import pytest

from servicehall.testing import open_streams, pg_connections
from tests.servers import cli, demo_environment, login, server

pytestmark = pytest.mark.multiprocess

POOL = 4


def _cookies(base: str, username: str) -> dict:
    with httpx.Client(timeout=30) as c:
        login(c, base, username)
        return dict(c.cookies)


def test_q4_k2_200_open_streams_hold_no_database_connection(tmp_path):
    with demo_environment(tmp_path) as env:
        env = env | {"SERVICEHALL_DB_POOL_MAX": str(POOL)}
        kiosk_token = cli(env, "token", "kiosk")
        manager_token = cli(env, "token", "chenjing")
        with server(env) as base:
            kiosk, manager = _cookies(base, "kiosk"), _cookies(base, "chenjing")
            api = httpx.Client(
                base_url=base + "/api",
                headers={"Authorization": f"Bearer {manager_token}"},
                timeout=30,
            )
            case_ids = [c["id"] for c in api.get("/cases", params={"scope": "all"}).json()]
            assert len(case_ids) >= 4
            chats = [
                httpx.post(base + "/api/chat/conversations", json={}, timeout=30).json()["token"]
                for _ in range(4)  # four chat tokens: no sign-in needed
            ]
            with httpx.Client(base_url=base, cookies=manager, timeout=60) as warm:
                # a process's first case page loads the search index (seconds), its first board
                # compiles templates: first uses, not what the streams cost
                assert warm.get(f"/cases/{case_ids[0]}/").status_code == 200
                assert warm.get("/board/chengdong/").status_code == 200
            plan = (
                [("/halls/chengdong/events", kiosk)] * 60  # one hall's screens and counters
                + [(f"/cases/{case_ids[i % 4]}/events", manager) for i in range(40)]
                + [(f"/chat/{chats[i % 4]}/events", {}) for i in range(100)]
            )

            async def run():
                t0 = time.monotonic()
                async with open_streams(base, plan, timeout_s=60) as streams:
                    assert [s.status for s in streams] == [200] * 200
                    print(f"200 streams open in {time.monotonic() - t0:.1f} s")
                    took = {}
                    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
                        t = time.monotonic()
                        r = await c.post(
                            "/api/queue/halls/chengdong/tickets",
                            json={"service_type": "payment"},
                            headers={"Authorization": f"Bearer {kiosk_token}"},
                        )
                        took["ticket"] = time.monotonic() - t
                        assert r.status_code == 201, r.text
                        c.cookies.update(manager)
                        for name, path in (
                            ("case page", f"/cases/{case_ids[0]}/"),
                            ("board", "/board/chengdong/"),
                        ):
                            t = time.monotonic()
                            page = await c.get(path)
                            took[name] = time.monotonic() - t
                            assert page.status_code == 200, (name, page.status_code)
                    if env.get("DATABASE_URL"):
                        held = pg_connections(env["DATABASE_URL"])
                        assert held <= POOL, f"{held} connections for a pool of {POOL}"
                    # every hall stream is still open and live: the ticket's event reached it
                    hall = [s for s in streams if s.path.startswith("/halls/")]
                    got = await asyncio.wait_for(
                        asyncio.gather(*(s.next_event("issued") for s in hall)), 30
                    )
                    assert got == ["issued"] * len(hall)
                    return took

            took = asyncio.run(run())
            print("latency with 200 streams open:", {k: round(v, 3) for k, v in took.items()})
            assert all(v < 2 for v in took.values()), took
            # the server is still whole: the streams closed, a page answers
            assert httpx.get(base + "/login/", timeout=10).status_code == 200
