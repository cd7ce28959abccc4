"""The appointment book in a real Chromium against a real server (Q3): a clerk books
13900000011 for tomorrow 10:00 on the page, moves it to 10:30, cancels another customer's
appointment after confirming, and the list shows each state in words; a refused booking
shows its reason beside the phone field; the kiosk check-in of a booked appointment still
works (the demo's gold-card customer, due in 20 minutes)."""

from datetime import timedelta

import pytest

from servicehall.customers.models import Tier
from servicehall.demo import TIERS, demo_phone
from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e

GOLD_PHONE = demo_phone(TIERS.index(Tier.GOLD) + 1)  # booked 20 minutes from now by the demo


def test_q3_appointments_in_the_browser(browser, tmp_path):  # noqa: F811
    from django.utils import timezone
    from playwright.sync_api import expect

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with demo_environment(tmp_path) as env, server(env) as base:
        clerk = signed_in(browser, base, "wangfang")
        clerk.goto(base + "/workbench/")
        clerk.click("#nav-appointments")
        expect(clerk.locator("h1")).to_contain_text("预约管理")
        clerk.click("#next-day")
        expect(clerk.locator("#appointment-book")).to_have_attribute("data-day", tomorrow)

        # Book 13900000011 tomorrow 10:00 (the demo has two there already: 2 places left).
        expect(clerk.locator("#book-time option[value='10:00']")).to_contain_text("余 2 个")
        clerk.fill("#book-phone", "13900000011")
        clerk.select_option("#book-service-type", "business")
        clerk.select_option("#book-time", "10:00")
        clerk.click("#book")
        row = clerk.locator("tr[data-phone='139****0011']")
        expect(row).to_have_attribute("data-status", "booked")
        expect(row).to_have_attribute("data-time", "10:00")
        expect(row).to_contain_text("已预约")
        expect(clerk.locator("#slots li[data-at='10:00']")).to_contain_text("3/4")

        # A second one the same day is refused beside the phone field, naming the time.
        clerk.fill("#book-phone", "13900000011")
        clerk.select_option("#book-time", "15:00")
        clerk.click("#book")
        error = clerk.locator(".field-error[data-field='phone']")
        expect(error).to_contain_text("该客户当天已有预约")
        expect(error).to_contain_text("10:00")
        expect(clerk.locator("#book-phone")).to_have_value("13900000011")

        # Move it to 10:30.
        row.locator("details.appt-move summary").click()
        row.locator("details.appt-move select[name=time]").select_option("10:30")
        row.locator("details.appt-move button").click()
        row = clerk.locator("tr[data-phone='139****0011']")
        expect(row).to_have_attribute("data-time", "10:30")
        expect(row).to_contain_text("已改约")
        expect(row.locator(".msg.success")).to_contain_text("已改约至")

        # Cancel another customer's 09:30 appointment, after the confirmation.
        other = clerk.locator("tr[data-time='09:30']")
        other.locator("details.appt-cancel summary").click()
        expect(other.locator("details.appt-cancel")).to_contain_text("确认取消 09:30 的预约")
        other.locator("input[name=reason]").fill("客户来电取消")
        other.locator("details.appt-cancel button").click()
        other = clerk.locator("tr[data-time='09:30']")
        expect(other).to_have_attribute("data-status", "cancelled")
        expect(other).to_contain_text("已取消")
        expect(other).to_contain_text("客户来电取消")
        expect(other.locator("details")).to_have_count(0)  # nothing more to do with it
        expect(clerk.locator("#day-counts")).to_contain_text("已取消 2")

        # The kiosk check-in of today's booked appointment still works, and the book shows it.
        kiosk = signed_in(browser, base, "kiosk")
        kiosk.goto(base + "/kiosk/chengdong/")
        kiosk.fill("#phone", GOLD_PHONE)
        kiosk.click("button.service-btn.appt")
        expect(kiosk.locator("#ticket")).to_be_visible()
        number = kiosk.locator("#ticket").get_attribute("data-number")
        # the demo booked it 20 minutes after loading: the day of that slot (just before
        # midnight in Shanghai it is tomorrow's), not necessarily today's page
        slot_day = (timezone.localtime() + timedelta(minutes=20)).date()
        clerk.goto(f"{base}/appointments/?day={slot_day:%Y-%m-%d}")
        gold = clerk.locator(f"tr[data-phone='{GOLD_PHONE[:3]}****{GOLD_PHONE[-4:]}']")
        expect(gold).to_have_attribute("data-status", "checked_in")
        expect(gold).to_contain_text("已签到")
        expect(gold).to_contain_text(number)
