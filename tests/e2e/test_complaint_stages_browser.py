"""A complaint through its three stages on the case page, in a real Chromium against a real
server (P1): the complaint desk (孙丽) opens it from the intake page and it lands at her desk;
the four steps ticked out of order are refused beside the form with what was typed kept; in
order they are accepted; the causes and a knowledge-base article are recorded; a note with a
phrase the handbook forbids is refused; the resolve stage with its basis and reply time resolves
it and the satisfaction text goes out (the shared closed loop). The script panel shows the
handbook's four techniques."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.demo import demo_phone
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


def test_p1_a_complaint_through_the_three_stages_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        desk = signed_in(browser, base, "sunli")
        desk.goto(base + "/cases/new")
        desk.select_option("#kind", "complaint")
        desk.select_option("#channel", "walk_in")
        desk.select_option("#category", "broadband-speed")  # what it is about
        desk.fill("#phone", demo_phone(20))
        desk.fill("#description", "客户称宽带提速承诺未兑现，每晚八点后网速不足50M")
        desk.click("#open-case")
        expect(desk.locator("#case-status")).to_have_text("受理")
        assert desk.locator("#case").get_attribute("data-number").startswith("TS")
        expect(desk.locator("#desk")).to_have_text("投诉专席")  # landed at the complaint desk
        panel = desk.locator("#complaint-scripts")
        expect(panel.locator("#complaint-script")).to_contain_text("我非常理解您现在的心情")
        for name in ("重复法", "暗示法", "以退为进法", "转移法"):
            expect(panel.locator("#complaint-techniques")).to_contain_text(name)

        # Accept: 安抚 ticked before 询问 — refused, the words typed kept.
        for step in ("listen", "calm", "ask", "confirm"):
            desk.check(f"#step-{step}")
        desk.fill("#accept-words", "说好的提速到300M，晚上连50M都不到！")
        desk.fill("#accept-request", "兑现提速或退还提速费")
        desk.click("#do-accept")
        expect(desk.locator("#accept .msg")).to_contain_text("顺序不能颠倒")
        expect(desk.locator("#accept-words")).to_have_value("说好的提速到300M，晚上连50M都不到！")
        expect(desk.locator("#case-status")).to_have_text("受理")
        expect(desk.locator("#step-calm")).not_to_be_checked()  # to be ticked again, in order
        for step in ("listen", "ask", "calm", "confirm"):
            desk.check(f"#step-{step}")
        expect(desk.locator("#accept .order-shown")).to_contain_text("倾听 → 2 询问 → 3 安抚")
        desk.click("#do-accept")
        expect(desk.locator("#case-status")).to_have_text("理解澄清")
        expect(desk.locator("#rec-words")).to_contain_text("连50M都不到")

        # A note telling the customer to go to the consumer association is refused.
        desk.fill("#comment textarea[name=note]", "跟客户说了：不满意你去消协告我")
        desk.click("#do-comment")
        expect(desk.locator("#comment .msg, .msg[data-tags*=form-comment]").first).to_contain_text(
            "禁语"
        )
        expect(desk.locator("#timeline li[data-kind=commented]")).to_have_count(0)

        # Clarify: objective causes, then the company's; the basis is a published article.
        desk.check("#cause-company")
        desk.check("#cause-objective")
        desk.click("#do-clarify")  # company before objective: refused
        expect(desk.locator("#clarify .msg")).to_contain_text(
            "客户方原因→客观原因→双方原因→公司原因"
        )
        # the boxes come back unticked, to be ticked again in order; the texts are kept
        expect(desk.locator("#cause-company")).not_to_be_checked()
        desk.check("#cause-objective")
        desk.check("#cause-company")
        desk.fill("#clarify-explanation", "提速以端口实测为准，晚高峰拥塞属于公司扩容不及时")
        desk.select_option("#clarify-article", index=1)
        desk.click("#do-clarify")
        expect(desk.locator("#case-status")).to_have_text("解决处理")
        expect(desk.locator("#rec-causes")).to_have_text("客观原因 → 公司原因")

        # Resolve: holds, remedy, basis, the reply time told to the customer.
        desk.check("#holds-yes")
        desk.fill("#resolve-reason", "端口实测晚高峰低于承诺速率")
        desk.fill("#resolve-remedy", "三日内完成扩容，当月提速费全额退还")
        desk.fill("#resolve-basis", "《宽带提速服务承诺》第二条")
        reply = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
        desk.fill("#resolve-reply-at", reply)
        desk.click("#do-resolve")
        expect(desk.locator("#case-status")).to_have_text("已解决待确认")
        expect(desk.locator("#resolution")).to_contain_text("投诉成立")
        expect(desk.locator("#resolution")).to_contain_text("依据：《宽带提速服务承诺》第二条")
        expect(desk.locator("#promised")).to_contain_text("10:00")
        desk.reload()
        expect(desk.locator("#survey-sent")).to_contain_text("已发送满意度回访短信")
        expect(desk.locator("#owner")).to_have_text("孙丽")
