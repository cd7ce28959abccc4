"""Q4: a call made on one server process reaches a display connected to another process,
through Redis pub/sub, within a second."""

import json
import threading
import time

import httpx
import pytest

from tests.servers import cli, demo_environment, login, redis_server, server

pytestmark = pytest.mark.multiprocess


def test_q4_call_on_process_a_reaches_display_on_process_b(tmp_path):
    with (
        redis_server() as redis_url,
        demo_environment(tmp_path, redis_url) as env,
        server(env) as a,
        server(env) as b,
    ):
        token = cli(env, "token", "wangfang")
        desk = httpx.Client(
            base_url=a + "/api", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        kiosk_token = cli(env, "token", "kiosk")
        issued = httpx.post(
            a + "/api/queue/halls/chengdong/tickets",
            json={"service_type": "payment"},
            headers={"Authorization": f"Bearer {kiosk_token}"},
            timeout=10,
        ).json()
        counters = desk.get("/queue/halls/chengdong/counters").json()
        counter_id = next(c["id"] for c in counters if c["name"] == "1号窗口")
        assert desk.post(f"/queue/counters/{counter_id}/sign-in").status_code == 200

        display = httpx.Client(timeout=httpx.Timeout(10, read=15))
        login(display, b, "kiosk")
        received: dict = {}
        ready = threading.Event()

        def listen():
            with display.stream("GET", b + "/halls/chengdong/events") as r:
                event = None
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                        if event == "ready":
                            ready.set()
                    elif line.startswith("data: ") and event == "called":
                        received["event"] = json.loads(line[6:])
                        received["at"] = time.monotonic()
                        return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert ready.wait(10), "display never subscribed"
        sent_at = time.monotonic()
        called = desk.post(f"/queue/counters/{counter_id}/call-next")
        assert called.status_code == 200
        listener.join(5)
        assert received, "the call never reached the other process"
        assert received["event"]["number"] == issued["number"] == called.json()["number"]
        assert received["event"]["counter"] == "1号窗口"
        assert received["at"] - sent_at < 1.0
