"""The 09:25 scene of "a day in the hall" (REQUIREMENTS.md), end to end in a real Chromium
against a real server (P1, P4, L3, Q5, C5): 林晓 (the demo's invented customer, line
13900000925) arrives angry about her bill and takes a ticket at the kiosk; the hall manager,
greeting, moves her ticket to the quiet area; the complaint desk (孙丽) at the quiet room calls
her and opens a complaint from the ticket; the complaint page shows that her last bill was five
times her usual one (L3: the bill import raised it); the complaint goes through the three
stages in order; on the way the disputed 10-yuan-a-month subscription is verified — the
confirmation came from another number, so it is unauthorised: 30 yuan charged, 60 refunded
(双倍返还) —, the verification report prints on one A4 page, the remedy and its basis come
from the verification, the case is resolved and the satisfaction text goes to her number."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

PHONE = "13900000925"  # the 09:25 customer (demo.SP_LINE)


def test_p1_p4_l3_q5_the_0925_scene_in_the_browser(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        # 09:25 she takes a 缴费 ticket at the kiosk with her number.
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.fill("#phone", PHONE)
        kiosk.click("button.service-btn[value=payment]")
        number = kiosk.locator("#ticket").get_attribute("data-number")

        # The greeter (the hall manager, on the board) moves her ticket to the quiet area.
        board = signed_in(browser, base, "chenjing")
        board.goto(base + "/board/chengdong/")
        row = board.locator(f"#waiting-list tr[data-number='{number}']")
        row.locator("button").click()
        expect(board.locator(f"#waiting-list tr[data-number='{number}']")).to_contain_text("安静区")

        # The complaint desk at the quiet room calls her and opens a complaint from the ticket.
        desk = signed_in(browser, base, "sunli")
        desk.goto(base + "/workbench/")
        desk.click("button[data-counter='安静咨询室']")
        desk.click("#call-next")
        expect(desk.locator("#current .ticket-number")).to_have_text(number)
        expect(desk.locator("#current")).to_contain_text("安静咨询区")
        desk.click("#start")
        desk.click("#record-case")
        expect(desk.locator("#from-ticket")).to_be_visible()
        expect(desk.locator("#kind")).to_have_value("complaint")  # from the quiet area
        desk.select_option("#category", "order-change")  # what it is about: a subscription
        desk.fill(
            "#description", "客户称账单突然暴涨，且每月被扣10元“悦听音乐会员”，从未订购，情绪激动"
        )
        desk.click("#open-case")
        expect(desk.locator("#case-status")).to_have_text("受理")
        case_number = desk.locator("#case").get_attribute("data-number")
        assert case_number.startswith("TS")
        assert PHONE not in desk.content()  # her number is masked on the page (V2)
        # L3: her last bill was more than five times the three before; the import raised it
        expect(desk.locator("#bill-shocks")).to_contain_text("前三月平均的5.4倍")

        # Accept: 倾听, 询问, 安抚, 确认 in that order, her words and what she asks for.
        for step in ("listen", "ask", "calm", "confirm"):
            desk.check(f"#step-{step}")
        desk.fill("#accept-words", "我从来没订过什么音乐会员，凭什么每个月扣我10块！")
        desk.fill("#accept-request", "全额退费并取消这个业务")
        desk.click("#do-accept")
        expect(desk.locator("#case-status")).to_have_text("理解澄清")

        # Understand and clarify: verify the disputed subscription (核查定制关系).
        panel = desk.locator("#subscription")
        expect(panel.locator("#sp-service")).to_contain_text("悦听音乐会员")
        desk.click("#do-verify-subscription")
        result = desk.locator("#sp-results li").first
        expect(result).to_have_attribute("data-authorised", "0")
        expect(result).to_contain_text("确认回复不是从用户本人号码发出的")
        expect(result.locator(".sp-refund")).to_have_text("60.00")
        report = desk.locator(".sp-report-link").first.get_attribute("href")
        desk.check("#cause-company")
        desk.fill("#clarify-explanation", "平台的“确认”回复来自他人号码，不能证明客户本人定制")
        desk.fill("#clarify-policy", "《移动信息业务核查处理指导方案》")
        desk.click("#do-clarify")
        expect(desk.locator("#case-status")).to_have_text("解决处理")

        # The verification report, printed: one A4 page.
        printed = desk.context.new_page()
        printed.goto(base + report)
        expect(printed.locator("h1")).to_have_text("移动信息业务定制关系核查报告")
        expect(printed.locator("#sp-total")).to_have_text("60.00")
        expect(printed.locator("#sp-verifier")).to_have_text("孙丽")
        kinds = printed.locator("#sp-evidence tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.kind)"
        )  # in time order: her order, the platform's request, the reply from another number
        assert kinds[:3] == ["order", "request", "confirm"] and kinds.count("charge") == 3
        pdf = printed.pdf(format="A4", prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one page
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
        assert abs(float(box[1]) - 595) < 2 and abs(float(box[2]) - 842) < 2  # A4 in points
        printed.close()

        # Resolve: the remedy and its basis come from the verification; it holds.
        expect(desk.locator("#resolve-remedy")).to_have_value(re.compile("双倍返还相关费用60.00元"))
        expect(desk.locator("#resolve-basis")).to_have_value(re.compile("双倍返还"))
        desk.check("#holds-yes")
        desk.fill("#resolve-reason", "平台无法提供客户本人的二次确认记录")
        reply = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT16:00")
        desk.fill("#resolve-reply-at", reply)
        desk.click("#do-resolve")
        expect(desk.locator("#case-status")).to_have_text("已解决待确认")
        expect(desk.locator("#resolution")).to_contain_text("投诉成立")
        expect(desk.locator("#resolution")).to_contain_text("60.00元")

        # The closed loop: the satisfaction text goes to her number.
        desk.reload()
        expect(desk.locator("#survey-sent")).to_contain_text("已发送满意度回访短信")
