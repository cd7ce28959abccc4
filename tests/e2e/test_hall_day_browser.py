"""The hall story in a real Chromium (issue 2): a standard and a VIP ticket at the kiosk, a
counter calls (the VIP first), the number appears on the display within a second without a
reload, the clerk finishes, and the manager's board updates — each surface in its own
signed-in browser."""

import os
import re

import pytest

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
GOLD_PHONE = "13900000006"  # demo gold-card customer


@pytest.fixture
def browser():
    require_or_skip(os.path.exists(CHROMIUM), "Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def signed_in(browser, base, username):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_q1_q4_hall_day_in_the_browser(browser, tmp_path):
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        expect(kiosk.locator("h1")).to_contain_text("取号")  # Chinese by default
        kiosk.click("button.service-btn[value=payment]")
        standard = kiosk.locator("#ticket").get_attribute("data-number")
        expect(kiosk.locator(".ticket-ahead")).to_contain_text("0")
        kiosk.click("#again")
        kiosk.fill("#phone", GOLD_PHONE)
        kiosk.click("button.service-btn[value=payment]")
        vip = kiosk.locator("#ticket").get_attribute("data-number")
        expect(kiosk.locator("#ticket .vip-badge")).to_be_visible()
        assert (
            re.fullmatch(r"B\d{3}", standard) and re.fullmatch(r"B\d{3}", vip) and vip != standard
        )

        display = kiosk.context.new_page()
        display.goto(base + "/display/chengdong/")
        expect(display.locator("#live-state")).to_have_attribute("data-state", "live")

        board = signed_in(browser, base, "chenjing")
        board.goto(base + "/board/chengdong/")
        expect(board.locator("#waiting-total")).to_have_text("2")
        expect(board.locator("#live-state")).to_have_attribute("data-state", "live")

        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        clerk.click("#call-next")
        expect(clerk.locator("#current .ticket-number")).to_contain_text(vip)  # the VIP first (Q3)
        expect(display.locator("#latest-number")).to_have_text(vip, timeout=1000)  # live, < 1 s
        expect(display.locator("#latest-counter")).to_have_text("1号窗口")
        expect(board.locator("tr[data-counter='1号窗口'] td.state")).to_have_text(
            "叫号中", timeout=2000
        )

        clerk.click("#start")
        clerk.select_option("#category", "bill-pay")
        clerk.click("#finish")
        expect(clerk.locator("#call-next")).to_be_visible()
        expect(board.locator("#served-today")).to_have_text("1", timeout=2000)
        expect(board.locator("#waiting-total")).to_have_text("1")
        expect(board.locator("tr[data-counter='1号窗口'] td.state")).to_have_text("空闲")

        clerk.click("#call-next")  # then the standard ticket
        expect(display.locator("#latest-number")).to_have_text(standard, timeout=1000)
