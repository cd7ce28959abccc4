"""The counter workbench in a real Chromium against a real server (Q2, Q4, C8, S1), each person
in their own signed-in browser context: a clerk calls a number out of turn (特呼) from the live
waiting list, serves it and transfers it with a summary; the receiving counter sees the
ticket arrive in its list and, on calling it, the 转来说明 with who wrote it where; the first
clerk pauses and the manager's board shows it live; when the second clerk finishes, the rating
tablet beside that counter asks for a rating without a reload, the customer taps 5 and a
dimension, and the board's rating figure follows."""

import re

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

SUMMARY = "客户要改套餐，已核实身份；上月话费异常需查详单"


def counter_id(page, name: str) -> int:
    action = page.locator(f"form:has(button[data-counter='{name}'])").get_attribute("action")
    return int(re.search(r"/sign-in/(\d+)", action).group(1))


def test_q2_q4_c8_s1_workbench_transfer_pause_special_call_and_rating(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        numbers = []
        for st in ("payment", "payment", "business"):
            kiosk.click(f"button.service-btn[value={st}]")
            numbers.append(kiosk.locator("#ticket").get_attribute("data-number"))
            kiosk.click("#again")
        first, wanted, _business = numbers

        board = signed_in(browser, base, "chenjing")
        board.goto(base + "/board/chengdong/")
        expect(board.locator("#live-state")).to_have_attribute("data-state", "live")

        wang = signed_in(browser, base, "wangfang")
        wang.goto(base + "/workbench/")
        third = counter_id(wang, "3号窗口")
        wang.click("button[data-counter='1号窗口']")
        rows = wang.locator("#queue-list tr[data-number]")
        expect(rows).to_have_count(3)
        expect(rows.first).to_have_attribute("data-number", first)  # calling order

        li = signed_in(browser, base, "liqiang")
        li.goto(base + "/workbench/")
        li.click("button[data-counter='3号窗口']")
        expect(li.locator("#queue-list tr[data-number]")).to_have_count(2)  # payment only

        # 特呼 from the list: the second number, out of turn.
        wang.click(f"button.callnum-row[data-number='{wanted}']")
        expect(wang.locator("#current .ticket-number")).to_have_text(wanted)
        expect(wang.locator("#queue-list tr[data-number]")).to_have_count(2)
        wang.click("#start")
        expect(wang.locator("#current")).to_have_attribute("data-status", "serving")

        # Transfer to 3号窗口: the summary is required for a ticket in service.
        wang.click("details.transfer summary")
        wang.select_option("#transfer-form select[name=counter]", label="3号窗口")
        wang.click("#transfer")
        expect(wang.locator("#current")).to_have_attribute("data-status", "serving")  # blocked
        wang.fill("#transfer-note-input", SUMMARY)
        wang.click("#transfer")
        expect(wang.locator("#call-next")).to_be_visible()

        # The receiving counter's list shows it arrive, live, marked as transferred here.
        arrived = li.locator(f"#queue-list tr[data-number='{wanted}']")
        expect(arrived).to_contain_text("转来本窗口", timeout=3000)
        expect(li.locator("#queue-list tr[data-number]").first).to_have_attribute(
            "data-number", wanted
        )
        li.click("#call-next")
        expect(li.locator("#current .ticket-number")).to_have_text(wanted)
        expect(li.locator("#transfer-note")).to_contain_text("转来说明")
        expect(li.locator("#transfer-note-text")).to_have_text(SUMMARY)
        expect(li.locator("#transfer-note-from")).to_contain_text("1号窗口")
        expect(li.locator("#transfer-note-from")).to_contain_text("王芳")

        # The first clerk pauses: the board shows the counter paused with the reason, live.
        wang.click("#pause-details summary")
        wang.check("input[name=reason][value=training]")
        wang.click("#pause")
        expect(wang.locator("#pause-box")).to_contain_text("培训")
        expect(wang.locator("#call-next")).to_have_count(0)
        paused = board.locator("tr[data-counter='1号窗口'] td.state")
        expect(paused).to_contain_text("暂停中", timeout=3000)
        expect(paused).to_contain_text("培训")

        # A rating tablet beside 3号窗口: the hall's spare device (pingjia1 is 1号窗口's own).
        tablet = signed_in(browser, base, "kiosk")
        tablet.set_viewport_size({"width": 1280, "height": 800})
        tablet.goto(base + f"/rate/{third}/")
        expect(tablet.locator("#rate-idle")).to_contain_text("李强")
        expect(tablet.locator("#live-state")).to_have_attribute("data-state", "live")
        tablet.evaluate("window.__notReloaded = true")
        li.click("#start")
        li.select_option("#category", "bill-pay")
        li.click("#finish")
        expect(tablet.locator("#rate-number")).to_have_text(wanted, timeout=3000)
        expect(tablet.locator(".rate-ask")).to_have_text("请为本次服务评价")
        expect(tablet.locator("#rate-clerk")).to_have_text("李强")
        assert tablet.evaluate("window.__notReloaded") is True
        tablet.click(".rate-buttons label:has(input[value='5'])")
        tablet.click(".rate-dim[data-dim=professionalism] label:has(input[value='5'])")
        tablet.click("#rate-submit")
        expect(tablet.locator("#rate-thanks")).to_contain_text("感谢您的评价")
        expect(board.locator("#rating-kpi")).to_have_attribute("data-count", "1", timeout=3000)
        expect(board.locator("#rating-rate")).to_have_text("100 %")
        expect(tablet.locator("#rate-idle")).to_be_visible(timeout=8000)  # back to idle
