"""A staff closure and its quality review in a real Chromium against a real server (C5): the
clerk closes the demo's resolved work order on the customer's word given on a recorded call —
a call time in the future is refused beside the form, the right one closes it — and the quality
supervisor finds it in 待质检的代客确认 on /cases/sla, is refused "not in order" without a
note, records it with one, and the clerk's case page shows the verdict."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

SUBJECT = "上月详单打印缺页"  # the demo's work order resolved and awaiting the customer


def test_c5_staff_closure_by_phone_call_and_quality_review_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/cases/")
        clerk.locator("#case-table tr", has_text=SUBJECT).locator("a").first.click()
        expect(clerk.locator("#case-status")).to_have_text("已解决待确认")
        number = clerk.locator("#case").get_attribute("data-number")
        # No survey link for staff: only that the text went out.
        expect(clerk.locator("#survey-sent")).to_contain_text("已发送满意度回访短信")
        assert "/s/" not in clerk.content()

        # A recorded call: choosing it leaves only the call's time (the code field hides).
        clerk.check("#method-phone_call")
        expect(clerk.locator("#close-code")).to_be_hidden()
        later = timezone.localtime() + timedelta(hours=2)
        clerk.fill("#close-call-at", later.strftime("%Y-%m-%dT%H:%M"))
        clerk.fill("#close-note", "回访电话中客户确认详单已补全")
        clerk.click("#do-close")
        expect(clerk.locator("#close [data-tags*='field-call_at']")).to_contain_text(
            "通话时间不能晚于现在"
        )
        expect(clerk.locator("#case-status")).to_have_text("已解决待确认")
        clerk.check("#method-phone_call")
        clerk.fill("#close-call-at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        clerk.fill("#close-note", "回访电话中客户确认详单已补全")
        clerk.click("#do-close")
        expect(clerk.locator("#case-status")).to_have_text("已关闭")
        expect(clerk.locator("#confirmation")).to_contain_text("录音电话")
        expect(clerk.locator("#confirmation")).to_contain_text("待质检")
        case_url = clerk.url.split("#")[0]

        # Quality: the closure waits in the queue with its method, time and clerk.
        quality = signed_in(browser, base, "zhengyu")
        quality.goto(base + "/cases/sla")
        row = quality.locator(f"#review-queue tr[data-number='{number}']")
        expect(row).to_contain_text("录音电话")
        expect(row).to_contain_text("王芳")
        row.locator("input[value=not_ok]").check()
        row.locator("button").click()
        row = quality.locator(f"#review-queue tr[data-number='{number}']")
        expect(row).to_contain_text("请填写不合格的原因")  # beside the row, nothing recorded
        row.locator("input[value=not_ok]").check()
        row.locator("input[name=note]").fill("未调取到通话录音")
        row.locator("button").click()
        expect(quality.locator(f"#review-queue tr[data-number='{number}']")).to_have_count(0)
        done = quality.locator(f"#reviewed li[data-number='{number}']")
        expect(done).to_contain_text("质检不合格")
        expect(done).to_contain_text("未调取到通话录音")
        expect(quality.locator("#closures-not-ok b")).to_have_text("1")

        clerk.goto(case_url)
        clerk.reload()  # the page was open at #close: load it again, not just scroll
        expect(clerk.locator("#confirmation")).to_contain_text("质检不合格")
        expect(clerk.locator("#timeline li[data-kind=closure_reviewed]")).to_contain_text("郑宇")
