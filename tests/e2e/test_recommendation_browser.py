"""The plan recommendation in a real Chromium against the demo (M2, M3): a clerk serving the demo
customer 13900000020 sees the smart-terminal offer with the saving explained in Chinese, records
that the customer accepts, and the answer is on the page."""

import pytest

from servicehall.demo import demo_phone
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def test_m2_m3_recommendation_on_the_workbench(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='1号窗口']")
        clerk.select_option("#issue-form select[name=service_type]", "consult")
        clerk.fill("#issue-form input[name=phone]", demo_phone(20))
        clerk.click("#issue")
        clerk.click("#call-next")
        clerk.click("#start")
        expect(clerk.locator("#offer-plan")).to_have_text("智享合约 96元档")
        expect(clerk.locator("#offer-explanation")).to_contain_text("每月可节省")
        expect(clerk.locator("#offer-explanation")).to_contain_text("实际月租63元")
        clerk.fill("#offer-form input[name=note]", "客户同意换合约机")
        clerk.click("#offer-accepted")
        expect(clerk.locator("#offer-last")).to_contain_text("接受")
        expect(clerk.locator("#offer")).to_contain_text("已记录客户的答复")
