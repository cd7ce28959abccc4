"""Imports from a page in a real Chromium against a real server (V4, L3): the care desk (周杰,
zhoujie) uploads a month's bills with two bad cells — the upload shows the bytes sent (the
upload is throttled so the bar can be seen), the job page its progress, then the error table
names both cells in Chinese and nothing is imported. Then a good file with one abnormal bill:
the job page follows the import live to done and links the one bill-shock case it opened.
The server runs two processes; `servicehall demo` (one) is the simpler case."""

import re

import pytest

from servicehall.demo import demo_phone
from servicehall.testing import server_process
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401 (fixture)
from tests.servers import demo_environment

pytestmark = pytest.mark.e2e

CUSTOMER = demo_phone(1)  # a demo customer: a bill-shock case is opened on the customer
FILLER = "".join(f"137{i:08d},2026-09,{i % 200}.50\n" for i in range(20_000))  # no history
# the first 100 lines again for another month (the same line and month twice is a bad row)
HEAD = "".join(FILLER.splitlines(keepends=True)[:100]).replace(",2026-09,", ",2026-07,")
BAD = f"号码,月份,金额\n{HEAD}{CUSTOMER},2026-13,58.00\n{CUSTOMER},2026-08,abc\n{FILLER}"
HISTORY = "".join(f"{CUSTOMER},2024-{m:02d},60.00\n" for m in (1, 2, 3))
GOOD = f"号码,月份,金额\n{HISTORY}{CUSTOMER},2024-04,480.00\n{FILLER}{FILLER.replace(',2026-09,', ',2026-08,')}"


def upload(page, name: str, text: str, throttle: bool = False) -> None:
    page.goto(page.url.split("/imports/")[0] + "/imports/")
    cdp = page.context.new_cdp_session(page)
    if throttle:  # ~1 MB at 300 KB/s: the bar of the bytes sent is seen moving
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 10,
                "downloadThroughput": -1,
                "uploadThroughput": 300_000,
            },
        )
    page.set_input_files(
        "#import-bills input[type=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}],
    )
    page.click("#import-bills button")
    if throttle:
        page.wait_for_function(
            "Number(document.querySelector('#import-bills .upload-progress .bar')"
            ".getAttribute('aria-valuenow')) > 0"
        )
        assert page.locator("#import-bills .upload-pct").inner_text().endswith("%")
    page.wait_for_url(re.compile(r".*/imports/\d+/$"), timeout=30_000)
    if throttle:
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def test_v4_l3_care_desk_imports_bills_from_the_page(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    # two server processes, as `servicehall serve --workers 2`: the job runs in the process that
    # took the upload; the page's polls reach either
    with demo_environment(tmp_path) as env, server_process(env, workers=2) as base:
        page = signed_in(browser, base, "zhoujie")
        page.goto(base + "/imports/")
        expect(page.locator("#nav-imports")).to_have_attribute("aria-current", "page")
        expect(page.locator("#import-bills h2")).to_have_text("月度账单")
        expect(page.locator("#import-catalogue")).to_have_count(0)  # not the care desk's

        upload(page, "十月账单.csv", BAD, throttle=True)
        expect(page.locator("#job-progress .bar")).to_be_visible()
        table = page.locator("#error-table")
        expect(table).to_be_visible(timeout=30_000)
        expect(page.locator("#job-label")).to_have_text("未导入")
        expect(page.locator("#job-failed .field-error")).to_contain_text("文件中共有 2 处错误")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(2)
        line = 102  # the header, then 100 good lines
        expect(rows.nth(0)).to_contain_text(str(line))
        expect(rows.nth(0)).to_contain_text("月份")
        expect(rows.nth(0)).to_contain_text("2026-13")
        expect(rows.nth(0)).to_contain_text("月份应为 2026-10 或 202610")
        expect(rows.nth(1)).to_contain_text(str(line + 1))
        expect(rows.nth(1)).to_contain_text("金额")
        expect(rows.nth(1)).to_contain_text("abc")
        expect(rows.nth(1)).to_contain_text("应为0至99999999.99之间的金额")

        upload(page, "十月账单-改.csv", GOOD)
        first = page.locator("#job").get_attribute("data-status")
        assert first in ("queued", "checking", "writing"), first  # then followed live
        result = page.locator("#job-result")
        expect(result).to_be_visible(timeout=60_000)
        expect(page.locator("#job-label")).to_have_text("已导入")
        expect(result).to_contain_text("已导入 40004 条账单")
        links = page.locator(".case-links a")
        expect(links).to_have_count(1)
        links.first.click()
        expect(page.locator("body")).to_contain_text("账单异常")
