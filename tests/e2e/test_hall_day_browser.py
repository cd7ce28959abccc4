"""The hall story in a real Chromium against a real server (Q1–Q4): a standard and a
VIP ticket at the kiosk, a counter calls (the VIP first), the number appears on the display
within a second without a reload and is announced in Chinese, a recall announces it again, the
clerk finishes, the manager's board updates, and when the manager stops ticketing the kiosk
follows — each surface in its own signed-in browser.

The server is `uvicorn servicehall.asgi:application` on its own database (a temporary SQLite
data dir, or a fresh PostgreSQL database when DATABASE_URL is set; REDIS_URL passes through),
loaded by `servicehall demo --no-serve` (tests/servers.py), and always stopped afterwards."""

import os
import re

import pytest

from servicehall.customers.models import Tier
from servicehall.demo import DEMO_PASSWORD, TIERS, demo_phone
from tests.servers import demo_environment, require_or_skip, server

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIAMOND_PHONE = demo_phone(TIERS.index(Tier.DIAMOND) + 1)  # the demo's first diamond-card customer

# Records what the display would say instead of speaking (no audio device in CI).
SPEECH_SPY = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", { value: {
  speak: function (u) { window.__spoken.push({ text: u.text, lang: u.lang }); },
  cancel: function () {},
}});
"""


@pytest.fixture
def browser():
    require_or_skip(os.path.exists(CHROMIUM), "Chromium (/usr/bin/chromium)")
    from playwright.sync_api import expect, sync_playwright

    # a CI runner with two cores and a server thread busy with the demo's rollups can take more
    # than the default 5 s to answer a page: the assertions wait as long as the actions do
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def signed_in(browser, base, username, **context):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", **context)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_q1_q4_hall_day_in_the_browser(browser, tmp_path):
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        # Kiosk (device account): Chinese by default; a bad number is refused in Chinese.
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        expect(kiosk.locator("h1")).to_contain_text("取号")
        kiosk.click(".keypad button[data-key='1']")
        kiosk.click(".keypad button[data-key='2']")
        expect(kiosk.locator("#phone")).to_have_value("12")
        kiosk.click("button.service-btn[value=payment]")
        expect(kiosk.locator("#phone-error")).to_contain_text("手机号码格式不正确")
        expect(kiosk.locator("#phone-error")).not_to_contain_text("Malformed")  # one language

        kiosk.fill("#phone", "")
        kiosk.click("button.service-btn[value=payment]")
        standard = kiosk.locator("#ticket").get_attribute("data-number")
        expect(kiosk.locator(".ticket-ahead")).to_have_text("前面还有 0 人")
        expect(kiosk.locator("#ticket .vip-badge")).to_have_count(0)
        kiosk.click("#again")
        kiosk.fill("#phone", DIAMOND_PHONE)
        kiosk.click("button.service-btn[value=payment]")
        vip = kiosk.locator("#ticket").get_attribute("data-number")
        expect(kiosk.locator("#ticket .vip-badge")).to_have_text("VIP 钻石卡")
        assert re.fullmatch(r"B\d{3}", standard) and re.fullmatch(r"B\d{3}", vip)
        assert vip != standard
        kiosk.click("#again")  # back to the start page, where it waits for the next customer

        # The calling display, in another tab of the device; voice switched on by a tap.
        kiosk.context.add_init_script(SPEECH_SPY)
        display = kiosk.context.new_page()
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        display.click("#voice")
        display.evaluate("window.__notReloaded = true")

        # The manager's board, in its own browser context.
        board = signed_in(browser, base, "chenjing")
        board.goto(base + "/board/chengdong/")
        expect(board.locator("#waiting-total")).to_have_text("2")
        expect(board.locator("#live-state")).to_have_attribute("data-state", "live")

        # A clerk signs in at 1号窗口 and calls: the VIP comes first (Q3).
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        expect(clerk.locator("#counter-name")).to_have_text("1号窗口")
        clerk.click("#call-next")
        expect(display.locator("#latest-number")).to_have_text(vip, timeout=1000)  # live, < 1 s
        expect(clerk.locator("#current .ticket-number")).to_have_text(vip)
        expect(clerk.locator("#current")).to_contain_text("VIP · 钻石卡")
        expect(display.locator("#latest-counter")).to_have_text("1号窗口")
        expect(display.locator(".now-calling")).to_contain_text("请")
        expect(display.locator("#recent li").first).to_contain_text(vip)
        assert display.evaluate("window.__notReloaded") is True
        said = "请 " + " ".join(vip) + " 号 到 1号窗口 办理"
        spoken = display.evaluate("window.__spoken.filter(s => s.text.trim())")
        assert spoken == [{"text": said, "lang": "zh-CN"}] * 2  # announced twice, in Chinese
        expect(board.locator("tr[data-counter='1号窗口'] td.state")).to_have_text(
            "叫号中", timeout=2000
        )

        # A recall is announced again and keeps the number at the top of the list.
        clerk.click("#recall")
        expect(clerk.locator("#current")).to_contain_text("已重呼 1 次")
        display.wait_for_function(
            "window.__spoken.filter(s => s.text.trim()).length === 4", timeout=1000
        )
        expect(display.locator(f"#recent li[data-number='{vip}']")).to_have_count(1)

        # Service: a finish without a category is refused by the browser form itself; with one
        # it goes through, and the board shows the served ticket and the idle counter.
        clerk.click("#start")
        expect(clerk.locator("#current")).to_have_attribute("data-status", "serving")
        clerk.click("#finish")
        expect(clerk.locator("#current")).to_have_attribute("data-status", "serving")
        clerk.select_option("#category", "bill-pay")
        clerk.click("#finish")
        expect(clerk.locator("#call-next")).to_be_visible()
        expect(board.locator("#served-today")).to_have_text("1", timeout=2000)
        expect(board.locator("#waiting-total")).to_have_text("1")
        expect(board.locator("tr[data-counter='1号窗口'] td.state")).to_have_text("空闲")

        clerk.click("#call-next")  # then the standard ticket
        expect(display.locator("#latest-number")).to_have_text(standard, timeout=1000)
        expect(board.locator("#waiting-total")).to_have_text("0", timeout=2000)

        # The manager stops ticketing: the waiting kiosk follows at once.
        expect(kiosk.locator("#closed")).to_have_count(0)
        board.click("#close-hall")
        expect(board.locator("#hall-state")).to_have_attribute("data-open", "0")
        expect(kiosk.locator("#closed")).to_be_visible(timeout=3000)
        expect(kiosk.locator("button.service-btn").first).to_be_disabled()

        # The same board in English after the switch in the header.
        board.click("button[name=language][value=en]")
        expect(board.locator("h1")).to_contain_text("Hall board")
        expect(board.locator("tr[data-counter='1号窗口'] td.state")).to_have_text("Calling")


def test_q4_english_display_names_the_service_type_in_english(browser, tmp_path):
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        display = kiosk.context.new_page()
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.click("button.service-btn[value=payment]")
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        clerk.click("#call-next")
        expect(display.locator("#latest-type")).to_have_text("Payment", timeout=2000)
        expect(display.locator("#recent li .rc-type").first).to_have_text("Payment")
