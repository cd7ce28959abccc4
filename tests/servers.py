"""Real server processes for end-to-end tests: each gets its own database (a temporary SQLite
data dir, or a fresh PostgreSQL database when DATABASE_URL is set), loaded with the demo hall
by the same `servicehall demo --no-serve` a user runs."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import urlparse, urlunparse

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_or_skip(ok: bool, what: str) -> None:
    """Skip where a system part is missing — except in CI, where it must be there."""
    if not ok:
        if os.environ.get("SERVICEHALL_E2E_REQUIRED") == "1":
            pytest.fail(f"{what} is required here (SERVICEHALL_E2E_REQUIRED=1)")
        pytest.skip(f"{what} is not installed")


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def demo_environment(tmp_path, redis_url: str | None = None):
    """Environment variables for servers sharing one fresh demo database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["SERVICEHALL_DATA_DIR"] = str(tmp_path / "data")
    env["SERVICEHALL_LOG"] = "WARNING"
    db_name = None
    if os.environ.get("DATABASE_URL"):
        db_name = f"servicehall_e2e_{uuid.uuid4().hex[:10]}"
        _pg_admin(os.environ["DATABASE_URL"], f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = urlunparse(
            urlparse(os.environ["DATABASE_URL"])._replace(path="/" + db_name)
        )
    if redis_url:
        env["REDIS_URL"] = redis_url
    try:
        subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "demo", "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield env
    finally:
        if db_name:
            with contextlib.suppress(Exception):
                _pg_admin(
                    os.environ["DATABASE_URL"], f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'
                )


def cli(env: dict, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "servicehall.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


@contextlib.contextmanager
def server(env: dict):
    """A uvicorn process serving ServiceHall; yields its base URL; always stopped."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "servicehall.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/login/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start (exit {proc.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def redis_server():
    """REDIS_URL when set; else a private redis-server on a free port (skip where none exists)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    require_or_skip(binary is not None, "redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(50):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def login(client: httpx.Client, base: str, username: str, password: str = "demo-2026") -> None:
    client.get(base + "/login/")
    r = client.post(
        base + "/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": base + "/login/"},
    )
    assert r.status_code == 302, r.text
