"""The monthly complaint report in a real Chromium against the demo server (P3, L6): the
hall manager opens /reports/complaints, ECharts (served from our own static files, not a CDN)
draws the charts — a canvas inside each chart element —, a figure's link opens its cases,
and the Excel export downloads. The demo's upgraded complaint shows its first complaint and a
compensation offer above the threshold waits for the manager, who approves it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def test_p3_l6_the_report_draws_its_charts_from_our_static_files(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        page = signed_in(browser, base, "chenjing")
        scripts = []
        page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
        page.click("#nav-complaint-report")
        expect(page.locator("h1")).to_contain_text("投诉月报")
        # ECharts drew: a canvas inside the chart elements
        expect(page.locator("#chart-category canvas")).to_have_count(1)
        expect(page.locator("#chart-day canvas")).to_have_count(1)
        echarts = [u for u in scripts if "echarts" in u]
        assert echarts and all(u.startswith(base + "/static/vendor/echarts/") for u in echarts)
        r = page.request.get(base + "/static/vendor/echarts/echarts.min.js")
        assert r.status == 200 and "echarts" in r.text()[:2000].lower()
        expect(page.locator("#monthly-notice")).to_contain_text("城东营业厅受理投诉")

        # the month of the demo's repeat complaint (opened two days, two hours and five minutes
        # ago, as demo.py's COMPLAINTS place it: in the hall's time, so just after midnight on
        # the 3rd it is last month's): the upgraded complaints' figure opens the cases behind it
        opened = timezone.localtime(timezone.now() - timedelta(days=2, hours=2, minutes=5))
        month = opened.strftime("%Y-%m")
        page.goto(f"{base}/reports/complaints?month={month}")
        upgraded = page.locator("#hall-table tr[data-hall=chengdong] a[data-what=upgraded]")
        n = int(upgraded.inner_text())
        assert n >= 1
        upgraded.click()
        expect(page.locator("#case-table tbody tr")).to_have_count(n)
        expect(page.locator("#case-table")).to_contain_text("增值业务再次扣费")
        page.click("#back-to-report")
        with page.expect_download() as download:
            page.click("#export-xlsx")
        assert download.value.suggested_filename.endswith(".xlsx")

        # the repeat complaint: linked to its first, and an offer of 200 yuan to approve
        page.goto(base + "/cases/?scope=all&kind=complaint&state=all")
        page.locator("#case-table tr", has_text="增值业务再次扣费").locator("a").first.click()
        page.wait_for_url(re.compile(r"/cases/\d+/$"))
        expect(page.locator("#upgrade-of")).to_contain_text("同一客户答复后再次投诉")
        row = page.locator("#offers tr[data-approval=pending]")
        expect(row).to_contain_text("200.00")
        row.locator("button[value=approve]").click()
        expect(page.locator("#offers tr.paid")).to_contain_text("200.00")
        expect(page.locator("#timeline li[data-kind=compensation_approved]")).to_contain_text(
            "陈静"
        )
