"""Quality supervision in a real Chromium against the demo server (S3): the supervisor (郑宇)
samples last month on /quality/, opens a sampled ticket of a clerk, is refused a score above
the item's maximum beside the item, scores it, and opens a rectification item that the
check page then lists with its state; the owner submits the evidence on the case page and
quality verifies and closes it; the hall manager's appraisal draws its bar chart from
our own ECharts; the clerk sees their own scores. Screenshots at 1366×768 and 390×844."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/quality-{}-{}.png"


def _shoot(page, name):
    for w, h in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": w, "height": h})
        page.screenshot(path=SHOTS.format(name, w), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_s3_supervisor_scores_a_sampled_ticket_and_opens_a_rectification(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    # the demo hall's history: last month's tickets and cases to sample and appraise
    with demo_environment(tmp_path, history_days=35) as env, server(env) as base:
        page = signed_in(browser, base, "zhengyu")
        page.click("#nav-quality")
        expect(page.locator("h1")).to_contain_text("质检")
        page.click("#sample-month")
        expect(page.locator(".messages")).to_contain_text("已抽取")
        rows = page.locator("#checks-table tr[data-status=to_score]")
        assert rows.count() >= 2  # three tickets of each clerk by the per-clerk rule
        _shoot(page, "list")
        ticket_row = page.locator("#checks-table tr[data-status=to_score]", has_text="号票").first
        ticket_row.locator("a").click()
        expect(page.locator("#fact-number")).to_be_visible()

        # a score above the maximum: refused beside the item, what was typed kept
        for code, v in (
            ("language", "8"),
            ("first_contact", "10"),
            ("timeliness", "12"),
            ("resolution", "9"),
            ("records", "6"),
        ):
            page.fill(f"#score-{code}", v)
        page.evaluate("document.getElementById('score-timeliness').removeAttribute('max')")
        page.click("#save-scores")
        expect(page.locator("tr[data-item=timeliness] .field-error")).to_contain_text("时限")
        expect(page.locator("#score-language")).to_have_value("8")
        page.fill("#score-timeliness", "7")
        page.fill("#comments", "服务用语不够规范，办理记录欠完整")
        page.click("#save-scores")
        # 20×0.8 + 20×1 + 20×0.7 + 25×0.9 + 15×0.6 = 16 + 20 + 14 + 22.5 + 9 = 81.5
        expect(page.locator("#check-total")).to_have_text("81.5%")
        expect(page.locator("#check-status")).to_contain_text("已评分")

        page.select_option("#rectify-item", "language")
        page.fill("#rectify-finding", "重新学习服务用语规范，一周内完成考试")
        page.click("#open-rectification")
        row = page.locator("#rectification-table tr[data-number^=ZG]")
        expect(row).to_contain_text("待整改")
        expect(row).to_contain_text("重新学习服务用语规范")
        _shoot(page, "check")
        check_url = page.url
        case_url = base + row.locator("a").get_attribute("href")
        owner = {"李强": "liqiang", "王芳": "wangfang"}[row.locator("td").nth(3).inner_text()]

        # the owner submits the evidence on the case page; verification is not offered to them
        clerk = signed_in(browser, base, owner)
        clerk.goto(case_url)
        expect(clerk.locator("#case-status")).to_contain_text("待整改")
        expect(clerk.locator("#verify")).to_have_count(0)
        clerk.fill("#submit_evidence textarea[name=resolution]", "已参加服务用语培训，考试 95 分")
        clerk.click("#do-submit_evidence")
        expect(clerk.locator("#case-status")).to_contain_text("已提交整改证明")

        # quality verifies and closes it; the check page shows it closed
        page.goto(case_url)
        page.fill("#verify textarea[name=note]", "整改到位")
        page.click("#do-verify")
        expect(page.locator("#case-status")).to_contain_text("已验证关闭")
        page.goto(check_url)
        expect(page.locator("#rectification-table tr[data-number^=ZG]")).to_contain_text(
            "已验证关闭"
        )

        # the hall manager's appraisal: the chart drawn from our own static files
        manager = signed_in(browser, base, "chenjing")
        manager.click("#nav-appraisal")
        expect(manager.locator("h1")).to_contain_text("绩效考核")
        last = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        manager.goto(f"{base}/quality/appraisal?month={last}")
        expect(manager.locator("#appraisal-table tr[data-staff=wangfang]")).to_have_count(1)
        expect(manager.locator("#chart-appraisal canvas")).to_have_count(1)
        _shoot(manager, "appraisal")

        mine = signed_in(browser, base, owner)
        mine.click("#nav-quality-mine")
        mine.goto(f"{base}/quality/mine?month={last}")
        expect(mine.locator("h1")).to_contain_text("我的质检")
        expect(mine.locator("#my-checks-table")).to_contain_text("服务用语不够规范")
        _shoot(mine, "mine")
