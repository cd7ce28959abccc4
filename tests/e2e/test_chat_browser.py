"""The assistant in a real Chromium (issue 4, K2, C8): a customer on a phone-sized chat page asks
a plan question and gets the catalogue's value, then asks for a person; the case appears in the
front desk's team queue with the conversation attached."""

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def test_k2_c8_chat_answers_then_hands_over_to_the_desk(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone = ctx.new_page()
        phone.goto(base + "/chat/")
        expect(phone.locator("h1")).to_have_text("智能客服")
        phone.fill("#chat-text", "畅享5G的59元档有多少流量？")
        phone.click("#chat-send")
        answer = phone.locator("#chat-log li.assistant").last
        expect(answer).to_contain_text("30GB")
        expect(answer).to_contain_text("畅享5G")
        phone.fill("#chat-text", "加油包怎么开通")
        phone.click("#chat-send")
        expect(phone.locator("#chat-log li.assistant").last).to_contain_text("JYB10")

        phone.fill("#chat-text", "我要转人工")
        phone.click("#chat-send")
        expect(phone.locator("#chat-log li.assistant").last).to_contain_text("人工")
        phone.click("#chat-handover")
        notice = phone.locator("#chat-handed-over")
        expect(notice).to_contain_text("ZX")
        number = notice.inner_text().split("服务单号")[1].split("）")[0].strip()

        clerk = signed_in(browser, base, "wangfang")  # a member of the front desk
        clerk.goto(base + "/cases/?scope=desk")
        clerk.click(f"#case-table a:text('{number}')")
        expect(clerk.locator("#description")).to_contain_text("畅享5G的59元档有多少流量")
        expect(clerk.locator("#description")).to_contain_text("30GB")
