"""Real servers on fresh databases, for end-to-end tests and benchmarks: a temporary SQLite
data dir, or a new PostgreSQL database beside the one DATABASE_URL names (dropped after),
and uvicorn processes serving it. Nothing here is a fake: it is the production stack."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse, urlunparse

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


SQLITE_FILE = "servicehall.sqlite3"  # in the data dir (settings.DATABASES)


@contextlib.contextmanager
def fresh_database(
    prefix: str, data_dir: str | None = None, template: str | None = None
) -> Iterator[tuple[dict, str]]:
    """Yields (environment for subprocesses, "sqlite" | "postgresql") for a brand-new database;
    `template` (`migrated_template`): a copy of that migrated database instead of an empty one."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["SERVICEHALL_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix=f"{prefix}-")
    env["SERVICEHALL_LOG"] = "WARNING"
    url = os.environ.get("DATABASE_URL")
    if not url:
        if template:
            os.makedirs(env["SERVICEHALL_DATA_DIR"], exist_ok=True)
            shutil.copyfile(template, os.path.join(env["SERVICEHALL_DATA_DIR"], SQLITE_FILE))
        yield env, "sqlite"
        return
    name = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
    _pg_admin(url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    env["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path="/" + name))
    try:
        yield env, "postgresql"
    finally:
        with contextlib.suppress(Exception):
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_migrated: dict[str, str] = {}


def migrated_template() -> str:
    """A database with every migration applied and nothing else, made once per process and
    copied by `fresh_database(template=…)`: each browser test then loads its demo on a copy
    instead of migrating again (about 6 s each). SQLite: the file; PostgreSQL: the template
    database's name (dropped when the process ends)."""
    url = os.environ.get("DATABASE_URL") or ""
    if url not in _migrated:
        data_dir = tempfile.mkdtemp(prefix="servicehall-template-")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env |= {"SERVICEHALL_DATA_DIR": data_dir, "SERVICEHALL_LOG": "WARNING"}
        name = ""
        if url:
            name = f"servicehall_template_{uuid.uuid4().hex[:10]}"
            _pg_admin(url, f'CREATE DATABASE "{name}"')
            atexit.register(_pg_admin, url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            env["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path="/" + name))
        subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "manage", "migrate", "-v0"],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        _migrated[url] = name or os.path.join(data_dir, SQLITE_FILE)
    return _migrated[url]


def uvicorn_command(port: int, workers: int = 1) -> list[str]:
    """The command line of a test server: uvicorn on 127.0.0.1:`port`, quiet."""
    cmd = [sys.executable, "-m", "uvicorn", "servicehall.asgi:application"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"]
    cmd += ["--log-level", "warning", "--no-access-log"]
    return cmd + (["--workers", str(workers)] if workers > 1 else [])


@contextlib.contextmanager
def server_process(env: dict, workers: int = 1, timeout_s: float = 120) -> Iterator[str]:
    """A uvicorn process serving ServiceHall with `env`; yields its base URL; always stopped."""
    port = free_port()
    cmd = uvicorn_command(port, workers)
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/login/", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start (exit {proc.poll()})")
            time.sleep(0.2)
        if workers > 1:
            # Every process answers its first request slowly (templates, translations, the
            # database connection): warm them all up with a burst of simultaneous requests, so
            # a browser's first page does not wait on a cold process on a loaded machine.
            with ThreadPoolExecutor(workers * 3) as pool:
                list(
                    pool.map(lambda _: httpx.get(base + "/login/", timeout=60), range(workers * 3))
                )
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# ------------------------------------------------------------------ shared by the benchmarks


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None when there is nothing to rank."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def r1(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def setup_django() -> None:
    """Inside a benchmark's subprocess: Django against the database its environment names."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicehall.settings"
    import django

    django.setup()


def run_step(script: str, env: dict, *args: str, timeout: float = 300) -> dict:
    """Run `script --internal ARGS` (a benchmark's own step against its fresh database) and
    return the JSON object it prints last; its progress passes through on stderr."""
    out = subprocess.run(
        [sys.executable, os.path.abspath(script), "--internal", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(script: str, out: dict, problems: list[str], log) -> int:
    """A benchmark's last words: its figures, the machine and the command that reproduces them,
    printed as one JSON line; every problem logged; exit status 1 when there is one."""
    out = out | {
        "problems": problems,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "cmd": " ".join(["python", f"benchmarks/{os.path.basename(script)}", *sys.argv[1:]]),
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)
    for p in problems:
        log(f"FAILED: {p}")
    return 1 if problems else 0


# ------------------------------------------------------------------ live streams under load


class OpenStream:
    """A live stream held open by a client: its status, path, and the events still to read."""

    def __init__(self, response: httpx.Response, path: str) -> None:
        self.response, self.path, self.status = response, path, response.status_code
        self.lines = response.aiter_lines()  # kept: a dropped iterator closes the stream

    async def next_event(self, kind: str | None = None) -> str:
        """The next event's type (of `kind`, the others skipped); keepalives skipped."""
        async for line in self.lines:
            if line.startswith("event: ") and kind in (None, line[7:]):
                return line[7:]
        raise EOFError(f"{self.path}: the stream ended")


@contextlib.asynccontextmanager
async def open_streams(base: str, streams: list[tuple[str, dict]], timeout_s: float = 60):
    """Opens every (path, cookies) of `streams` on the server at `base` at once, each read up to
    its `ready` event, and holds them open: yields the list of OpenStream once every one
    answered; closes them all after. A stream that does not answer in `timeout_s` raises."""
    clients: dict[tuple, httpx.AsyncClient] = {}
    held: list[OpenStream] = []
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)

    def client_for(cookies: dict) -> httpx.AsyncClient:
        key = tuple(sorted(cookies.items()))
        if key not in clients:
            clients[key] = httpx.AsyncClient(
                base_url=base, cookies=cookies, limits=limits, timeout=timeout_s
            )
        return clients[key]

    async def one(path: str, cookies: dict) -> OpenStream:
        client = client_for(cookies)
        stream = OpenStream(await client.send(client.build_request("GET", path), stream=True), path)
        held.append(stream)
        if stream.status == 200:
            await stream.next_event("ready")
        return stream

    try:
        yield await asyncio.wait_for(asyncio.gather(*(one(p, c) for p, c in streams)), timeout_s)
    finally:
        for s in held:
            with contextlib.suppress(Exception):
                await s.response.aclose()
        for c in clients.values():
            with contextlib.suppress(Exception):
                await c.aclose()


def pg_connections(database_url: str) -> int:
    """Connections PostgreSQL has open now to the database `database_url` names."""
    import psycopg

    name = urlparse(database_url).path.lstrip("/")
    admin = urlunparse(urlparse(database_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    return row[0]
