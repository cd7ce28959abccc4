"""S4 (issue 17) — the shift plan in a real Chromium against the demo server: the hall manager
opens 排班 from the staff bar, generates the least-cost plan (the demo's five weeks of tickets),
keeps one staffed shift only, saves, and sees the chart and the half hours left short change.
Screenshots at 1366×768 and on a
phone (390×844) in /tmp/s13c-shifts-*.png."""

import json

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def chart(page) -> dict:
    return json.loads(page.locator("#shift-chart-data").text_content())


def test_s4_the_manager_generates_adjusts_and_saves_the_shift_plan(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        page = signed_in(browser, base, "chenjing")
        page.set_viewport_size({"width": 1366, "height": 768})
        page.click("#nav-shifts")
        expect(page.locator("h1")).to_contain_text("排班")
        expect(page.locator("#t-source")).to_have_text("—")
        page.click("#generate-plan")
        expect(page.locator(".messages")).to_contain_text("已生成成本最低的排班")
        expect(page.locator("#t-source")).to_have_text("成本最低")
        expect(page.locator("#chart-shifts canvas")).to_have_count(1)  # ECharts drew
        made = chart(page)
        assert all(p >= r for p, r in zip(made["planned"], made["required"], strict=True))
        assert sum(made["required"]) > 0
        expect(page.locator("#interval-table tr.short-row")).to_have_count(0)
        page.screenshot(path="/tmp/s13c-shifts-desktop.png", full_page=True)

        # the manager takes away every shift that is staffed but one: half hours left short
        inputs = page.locator("#template-table input.count-input")
        staffed = [i for i in range(inputs.count()) if int(inputs.nth(i).input_value()) > 0]
        for i in staffed:
            inputs.nth(i).fill("0")
        inputs.nth(staffed[0]).fill("1")
        page.click("#save-shifts")
        expect(page.locator(".messages")).to_contain_text("排班已保存")
        expect(page.locator("#t-source")).to_have_text("已手工调整")
        after = chart(page)
        assert after["planned"] != made["planned"] and max(after["planned"]) == 1
        assert page.locator("#interval-table tr.short-row").count() > 0
        expect(page.locator("#short-note")).to_contain_text("个时段缺人")
        expect(page.locator("#chart-shifts canvas")).to_have_count(1)
        page.screenshot(path="/tmp/s13c-shifts-short.png", full_page=True)

        # English by the switch
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        page.reload()
        expect(page.locator("#generate-plan")).to_have_text(
            "Make the least-cost plan from the requirement"
        )
        page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])

        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.add_cookies(page.context.cookies())
        p = phone.new_page()
        p.goto(page.url)
        expect(p.locator("#chart-shifts canvas")).to_have_count(1)
        p.screenshot(path="/tmp/s13c-shifts-phone.png", full_page=True)
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        phone.close()
