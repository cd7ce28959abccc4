"""The 18:00 scene in a real Chromium against a real server (S2): the day's report. A customer
takes a number at the kiosk and 王芳 serves her; at 18:05 the job makes every hall's daily report
(`servicehall reports daily`, what the periodic job runs). The hall manager 陈静 opens 服务报表:
today's waits, service times, satisfaction on the five dimensions, cases, complaints and appeals,
each against its target (green met, red missed), compared with yesterday; ECharts draws the
charts from our own static files; the late tickets' figure opens the tickets behind it; the
Excel export downloads. The day's report is listed as a PDF and an Excel file, and the PDF
downloads. The same report on a phone, nothing wider than the screen."""

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401 (fixture)
from tests.servers import cli, demo_environment, server

pytestmark = pytest.mark.e2e


def test_s2_scene_1800_the_days_report(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path, history_days=7) as env, server(env) as base:
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.click("button.service-btn[value=payment]")
        number = kiosk.locator("#ticket").get_attribute("data-number")
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("button[data-counter='3号窗口']")
        expect(clerk.locator("#counter-name")).to_have_text("3号窗口")
        clerk.click("#call-next")
        expect(clerk.locator("#current")).to_have_attribute("data-number", number)
        clerk.click("#start")
        expect(clerk.locator("#current")).to_have_attribute("data-status", "serving")
        clerk.select_option("#category", "bill-pay")
        clerk.click("#finish")
        expect(clerk.locator("#call-next")).to_be_visible()

        made = cli(env, "reports", "daily")  # what the 18:05 job does
        assert made == '{"reports": 1}'

        page = signed_in(browser, base, "chenjing")
        page.set_viewport_size({"width": 1366, "height": 768})
        page.click("#nav-service-report")
        page.select_option("#report-period", "day")
        page.click("#report-show")
        expect(page.locator("h1")).to_contain_text("服务报表")
        tiles = page.locator("#report-tiles .tile")
        for key in (
            "issued",
            "mean_wait_min",
            "wait_ok_share",
            "vip_wait_ok_share",
            "mean_service_min",
            "satisfaction",
            "complaint_rate",
            "appeals",
        ):
            expect(page.locator(f"#report-tiles .tile[data-key={key}]")).to_have_count(1)
        # every figure with a target is judged: green or red, never neither
        judged = page.locator(
            "#report-tiles .tile[data-key=mean_service_min], "
            "#report-tiles .tile[data-key=satisfaction]"
        )
        for i in range(judged.count()):
            assert set(judged.nth(i).get_attribute("class").split()) & {"ok", "bad"}
        assert int(page.locator(".tile[data-key=issued] b").inner_text()) >= 1
        expect(tiles.first.locator(".before")).to_contain_text("上期")
        expect(page.locator("#dims-table")).to_contain_text("同理度")
        expect(page.locator("#kind-table")).to_be_visible()
        # the week: the charts by day and by hour, and the dimensions, drawn by ECharts
        page.select_option("#report-period", "week")
        page.click("#report-show")
        for chart in ("#chart-day", "#chart-hour", "#chart-dims"):
            expect(page.locator(f"{chart} canvas")).to_have_count(1)
        page.screenshot(path=str(tmp_path / "report-1366.png"), full_page=True)

        late = page.locator("#drill-late")
        late.click()
        expect(page.locator("#report-tickets h1")).to_contain_text("超过等候时限")
        assert page.locator("#ticket-table tbody tr").count() >= 1
        with page.expect_download() as csv_file:
            page.click("#export-csv")
        assert csv_file.value.suggested_filename.endswith(".csv")
        page.click("#back-to-report")
        with page.expect_download() as xlsx:
            page.click("#export-xlsx")
        assert xlsx.value.suggested_filename.endswith(".xlsx")

        page.goto(base + "/reports/documents")
        row = page.locator("#document-table tr[data-kind=daily]").first
        expect(row).to_contain_text("城东营业厅")
        pdf = page.request.get(base + row.locator("a", has_text="PDF").get_attribute("href"))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"

        phone = signed_in(browser, base, "chenjing")
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(base + "/reports/?period=week")
        expect(phone.locator("#chart-day canvas")).to_have_count(1)
        phone.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
        wide = phone.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className)"
            ".slice(0, 8)"
        )
        overflow = phone.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, wide
