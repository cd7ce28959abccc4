"""Q1/Q4: the board shows today's opening hours, whether ticketing follows them or a manager
has overridden them, and today's tickets not served at closing — in words, in both languages."""

from datetime import datetime, time

import pytest
import time_machine
from django.utils import timezone

from servicehall.org.models import OpeningHours
from servicehall.queueing import services
from tests.web.test_pages import as_user, english, text

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def test_q4_board_shows_todays_hours_schedule_and_override(hall, manager, device):
    for d in range(7):
        OpeningHours.objects.create(hall=hall, weekday=d, opens=time(8, 30), closes=time(18))
    c = as_user(manager)
    with time_machine.travel(local(2026, 11, 23, 10), tick=False):
        services.apply_opening_hours()
        services.issue_ticket(device, hall, "payment")
        body = text(c.get("/board/test-hall/"))
        assert "今日营业时间: 08:30–18:00" in body and "按营业时间 · 18:00 停止取号" in body
        c.post("/board/test-hall/open", {"open": "0"})
        body = text(c.get("/board/test-hall/partial"))
        assert "经理手动调整，至 18:00 恢复按营业时间" in body
        body = text(english(c).get("/board/test-hall/partial"))
        assert "Manager override until 18:00" in body and "Today's hours: 08:30–18:00" in body
    with time_machine.travel(local(2026, 11, 23, 18, 1), tick=False):
        services.apply_opening_hours()
        body = text(as_user(manager).get("/board/test-hall/partial"))
        assert '<span class="v" id="not-served">1</span>' in body and "闭厅未办理" in body
        assert "按营业时间 · 11-24 08:30 开始取号" in body
        assert "not_served" not in body.replace('id="not-served"', "")


def test_q4_board_of_a_hall_without_hours_says_it_is_manual(hall, manager):
    body = text(as_user(manager).get("/board/test-hall/"))
    assert "未设营业时间：由经理手动开关取号" in body
