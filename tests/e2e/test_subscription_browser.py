"""The 09:25 customer's subscription dispute in a real Chromium against the demo (P4, L4): the
complaint desk opens her complaint, verifies the disputed service (核查定制关系), finds it
unauthorised — the confirmation came from another number — with 60 yuan refunded double, sees it
offered as the remedy, and opens the verification report, which prints on one A4 page."""

import re

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def test_p4_l4_the_0925_customer_verification_and_its_a4_report(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        desk = signed_in(browser, base, "sunli")
        desk.goto(base + "/cases/")
        desk.locator("#case-table tr", has_text="增值业务扣费").locator("a").first.click()
        panel = desk.locator("#subscription")
        expect(panel.locator("#sp-service")).to_contain_text("悦听音乐会员")
        assert "13900000925" not in desk.content()  # the line is masked: 139****0925
        desk.click("#do-verify-subscription")
        result = desk.locator("#sp-results li").first
        expect(result).to_have_attribute("data-authorised", "0")
        expect(result.locator(".sp-refund")).to_have_text("60.00")
        expect(result).to_contain_text("确认回复不是从用户本人号码发出的")
        expect(desk.locator("#sp-remedy")).to_contain_text("双倍返还相关费用60.00元")
        expect(desk.locator("#timeline")).to_contain_text("核查定制关系")

        desk.goto(base + desk.locator(".sp-report-link").first.get_attribute("href"))
        expect(desk.locator("h1")).to_have_text("移动信息业务定制关系核查报告")
        kinds = desk.locator("#sp-evidence tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.kind)"
        )
        assert kinds[:3] == ["order", "request", "confirm"] and kinds.count("charge") == 3
        expect(desk.locator("#sp-total")).to_have_text("60.00")
        expect(desk.locator("#sp-verifier")).to_have_text("孙丽")
        pdf = desk.pdf(format="A4", prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
        assert abs(float(box[1]) - 595) < 2 and abs(float(box[2]) - 842) < 2  # A4 in points
