"""The 15:00 scene in a real Chromium against a real server (R1–R3, M2): a customer wants to
leave. The clerk opens retention for him and records the reason, how he was verified, his needs,
where he is going and a second number; the first level fails and the case is at the care desk at
once; the care desk offers the plan the recommender computes from his bills, with the saving
shown, and keeps him — the outcome and why are recorded, and the monthly report counts it.
The other ending, from the workbench while serving a ticket: the customer insists on leaving,
and his request is handed on and recorded as honoured, not blocked."""

import re

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

PASSWORD = "135790"  # demo.RETENTION_PASSWORD


def _tile(page, base, tile: str) -> int:
    page.goto(base + "/retention/report/")
    return int(page.locator(f"#{tile}").inner_text())


def _record_details(page, reason: str, competitor: str = "") -> None:
    page.select_option("#reason", reason)
    if competitor:
        page.select_option("#competitor", competitor)
    page.select_option("#method", "password")
    page.fill("#proof", PASSWORD)
    page.fill("#needs", "每月话费一百六七十元太贵，流量也不够用")
    page.fill("#destination", "中国联通，对方送宽带")
    page.fill("#second_phone", "136 1234 5678")


def test_r1_r2_r3_m2_scene_1500_kept_by_the_care_desk_or_left_at_his_insistence(
    browser,  # noqa: F811
    tmp_path,
):
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        manager = signed_in(browser, base, "chenjing")
        retained_before = _tile(manager, base, "t-retained")
        left_before = _tile(manager, base, "t-left")

        # 15:00 the clerk: the customer wants to close his account
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/retention/new")
        clerk.fill("#phone", "13900000020")
        _record_details(clerk, "price")
        clerk.fill("#second_phone", "13900000020")  # his own line is no second number
        clerk.click("#open-retention")
        expect(clerk.locator(".field-error[data-field=second_phone]")).to_contain_text(
            "第二联系方式"
        )
        _record_details(clerk, "price")  # the form kept the rest; the secret is typed again
        # the server's first case page loads the assistant's model: give it time once
        clerk.click("#open-retention", timeout=60_000)
        expect(clerk.locator("#case")).to_have_attribute("data-number", re.compile(r"^WL\d+"))
        number = clerk.locator("#case").get_attribute("data-number")
        expect(clerk.locator("#ret-reason")).to_contain_text("资费价格")
        expect(clerk.locator("#ret-verified")).to_contain_text("服务密码")
        expect(clerk.locator("#ret-second-phone")).to_have_text("136****5678")
        expect(clerk.locator("#ret-destination")).to_contain_text("中国联通")

        # the first level fails: at the care desk at once
        clerk.fill("#ret-note", "客户不接受，坚持要走")
        clerk.click("#do-fail-first")
        expect(clerk.locator("#case")).to_have_attribute("data-status", "second_level")
        expect(clerk.locator("#ret-routed")).to_contain_text("客户关怀专席")
        expect(clerk.locator("#retention-attempt")).to_have_count(0)  # not the clerk's level

        care = signed_in(browser, base, "zhoujie")
        care.goto(base + "/cases/?scope=desk")
        care.click(f"a:has-text('{number}')")
        expect(care.locator("#ret-plan-name")).to_contain_text("智享合约 96元档")
        expect(care.locator("#ret-plan-saving")).to_contain_text("105")
        care.check("#offer-plan")
        care.fill("#ret-why", "按他近三个月实际用量换智享合约96元档，每月省105元，流量够用")
        care.click("#do-retain")
        expect(care.locator("#case")).to_have_attribute("data-status", "retained")
        row = care.locator("#retention-attempts tr[data-level='2']")
        expect(row).to_contain_text("智享合约 96元档")
        expect(row.locator(".ret-saving")).to_contain_text("105.23")
        expect(row).to_contain_text("挽留成功")
        expect(row).to_contain_text("每月省105元")
        expect(care.locator("#retention-attempts tr[data-level='1']")).to_contain_text("转下一级")
        care.context.close()

        assert _tile(manager, base, "t-retained") == retained_before + 1
        expect(manager.locator("#level-table tr[data-route='care']")).to_contain_text("1")

        # the other ending, from the workbench: the customer insists and leaves
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.fill("#phone", "13900000017")
        kiosk.click("button.service-btn[value=business]")
        ticket = kiosk.locator("#ticket").get_attribute("data-number")
        other = signed_in(browser, base, "liqiang")
        other.goto(base + "/workbench/")
        other.click("button[data-counter='2号窗口']")
        other.click("#call-next")
        expect(other.locator("#current .ticket-number")).to_have_text(ticket)
        other.click("#start")
        other.click("#record-retention")
        expect(other.locator("#from-ticket")).to_contain_text(ticket)
        _record_details(other, "competitor", "telecom")
        other.click("#open-retention")
        expect(other.locator("#ret-reason")).to_contain_text("中国电信")
        other.fill("#insist-note", "客户已在对方营业厅办好新号，坚持今天转网")
        other.select_option("#insist-request", "port")
        other.click("#do-insist")
        expect(other.locator("#case")).to_have_attribute("data-status", "left")
        left = other.locator("#retention-left")
        expect(left).to_contain_text(ticket)  # the request handed on: the ticket being served
        expect(left).to_contain_text("未设任何阻拦")
        expect(other.locator("#retention-insist")).to_have_count(0)

        assert _tile(manager, base, "t-left") == left_before + 1
