"""The hotline dashboard in a real Chromium against the demo server (S2, L6): the hall manager
finds it empty, with how to import; the ACD's file is imported with `servicehall import-calls`
as an operator runs it (and, by the administrator, on the imports page); the dashboard then draws its half-hour chart (ECharts from our own
static files: a canvas), its tiles red below target, the custom period's fields appear when
chosen, and the Excel export downloads with every table. Screenshots at 1366×768 and on a
phone (390×844)."""

from io import BytesIO

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.hotline.test_s2_hotline_import import HEADER, ROWS, row, write
from tests.servers import cli, demo_environment, server

pytestmark = pytest.mark.e2e


def test_s2_l6_import_calls_then_the_dashboard_draws_and_exports(browser, tmp_path):  # noqa: F811
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        page = signed_in(browser, base, "chenjing")
        page.click("#nav-hotline")
        expect(page.locator("h1")).to_contain_text("热线看板")
        expect(page.locator("#hotline-empty")).to_contain_text("servicehall import-calls")

        summary = cli(env, "import-calls", str(write(tmp_path, ROWS)))
        assert summary.startswith("读取 11 行，来电 9：新增 9")

        page.goto(base + "/reports/hotline?period=week&date=2026-03-04")
        expect(page.locator("#chart-interval canvas")).to_have_count(1)
        expect(page.locator("#chart-interval")).to_have_attribute("data-drawn", "1")
        expect(page.locator("#t-sl20")).to_have_text("66.7%")
        expect(page.locator("#t-sl20-tile")).to_have_class("tile bad")
        expect(page.locator("#agent-table tbody tr")).to_have_count(2)
        # from–to: its two dates shown only once chosen
        expect(page.locator("#period-from")).to_be_hidden()
        page.select_option("#period-kind", "custom")
        expect(page.locator("#period-from")).to_be_visible()
        page.fill("#period-from", "2026-02-24")
        page.fill("#period-to", "2026-03-02")
        page.click("#report-pick button")
        expect(page.locator("#t-offered")).to_have_text("9")
        expect(page.locator("#period-span")).to_contain_text("2026-02-24 – 2026-03-02")
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=str(tmp_path / "hotline-1366.png"), full_page=True)

        with page.expect_download() as download:
            page.click("#export-xlsx")
        assert download.value.suggested_filename == "hotline-20260224-20260302.xlsx"
        wb = load_workbook(BytesIO(open(download.value.path(), "rb").read()))
        assert wb.sheetnames == ["汇总", "按时段", "按坐席", "按优先级", "按队列"]

        phone = page
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(base + "/reports/hotline?period=week&date=2026-03-04")
        expect(phone.locator("#chart-interval canvas")).to_have_count(1)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing wider than the phone but the tables' own scroll
        phone.screenshot(path=str(tmp_path / "hotline-390.png"), full_page=True)

        # the administrator uploads a file on the imports page; its job links to the dashboard
        admin = signed_in(browser, base, "admin")
        admin.goto(base + "/imports/")
        more = row(0, "IN", "2026-03-03", "11:00:00", 4, "AGENT", "11:00:04", 20, "ROTH")
        admin.set_input_files(
            "#import-calls input[type=file]",
            files=[
                {
                    "name": "calls.csv",
                    "mimeType": "text/csv",
                    "buffer": "\n".join([HEADER, ROWS[0], more]).encode(),
                }
            ],
        )
        admin.click("#import-calls button")
        expect(admin.locator("#job-result")).to_be_visible(timeout=30_000)
        expect(admin.locator("#calls-added")).to_have_text("1")
        expect(admin.locator("#calls-already")).to_have_text("1")
        admin.click("#go-hotline")
        admin.goto(base + "/reports/hotline?period=week&date=2026-03-04")
        expect(admin.locator("#t-offered")).to_have_text("9")
        expect(admin.locator("#chart-interval canvas")).to_have_count(1)
