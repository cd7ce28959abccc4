"""Outages, against a real server on PostgreSQL (`make outage`; CI runs it on its PostgreSQL
pass). Nothing shared is touched: a fresh database beside the one DATABASE_URL names (dropped
after), the server reaching it through a TCP proxy this script controls, and a redis-server of
its own on a free port.

1. The database stops for 10 s: the proxy closes every connection and refuses new ones, then
   lets them through again. Every request meanwhile either succeeds (it waited for the pool) or
   is a 503 in words (`database_unavailable`) — never a 500 — and every acknowledged ticket is
   in the database afterwards; the server answers again within seconds, not restarted; a live
   stream opened before stays open (it holds no connection) and carries the events after.
2. Redis is killed: taking a number still works (its event is lost), a new live stream is a
   503 at once; Redis back, new streams open again and the stream that stayed open gets
   `ready` (its page fetches what it missed).
3. A server process is killed (`kill -9`) while tickets are being issued: every acknowledged
   ticket is in the database, numbers stay unique, no transaction is left open, and the server
   (uvicorn's supervisor) answers throughout and has its second process again.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall python tools/outage.py

Prints one JSON line (the figures measured, `problems`); exit status 1 when there is one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

from servicehall.testing import free_port, fresh_database, uvicorn_command

DB_DOWN_S = 10
POOL = 4


def log(msg: str) -> None:
    print(f"[outage {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Proxy:
    """A TCP proxy in front of PostgreSQL, run in a thread of its own: `stop()` closes every
    connection through it and refuses new ones (a database that went down), `start()` lets
    them through again."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._call(self._listen())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(
            self._client, "127.0.0.1", self.port, reuse_address=True
        )

    async def _client(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_writer}

        async def pipe(src, dst):
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.pipes -= {writer, up_writer}

    async def _stop(self) -> None:
        self.server.close()
        for w in list(self.pipes):
            w.transport.abort()
        self.pipes.clear()

    def stop(self) -> None:
        self._call(self._stop())

    def start(self) -> None:
        self._call(self._listen())


class Redis:
    """A redis-server of our own on a free port, killed and started again on that port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise SystemExit("redis-server is needed (Debian package redis-server)")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


def workers_of(pid: int) -> list[int]:
    """The child processes of uvicorn's supervisor (its workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = []
    for child in children.read_text().split() if children.exists() else []:
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():  # not the tracker
            found.append(int(child))
    return found


