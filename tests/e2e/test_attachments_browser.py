"""Attachments on the case page in a real Chromium against a real server (P1, V2): the clerk
uploads a screenshot (a PNG) to the demo's plan-change work order, sees it listed with its
kind, size and name, downloads it — the same bytes come back, as a download — and the upload
is on the timeline; a web page named .png is refused beside the form, in Chinese."""

import pytest

from tests.cases.test_attachments import HTML, png
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

SUBJECT = "套餐变更未生效"  # the demo's work order of liqiang's, with two attachments


def test_p1_upload_a_png_on_the_case_page_and_download_it(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    image = png(64, 32)
    with demo_environment(tmp_path) as env, server(env) as base:
        clerk = signed_in(browser, base, "liqiang")
        clerk.goto(base + "/cases/")
        clerk.locator("#case-table tr", has_text=SUBJECT).locator("a").first.click()
        rows = clerk.locator("#attachment-list li")
        expect(rows).to_have_count(2)  # the demo's screenshot and signed form

        clerk.set_input_files(
            "#attachment-file",
            files=[{"name": "宽带测速截图.png", "mimeType": "image/png", "buffer": image}],
        )
        clerk.select_option("#attachment-kind", "screenshot")
        clerk.fill("#attachment-note", "客户手机上的测速结果")
        clerk.click("#do-attachment-upload")
        row = clerk.locator("#attachment-list li", has_text="宽带测速截图.png")
        expect(row).to_contain_text("截图")
        expect(row).to_contain_text(f"{len(image)} B")
        expect(row).to_contain_text("客户手机上的测速结果")
        expect(clerk.locator("#attachments [data-tags*='form-attachments']")).to_contain_text(
            "已上传“宽带测速截图.png”"
        )
        expect(clerk.locator("#timeline li[data-kind=attachment_added]").last).to_contain_text(
            "宽带测速截图.png"
        )

        with clerk.expect_download() as download:
            row.locator("a.att-name").click()
        assert download.value.suggested_filename == "宽带测速截图.png"
        assert open(download.value.path(), "rb").read() == image

        # a web page dressed as a picture: refused beside the form, nothing listed
        clerk.set_input_files(
            "#attachment-file",
            files=[{"name": "账单.png", "mimeType": "image/png", "buffer": HTML}],
        )
        clerk.click("#do-attachment-upload")
        expect(clerk.locator("#attachments [data-tags*='field-file']")).to_contain_text(
            "文件内容与扩展名不符"
        )
        expect(clerk.locator("#attachment-list li")).to_have_count(3)
