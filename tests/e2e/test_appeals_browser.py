"""The 16:00 scene in a real Chromium against a real server (P2, P3): the complaint desk
registers an appeal from the provincial appeal centre (通管局申诉中心) about the demo customer's
complaint of last month — a missing reference is refused beside its field, the complaint is
found by the customer's number and linked —, the appeal's page shows its deadlines with the
materials date first, the complaint's page links back, and the liability is decided: refused
without a reason, then recorded as company liability with its sub-reason, within the deadline;
and the hall manager's monthly report counts it (P3, L6): by source, and as a company-liability
event with its sub-reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

PHONE = "13900000009"  # the demo's customer of last month's complaint (demo.APPEAL_PHONE)


def test_p2_p3_register_an_appeal_linked_to_last_months_complaint_and_decide(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        desk = signed_in(browser, base, "sunli")
        desk.click("#nav-appeals")
        # the demo's appeal of today is listed, not yet decided
        expect(desk.locator("#appeal-list")).to_contain_text("TGJ-SS-20261201-0417")
        desk.click("#new-appeal")

        today = timezone.localdate()
        desk.select_option("#appeal-source", "provincial_centre")
        desk.fill("#appeal-received", today.isoformat())
        desk.fill("#appeal-materials", (today + timedelta(days=2)).isoformat())
        desk.fill("#appeal-phone", PHONE)
        desk.click("#appeal-find")
        complaint = desk.locator("#appeal-complaints input[name=complaints]").first
        number = complaint.get_attribute("data-number")
        assert number.startswith("TS")
        complaint.check()
        desk.fill("#appeal-matter-on", (today - timedelta(days=25)).isoformat())
        desk.check("#appeal-billing")
        desk.fill("#appeal-matter", "客户再次申诉：提速包扣费但未提速，要求退费")
        desk.click("#register-appeal")
        # no reference number: refused beside the field, what was typed kept
        expect(desk.locator(".field-error[data-field=reference]")).to_contain_text("申诉单号")
        expect(desk.locator("#appeal-phone")).to_have_value(PHONE)
        expect(desk.locator(f"#appeal-complaints input[data-number='{number}']")).to_be_checked()
        desk.fill("#appeal-reference", "TGJ-E2E-0001")
        desk.click("#register-appeal")

        expect(desk.locator("#case-status")).to_have_text("已登记")
        expect(desk.locator("#desk")).to_have_text("投诉专席")  # appeals go to the complaint desk
        expect(desk.locator("#case h1")).to_contain_text("SS")
        expect(desk.locator("#deadline-materials")).to_contain_text("2天")
        expect(desk.locator("#appeal-deadlines li").first).to_have_id("deadline-materials")
        expect(desk.locator("#appeal-linked")).to_contain_text(number)
        appeal_url = desk.url.split("#")[0]
        appeal_number = desk.locator("#case").get_attribute("data-number")

        # the complaint's page links back to the appeal
        desk.locator(f"#appeal-linked a[data-number='{number}']").click()
        expect(desk.locator("#linked-appeals")).to_contain_text(appeal_number)
        desk.goto(appeal_url)

        desk.click("#do-investigate")
        expect(desk.locator("#case-status")).to_have_text("核查取证")
        desk.check("#liability-company")
        desk.select_option("#company-fault", "stalling")
        desk.fill("#liability-evidence", "11月21日投诉工单及三次来电录音")
        desk.click("#do-decide-appeal")
        expect(desk.locator("#appeal-decide [data-tags*='field-reason']")).to_contain_text(
            "定责理由"
        )
        expect(desk.locator("#case-status")).to_have_text("核查取证")
        # what was typed comes back: the choice, the sub-reason, the evidence
        expect(desk.locator("#liability-company")).to_be_checked()
        expect(desk.locator("#company-fault")).to_have_value("stalling")
        expect(desk.locator("#liability-evidence")).to_have_value("11月21日投诉工单及三次来电录音")
        desk.fill("#liability-reason", "客户三次来电均未在承诺时间内答复")
        desk.click("#do-decide-appeal")
        expect(desk.locator("#case-status")).to_have_text("已定责")
        decision = desk.locator("#appeal-decision")
        expect(decision).to_contain_text("企业责任")
        expect(decision).to_contain_text("搪塞推诿")
        expect(decision).to_contain_text("期限内定责")
        expect(decision).to_contain_text("孙丽")

        desk.click("#nav-appeals")
        desk.select_option("#filter-state", "decided")
        desk.click("#appeal-filters button")
        expect(desk.locator(f"#appeal-list tr[data-number='{appeal_number}']")).to_contain_text(
            "企业责任"
        )

        # counted in the monthly report: the demo's appeal of today and this one, both from
        # the provincial centre, in the hall of the complaint they are about
        manager = signed_in(browser, base, "chenjing")
        manager.goto(f"{base}/reports/complaints")
        expect(manager.locator("#source-list")).to_contain_text("通管局申诉中心 2")
        expect(manager.locator("#liability-list")).to_contain_text("搪塞推诿: 1")
        expect(manager.locator("#appeal-table tbody tr").first.locator("td").nth(3)).to_have_text(
            "1"
        )
