"""Real server processes for end-to-end tests: each gets its own database (a temporary SQLite
data dir, or a fresh PostgreSQL database when DATABASE_URL is set), loaded with the demo hall
by the same `servicehall demo --no-serve` a user runs."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from servicehall.testing import free_port, fresh_database, migrated_template, server_process


def require_or_skip(ok: bool, what: str, switch: str = "SERVICEHALL_E2E_REQUIRED") -> None:
    """Skip where a system part is missing — except where `switch` is 1 (CI), where it must
    be there."""
    if not ok:
        if os.environ.get(switch) == "1":
            pytest.fail(f"{what} is required here ({switch}=1)")
        pytest.skip(f"{what} is not here")


# The public data sets beside the repository (never copied into it): ../shared/data, or
# SERVICEHALL_SHARED_DATA. Tests that read them skip where they are absent, except where
# SERVICEHALL_DATA_REQUIRED=1 (.ci/run sets it when the data is beside the clone).
SHARED_DATA = Path(
    os.environ.get("SERVICEHALL_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)


def shared_data(*parts: str) -> Path:
    """The path of a public data file or folder; skips (or fails, where required) if absent."""
    path = SHARED_DATA.joinpath(*parts)
    require_or_skip(path.exists(), f"the public data {path}", "SERVICEHALL_DATA_REQUIRED")
    return path


@contextlib.contextmanager
def demo_environment(tmp_path, redis_url: str | None = None, history_days: int = 0):
    """Environment variables for servers sharing one fresh database with the demo hall; its
    report history (`history_days` before today) only where a test reads the reports."""
    template = migrated_template()
    with fresh_database("servicehall-e2e", str(tmp_path / "data"), template) as (env, _kind):
        if redis_url:
            env["REDIS_URL"] = redis_url
        subprocess.run(
            [
                sys.executable,
                "-m",
                "servicehall.cli",
                "demo",
                "--no-serve",
                "--history-days",
                str(history_days),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield env


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


def server(env: dict):
    return server_process(env)


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


class OwnRedis:
    """A private redis-server on a free port that a test stops and starts again on the same
    port (an outage) — never the shared one. Skips where redis-server is missing."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        require_or_skip(self.binary is not None, "redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@contextlib.contextmanager
def own_redis():
    r = OwnRedis()
    r.start()
    try:
        yield r
    finally:
        r.kill()
