"""Q4: Redis away and back. While it is away, what is published is lost (pub/sub keeps
nothing) and a new live stream is refused with a clear 503 at once; when it returns, every open
page catches up from the database on the `ready` its stream then gets — the display's call and
notice, the board's waiting list, the kiosk's open or closed — without a reload and without
their periodic refresh (switched off here, so only the catch-up can pass)."""

import time

import httpx
import pytest

from tests.e2e.test_hall_day_browser import SPEECH_SPY, browser, signed_in  # noqa: F401
from tests.servers import cli, demo_environment, login, own_redis, server

pytestmark = [pytest.mark.e2e, pytest.mark.multiprocess]

NO_TIMERS = "window.setInterval = function () { return 0; };"  # only events may refresh


def test_q4_pages_catch_up_after_redis_returns(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with (
        own_redis() as redis,
        demo_environment(tmp_path, redis.url) as env,
        server(env) as base,
    ):
        kiosk_api = {"Authorization": f"Bearer {cli(env, 'token', 'kiosk')}"}
        manager_api = {"Authorization": f"Bearer {cli(env, 'token', 'chenjing')}"}
        desk = httpx.Client(
            base_url=base + "/api",
            headers={"Authorization": f"Bearer {cli(env, 'token', 'wangfang')}"},
            timeout=30,
        )
        counter = next(
            c["id"]
            for c in desk.get("/queue/halls/chengdong/counters").json()
            if c["name"] == "1号窗口"
        )
        assert desk.post(f"/queue/counters/{counter}/sign-in").status_code == 200
        assert desk.post("/queue/halls/chengdong/open", headers=manager_api).status_code == 200

        pages = {}
        for who, path in (
            ("kiosk", "/display/chengdong/"),
            ("chenjing", "/board/chengdong/"),
            ("kiosk", "/kiosk/chengdong/"),
        ):
            page = signed_in(browser, base, who)
            page.context.add_init_script(SPEECH_SPY + NO_TIMERS)
            page.goto(base + path)
            pages[path] = page
        display, board, kiosk = pages.values()
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(board.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(kiosk.locator("#closed")).to_have_count(0)
        time.sleep(0.5)  # the kiosk's own stream (no marker on the page): give it its `ready`

        redis.kill()
        time.sleep(0.5)  # the process sees its subscription drop
        with httpx.Client(timeout=30) as c:
            login(c, base, "kiosk")
            t = time.monotonic()
            refused = c.get(base + "/halls/chengdong/events")
            took = time.monotonic() - t
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "events_unavailable"
        assert "实时推送暂不可用" in refused.json()["message"]
        assert took < 2, f"the refusal took {took:.1f} s"

        # The hall goes on while Redis is away: every write commits, its event is lost.
        issued = httpx.post(
            base + "/api/queue/halls/chengdong/tickets",
            json={"service_type": "payment"},
            headers=kiosk_api,
            timeout=30,
        )
        assert issued.status_code == 201, issued.text
        waiting = httpx.post(
            base + "/api/queue/halls/chengdong/tickets",
            json={"service_type": "payment"},
            headers=kiosk_api,
            timeout=30,
        ).json()["number"]
        called = desk.post(f"/queue/counters/{counter}/call-next")
        assert called.status_code == 200 and called.json()["number"] == issued.json()["number"]
        notice = "今日16:00后暂停办理宽带业务"
        with httpx.Client(timeout=30) as c:
            login(c, base, "chenjing")
            r = c.post(
                base + "/board/chengdong/notice",
                data={"notice": notice, "csrfmiddlewaretoken": c.cookies["csrftoken"]},
                headers={"Referer": base + "/board/chengdong/"},
            )
            assert r.status_code in (200, 302), r.status_code
        assert desk.post("/queue/halls/chengdong/close", headers=manager_api).status_code == 200
        time.sleep(1)
        expect(display.locator("#latest-number")).not_to_have_text(called.json()["number"])

        redis.start()  # back: the server subscribes again and every open stream gets `ready`
        expect(display.locator("#latest-number")).to_have_text(
            called.json()["number"], timeout=20_000
        )
        expect(display.locator("#recent li").first).to_have_attribute(
            "data-number", called.json()["number"]
        )
        expect(display.locator("#notice-text")).to_have_text(notice)
        expect(board.locator(f"#waiting-list tr[data-number='{waiting}']")).to_have_count(1)
        expect(kiosk.locator("#closed")).to_have_count(1, timeout=20_000)
        # and events flow again
        assert desk.post("/queue/halls/chengdong/open", headers=manager_api).status_code == 200
        expect(kiosk.locator("#closed")).to_have_count(0, timeout=20_000)
