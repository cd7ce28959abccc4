"""The 11:00 scene in a real Chromium against a real server (Q3, Q4, S4): two clerks are signed
in — 王芳 at 3号窗口 (缴费, 咨询) and 李强 at 2号窗口 (业务, 销售) —, six customers have taken 缴费
tickets and the first two have waited 20 minutes. The hall manager's board shows the two
standard tickets past 15 minutes and says the 缴费 line has one counter open and needs two: open
one more. The manager opens 缴费 at 2号窗口 from the board; the board then says two open, two
needed, and 李强's next call is the customer who has waited longest. The same board on a phone."""

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401 (fixture)
from tests.servers import cli, demo_environment, server

pytestmark = pytest.mark.e2e

AGE_FIRST_TWO = (
    "from datetime import timedelta\n"
    "from django.utils import timezone\n"
    "from servicehall.queueing.models import Ticket\n"
    "first = Ticket.objects.filter(status='waiting', service_type__code='payment')"
    ".order_by('arrival_at').values_list('pk', flat=True)[:2]\n"
    "Ticket.objects.filter(pk__in=list(first))"
    ".update(arrival_at=timezone.now() - timedelta(minutes=20))\n"
)


def at_counter(browser, base, username, counter):  # noqa: F811
    from playwright.sync_api import expect

    page = signed_in(browser, base, username)
    page.goto(base + "/workbench/")
    page.click(f"button[data-counter='{counter}']")
    expect(page.locator("#counter-name")).to_have_text(counter)
    return page


def test_q3_s4_scene_1100_the_board_asks_for_a_second_payment_counter(browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with demo_environment(tmp_path) as env, server(env) as base:
        at_counter(browser, base, "wangfang", "3号窗口")
        li = at_counter(browser, base, "liqiang", "2号窗口")

        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        numbers = []
        for _ in range(6):
            kiosk.click("button.service-btn[value=payment]")
            numbers.append(kiosk.locator("#ticket").get_attribute("data-number"))
            kiosk.click("#again")
        cli(env, "manage", "shell", "-c", AGE_FIRST_TWO)

        board = signed_in(browser, base, "chenjing")
        board.set_viewport_size({"width": 1366, "height": 768})
        board.goto(base + "/board/chengdong/")
        overdue = board.locator("#overdue .overdue-row")
        expect(overdue).to_have_count(2)
        expect(overdue.first).to_contain_text(numbers[0])
        line = board.locator(".bar-row[data-type=payment]")
        expect(line.locator(".counters-needed")).to_contain_text("开放窗口 1 个，需 2 个")
        expect(line.locator(".counters-needed")).to_contain_text("需再开 1 个")
        expect(board.locator("#counters-short")).to_have_text("1")
        board.screenshot(path=str(tmp_path / "board-1100.png"), full_page=True)

        form = line.locator("form.open-line")
        expect(form.locator("select option")).to_have_text(["2号窗口"])
        form.locator("button").click()
        expect(board.locator(".messages")).to_contain_text("2号窗口已开通此业务")
        line = board.locator(".bar-row[data-type=payment]")
        expect(line.locator(".counters-needed")).to_contain_text("开放窗口 2 个，需 2 个")
        expect(line.locator("form.open-line")).to_have_count(0)
        expect(board.locator("#counters-short")).to_have_text("0")

        # 2号窗口 now calls the 缴费 line: the customer who has waited longest first
        li.click("#call-next")
        expect(li.locator("#current .ticket-number")).to_have_text(numbers[0])

        phone = signed_in(browser, base, "chenjing", is_mobile=True)
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(base + "/board/chengdong/")
        expect(phone.locator(".bar-row[data-type=payment] .counters-needed")).to_be_visible()
        phone.screenshot(path=str(tmp_path / "board-1100-phone.png"), full_page=True)
