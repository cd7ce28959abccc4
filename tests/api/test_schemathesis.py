"""The whole OpenAPI schema against a real server, as a client generated from it would use it:
schemathesis (its coverage and fuzzing phases, positive and negative data) sends every
operation requests as a clerk and as an administrator, half of them with ids that exist on
the server (tests/api/schemathesis_hooks.py). No answer may be a 5xx, carry a status the
operation does not declare, or break the declared shape (the error shape included).

Bounded for CI: a fixed seed, derandomized generation, a few examples per operation
(SERVICEHALL_SCHEMATHESIS_EXAMPLES, default 6), one worker. A longer hunt:
SERVICEHALL_SCHEMATHESIS_EXAMPLES=40 SERVICEHALL_SCHEMATHESIS_SEED=<n> pytest -s this file."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest

from servicehall.testing import server_process
from tests.servers import cli, demo_environment, login

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
]
SEED = "20261201"


def _api(base: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base + "/api", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _ok(r: httpx.Response) -> httpx.Response:
    assert r.status_code < 300, (r.request.url, r.status_code, r.text[:300])
    return r


def real_ids(base: str, tokens: dict[str, str]) -> dict[str, list]:
    """A hall at work: open, tickets waiting, one called at 1号窗口, a chat started; then the
    ids of what exists, by path parameter name (an action per workflow)."""
    manager, kiosk, clerk = (_api(base, tokens[u]) for u in ("chenjing", "kiosk", "wangfang"))
    _ok(manager.post("/queue/halls/chengdong/open"))
    tickets = [
        _ok(kiosk.post("/queue/halls/chengdong/tickets", json={"service_type": t})).json()["id"]
        for t in ("payment", "consult", "business", "payment", "consult", "business")
    ]
    counters = _ok(clerk.get("/queue/halls/chengdong/counters")).json()
    first = next(c["id"] for c in counters if c["name"] == "1号窗口")
    _ok(clerk.post(f"/queue/counters/{first}/sign-in"))
    _ok(clerk.post(f"/queue/counters/{first}/call-next"))
    halls = _ok(clerk.get("/queue/halls")).json()
    cases = _ok(manager.get("/cases", params={"scope": "all", "state": "all"})).json()
    articles = _ok(clerk.get("/knowledge/articles")).json()
    appointments = _ok(clerk.get("/queue/halls/chengdong/appointments")).json()["appointments"]
    customer = _ok(clerk.get("/customers/lookup", params={"phone": "13900000001"})).json()
    conversation = _ok(httpx.post(base + "/api/chat/conversations", json={})).json()["token"]
    workflows = _ok(clerk.get("/cases/types")).json()
    return {
        "hall": ["chengdong", str(halls[0]["id"])],
        "counter_id": [c["id"] for c in counters],
        "ticket_id": tickets,
        "appointment_id": [a["id"] for a in appointments] or [1],
        "case_id": [c["id"] for c in cases],
        "article_id": [a["id"] for a in articles],
        "customer_id": [customer["id"]],
        "token": [conversation],
        "/api/cases/{case_id}/actions/{action}:action": sorted(
            {t["action"] for w in workflows for t in w["transitions"]}
        ),
        "/api/knowledge/articles/{article_id}/actions/{action}:action": [
            "submit",
            "approve",
            "reject",
            "publish",
            "archive",
        ],
    }


def run_schemathesis(schema: Path, base: str, token: str, ids: dict, report: Path) -> dict:
    """One `schemathesis run` over the whole schema; the answers it got, from its report."""
    env = os.environ | {
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "SERVICEHALL_SCHEMATHESIS_IDS": json.dumps(ids),
        "PYTHONPATH": str(ROOT),
    }
    examples = os.environ.get("SERVICEHALL_SCHEMATHESIS_EXAMPLES", "6")
    seed = os.environ.get("SERVICEHALL_SCHEMATHESIS_SEED", SEED)
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", str(schema), "--url", base]
    cmd += ["-H", f"Authorization: Bearer {token}", "--checks", ",".join(CHECKS)]
    cmd += ["--phases", "coverage,fuzzing", "--max-examples", examples, "--seed", seed]
    cmd += ["--generation-deterministic", "--workers", "1"]
    cmd += ["--no-color", "--request-timeout", "30", "--suppress-health-check", "all"]
    cmd += ["--report", "ndjson", "--report-ndjson-path", str(report)]
    out = subprocess.run(
        cmd, env=env, cwd=report.parent, capture_output=True, text=True, timeout=600
    )
    assert report.exists(), out.stdout[-3000:] + out.stderr[-3000:]
    statuses: Counter = Counter()
    failures: dict[tuple, str] = {}
    errors: list[str] = []
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "NonFatalError" in event or "FatalError" in event:
            errors.append(line[:500])
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            response = interaction.get("response") or {}
            statuses[response.get("status_code", 0)] += 1
            for check in recorder["checks"].get(case_id, []):
                if check["status"] == "failure":
                    body = base64.b64decode(
                        (response.get("content") or {}).get("$base64", "") or b""
                    ).decode("utf-8", "replace")
                    request = interaction["request"]
                    key = (recorder["label"], check["name"], response.get("status_code"))
                    failures.setdefault(key, f"{request['method']} {request['uri']} → {body[:200]}")
    return {
        "requests": sum(statuses.values()),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "statuses": dict(sorted(statuses.items())),
        "failures": failures,
        "errors": errors,
        "exit": out.returncode,
        "tail": out.stdout[-2500:],
    }


def test_api_whole_schema_as_clerk_and_administrator_no_5xx_no_contract_break(tmp_path):
    with demo_environment(tmp_path) as env, server_process(env, timeout_s=120) as base:
        tokens = {u: cli(env, "token", u) for u in ("admin", "wangfang", "chenjing", "kiosk")}
        with httpx.Client(timeout=30) as browser:
            login(browser, base, "admin")
            schema = tmp_path / "openapi.json"
            schema.write_text(_ok(browser.get(base + "/api/openapi.json")).text, "utf-8")
        ids = real_ids(base, tokens)
        results = {
            user: run_schemathesis(schema, base, tokens[user], ids, tmp_path / f"{user}.ndjson")
            for user in ("wangfang", "admin")
        }
    for user, r in results.items():
        print(
            f"schemathesis as {user}: {r['requests']} requests, {r['5xx']} 5xx, "
            f"{len(r['failures'])} failing checks; statuses {r['statuses']}"
        )
    problems = {
        user: {" · ".join(map(str, k)): v for k, v in r["failures"].items()}
        | ({"errors": r["errors"]} if r["errors"] else {})
        for user, r in results.items()
        if r["failures"] or r["errors"]
    }
    assert problems == {}
    for r in results.values():
        assert r["exit"] == 0, r["tail"]
        # it reached the code behind the lookups: successes, refusals of every kind
        assert r["requests"] > 500 and r["5xx"] == 0
        assert sum(n for s, n in r["statuses"].items() if 200 <= s < 300) > 50, r["statuses"]
        assert {403, 404, 422} <= set(r["statuses"]), r["statuses"]
