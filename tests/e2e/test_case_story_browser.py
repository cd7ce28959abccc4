"""The case story in a real Chromium against a real server (C4, C5, C8, S1): a clerk
serving a ticket records a consultation, turns it into a work order with a promised reply time
and transfers it to the fault desk; the fault desk resolves it from its team queue; the
customer, on a phone-sized page reached from the text message's link, confirms and rates the
service; the case closes and the manager's statistics show the rating."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.demo import demo_phone
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import cli, demo_environment, server

pytestmark = pytest.mark.e2e

CUSTOMER_PHONE = demo_phone(20)


def test_c4_c5_c8_s1_case_story_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        # The clerk at 1号窗口 serves a customer who asks about slow broadband.
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        clerk.select_option("#issue-form select[name=service_type]", "consult")
        clerk.fill("#issue-form input[name=phone]", CUSTOMER_PHONE)
        clerk.click("#issue")
        clerk.click("#call-next")
        clerk.click("#start")
        clerk.click("#record-case")
        expect(clerk.locator("#from-ticket")).to_be_visible()
        expect(clerk.locator("#script")).to_contain_text("您好")
        clerk.select_option("#category", "broadband-speed")
        clerk.fill("#description", "家里宽带晚上八点后只有10M，签约是300M")
        clerk.click("#open-case")
        expect(clerk.locator("#case-status")).to_have_text("受理中")
        consultation = clerk.locator("#case").get_attribute("data-number")
        assert consultation.startswith("ZX")

        # It cannot be answered at once: a work order with a reply promised for tomorrow 16:00.
        promised = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT16:00")
        clerk.fill("#convert textarea[name=summary]", "晚高峰限速，需障碍台核查线路")
        clerk.fill("#convert input[name=promised_at]", promised)
        clerk.click("#do-convert")
        expect(clerk.locator("#case-status")).to_have_text("处理中")
        order = clerk.locator("#case").get_attribute("data-number")
        assert order.startswith("GD")
        expect(clerk.locator("#description")).to_contain_text("晚高峰限速")
        expect(clerk.locator("#promised")).to_contain_text("16:00")

        # Transferred to the fault desk with a summary; the clerk stays the owner (C4, C8).
        clerk.click("#transfer summary")
        clerk.select_option("#transfer-desk", "fault")
        clerk.fill("#transfer-summary", "客户晚上8点后网速慢，光猫已重启，请查线路")
        clerk.click("#do-transfer")
        expect(clerk.locator("#desk")).to_have_text("障碍处理台")
        expect(clerk.locator("#owner")).to_have_text("王芳")
        expect(clerk.locator("#timeline li[data-kind=transferred]")).to_contain_text("请查线路")

        # The fault desk finds it in its team queue and resolves it.
        desk = signed_in(browser, base, "gaofeng")
        desk.goto(base + "/cases/?scope=desk")
        desk.click(f"#case-table a:text('{order}')")
        desk.fill("#resolve textarea[name=resolution]", "更换分光器端口，晚高峰实测280M")
        desk.click("#do-resolve")
        expect(desk.locator("#case-status")).to_have_text("已解决待确认")

        # The customer gets a text with a link. Staff see that it went out, never the link
        # (C5); the text itself is on the customer's phone (read here where it is sent).
        clerk.reload()
        expect(clerk.locator("#survey-sent")).to_contain_text("已发送满意度回访短信")
        assert "/s/" not in clerk.content()
        text = cli(
            env,
            "manage",
            "shell",
            "-c",
            "from servicehall.core.models import SmsMessage; "
            "print(SmsMessage.objects.filter(purpose='survey').latest('id').text)",
        )
        token = re.search(r"/s/([\w-]+)", text).group(1)
        # Opened in the clerk's signed-in browser it is refused: the answer is the customer's.
        case_url = clerk.url
        clerk.goto(f"{base}/s/{token}")
        expect(clerk.locator("#survey-staff-refused")).to_be_visible()
        expect(clerk.locator("#survey-form")).to_have_count(0)
        # On the customer's phone: solved, rated 5 overall.
        phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone = phone_ctx.new_page()
        phone.goto(f"{base}/s/{token}")
        expect(phone.locator("h1")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
        phone.locator("label.choice:has(input[value=yes])").click()
        phone.click("#survey-submit")  # the scores are missing: refused, nothing lost
        expect(phone.locator("#survey-error")).to_contain_text("总体满意度")
        for name, score in [("overall", 5), ("tangibles", 4), ("empathy", 5)]:
            phone.locator(f"label:has(input[name={name}][value='{score}'])").click()
        for name in ("professionalism", "responsiveness", "reliability"):
            phone.locator(f"label:has(input[name={name}][value='5'])").click()
        phone.fill("textarea[name=comment]", "处理很及时")
        phone.click("#survey-submit")
        expect(phone.locator("#survey-thanks")).to_be_visible()

        # The case is closed; the manager's statistics show the rating.
        clerk.goto(case_url)
        expect(clerk.locator("#case-status")).to_have_text("已关闭")
        expect(clerk.locator("#timeline li[data-kind=survey_answered]")).to_contain_text("5/5")
        manager = signed_in(browser, base, "chenjing")
        manager.goto(base + "/cases/sla")
        row = manager.locator("#satisfaction tr[data-staff=wangfang]")
        # answered: the demo's own (a customer who confirmed by the text) and this one
        expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^2 / \d+$"))
        expect(row.locator("td.rate")).to_contain_text("100 %")