class Stream:
    """One live stream read in a thread: the event types it got, with when."""

    def __init__(self, base: str, path: str, cookies: dict) -> None:
        self.events: list[tuple[float, str]] = []
        self.open = threading.Event()
        self.ended = threading.Event()
        self.client = httpx.Client(
            base_url=base, cookies=cookies, timeout=httpx.Timeout(10, read=60)
        )
        threading.Thread(target=self._read, args=(path,), daemon=True).start()

    def _read(self, path: str) -> None:
        try:
            with self.client.stream("GET", path) as r:
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        self.events.append((time.monotonic(), line[7:]))
                        self.open.set()
        except Exception:
            pass
        finally:
            self.ended.set()

    def got(self, kind: str, since: float) -> int:
        return sum(1 for at, k in self.events if k == kind and at >= since)


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("tools/outage.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    problems: list[str] = []
    out: dict = {}
    started = time.monotonic()
    redis = Redis()
    redis.start()
    with fresh_database("servicehall-outage") as (env, _kind):
        real_url = env["DATABASE_URL"]
        parsed = urlparse(real_url)
        proxy = Proxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
        # the demo is loaded straight into the database, not through the proxy
        direct = env | {"REDIS_URL": redis.url}
        env |= {
            "REDIS_URL": redis.url,
            "SERVICEHALL_DB_POOL_MAX": str(POOL),
            # eight writers on one kiosk token are a load, not a kiosk: its 60 a minute is off
            "SERVICEHALL_RATE_LIMITS": "queue.device=off",
            "DATABASE_URL": urlunparse(
                parsed._replace(
                    netloc=f"{parsed.username}:{parsed.password}@127.0.0.1:{proxy.port}"
                )
            ),
        }

        def cli(*args: str) -> str:
            return subprocess.run(
                [sys.executable, "-m", "servicehall.cli", *args],
                env=direct,
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            ).stdout.strip()

        log("loading the demo hall into a fresh database")
        cli("demo", "--no-serve", "--history-days", "0")
        kiosk = {"Authorization": f"Bearer {cli('token', 'kiosk')}"}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(uvicorn_command(port, workers=2), env=env)
        try:
            up(base)
            with httpx.Client(timeout=30) as c:
                c.get(base + "/login/")
                c.post(
                    base + "/login/",
                    data={
                        "username": "kiosk",
                        "password": "demo-2026",
                        "csrfmiddlewaretoken": c.cookies["csrftoken"],
                    },
                    headers={"Referer": base + "/login/"},
                )
                device = dict(c.cookies)
            acked: list[int] = []
            acked_lock = threading.Lock()

            def issue(timeout: float = 60) -> tuple[str, float]:
                """One ticket; 'ok', 'refused' (a 503 in words) or what went wrong."""
                t = time.monotonic()
                try:
                    r = httpx.post(
                        base + "/api/queue/halls/chengdong/tickets",
                        json={"service_type": "payment"},
                        headers=kiosk,
                        timeout=timeout,
                    )
                except httpx.HTTPError as exc:
                    return f"no answer ({type(exc).__name__})", time.monotonic() - t
                took = time.monotonic() - t
                if r.status_code == 201:
                    with acked_lock:
                        acked.append(r.json()["id"])
                    return "ok", took
                if r.status_code == 503 and r.json().get("code") == "database_unavailable":
                    return "refused", took
                return f"HTTP {r.status_code}", took

            # ---------------------------------------------------------- 1. database away
            log(f"1. the database goes away for {DB_DOWN_S} s")
            stream = Stream(base, "/halls/chengdong/events", device)
            if not stream.open.wait(30):
                problems.append("the hall stream did not open")
            results: list[tuple[float, str, float]] = []
            stop_at = [0.0]

            def keep_issuing(pause: float = 0.2):
                while not stop_at[0] or time.monotonic() < stop_at[0]:
                    sent = time.monotonic()
                    outcome, took = issue()
                    results.append((sent, outcome, took))
                    time.sleep(pause)

            pool = ThreadPoolExecutor(4)
            futures = [pool.submit(keep_issuing) for _ in range(4)]
            time.sleep(1)
            down_at = time.monotonic()
            proxy.stop()
            time.sleep(DB_DOWN_S)
            proxy.start()
            back_at = time.monotonic()
            log("1. the database is back")
            recovered = None
            while time.monotonic() - back_at < 40:
                if issue(timeout=10)[0] == "ok":
                    recovered = time.monotonic() - back_at
                    break
                time.sleep(0.2)
            stop_at[0] = time.monotonic() + 2
            for f in futures:
                f.result()
            during = [r for r in results if r[0] >= down_at - 0.5]
            bad = sorted({o for _, o, _ in during if o not in ("ok", "refused")})
            out["db_down_s"] = DB_DOWN_S
            out["db_requests"] = len(during)
            out["db_ok"] = sum(1 for _, o, _ in during if o == "ok")
            out["db_refused_503"] = sum(1 for _, o, _ in during if o == "refused")
            out["db_slowest_answer_s"] = round(max((t for _, _, t in during), default=0), 1)
            out["db_recovered_after_s"] = None if recovered is None else round(recovered, 1)
            if bad:
                problems.append(f"database away: answers other than success or 503: {bad}")
            if recovered is None or recovered > 20:
                problems.append(f"database back: the server answered again after {recovered} s")
            after = time.monotonic()
            issue()
            time.sleep(1)
            if stream.ended.is_set() or not stream.got("issued", after):
                problems.append(
                    "the stream opened before the outage did not carry the events after"
                )

            # ---------------------------------------------------------------- 2. Redis
            log("2. Redis is killed")
            redis.kill()
            time.sleep(0.5)
            outcome, took = issue(timeout=30)
            out["redis_down_issue_s"] = round(took, 2)
            if outcome != "ok" or took > 5:
                problems.append(f"Redis away: taking a number answered {outcome} in {took:.1f} s")
            t = time.monotonic()
            with httpx.Client(cookies=device, timeout=30) as c:
                r = c.get(base + "/halls/chengdong/events")
            out["redis_down_stream_refused_s"] = round(time.monotonic() - t, 2)
            if r.status_code != 503 or time.monotonic() - t > 2:
                problems.append(
                    f"Redis away: a new stream answered {r.status_code} after "
                    f"{time.monotonic() - t:.1f} s, not 503 at once"
                )
            back = time.monotonic()
            redis.start()
            log("2. Redis is back")
            again = None
            while time.monotonic() - back < 30:
                s2 = Stream(base, "/halls/chengdong/events", device)
                deadline2 = time.monotonic() + 5
                while not (s2.open.is_set() or s2.ended.is_set()) and time.monotonic() < deadline2:
                    time.sleep(0.05)
                if s2.got("ready", back):
                    again = time.monotonic() - back
                    s2.client.close()
                    break
                s2.client.close()
                time.sleep(0.5)
            out["redis_back_streams_after_s"] = None if again is None else round(again, 1)
            if again is None:
                problems.append("Redis back: new streams did not open again within 30 s")
            deadline = time.monotonic() + 20
            while not stream.got("ready", back) and time.monotonic() < deadline:
                time.sleep(0.2)
            if not stream.got("ready", back):
                problems.append("Redis back: the open stream got no `ready` to catch up on")

            # ---------------------------------------------------------- 3. kill -9
            log("3. a server process is killed mid-write")
            before = workers_of(server.pid)
            results.clear()
            stop_at[0] = 0.0
            pool.shutdown()
            pool = ThreadPoolExecutor(8)  # back to back: both processes always mid-write
            futures = [pool.submit(keep_issuing, 0) for _ in range(8)]
            time.sleep(1.5)
            if before:
                os.kill(before[0], signal.SIGKILL)
            else:
                problems.append("no uvicorn worker process found to kill")
            killed_at = time.monotonic()
            time.sleep(3)
            stop_at[0] = time.monotonic() + 1
            for f in futures:
                f.result()
            pool.shutdown()
            out["kill_requests"] = len(results)
            out["kill_lost_answers"] = sum(1 for _, o, _ in results if o != "ok")
            after_kill = [o for s, o, _ in results if s > killed_at + 0.5]
            if not after_kill or any(o != "ok" for o in after_kill):
                problems.append(f"after kill -9 the server did not answer throughout: {after_kill}")
            deadline = time.monotonic() + 30
            while len(workers_of(server.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.5)
            if len(workers_of(server.pid)) < 2:
                problems.append("uvicorn did not start a new worker after kill -9")
            if issue(timeout=30)[0] != "ok":
                problems.append("after kill -9 taking a number failed")

            # ------------------------------------------- what the database holds after all
            import psycopg

            with psycopg.connect(real_url, autocommit=True) as conn:
                found = {
                    row[0]
                    for row in conn.execute(
                        "SELECT id FROM queueing_ticket WHERE id = ANY(%s)", (acked,)
                    )
                }
                dup = conn.execute(
                    "SELECT count(*) FROM (SELECT hall_id, day, number FROM queueing_ticket "
                    "GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
                ).fetchone()[0]
                time.sleep(1)
                stuck = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state LIKE "
                    "'idle in transaction%%'",
                    (parsed.path.lstrip("/"),),
                ).fetchone()[0]
            out["acknowledged_tickets"] = len(acked)
            out["acknowledged_missing"] = len(set(acked) - found)
            if set(acked) - found:
                problems.append(f"{len(set(acked) - found)} acknowledged tickets are not stored")
            if dup:
                problems.append(f"{dup} ticket numbers issued twice")
            if stuck:
                problems.append(f"{stuck} transactions left open")
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
            redis.kill()
    out["seconds"] = round(time.monotonic() - started, 1)
    out["problems"] = problems
    print(json.dumps(out, ensure_ascii=False), flush=True)
    for p in problems:
        log(f"FAILED: {p}")
    return 1 if problems else 0


def up(base: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/login/", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    sys.exit(main())
