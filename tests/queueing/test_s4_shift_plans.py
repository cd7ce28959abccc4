"""S4 (issue 17) — a hall's shift plan: the requirement per half hour from its ticket history
(forecast + Erlang C at the board's service level), the least-cost plan stored per hall and day,
the manager's adjustments (audited), the page, and the board's "planned vs on duty"."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicehall.core.errors import ServiceError
from servicehall.core.models import AuditLog
from servicehall.org.models import OpeningHours, ServiceType
from servicehall.queueing import erlang, selectors, services, shift_plans
from servicehall.queueing.models import ShiftPlan, ShiftTemplate, Ticket
from tests.conftest import client_for
from tests.factories import counter, make_hall, make_staff

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 18)  # a Wednesday, a working day


def tickets(hall, d: date, at: time, n: int, code="payment", minutes=3, priority=0):
    """n tickets arriving at `at` on day d, each called at once and served `minutes`."""
    st = ServiceType.objects.get(code=code)
    start = datetime.combine(d, at, SH)
    Ticket.objects.bulk_create(
        Ticket(
            hall=hall,
            day=d,
            number=f"{at:%H%M}{priority}{i:03d}",  # unique per day, 8 characters
            service_type=st,
            channel="kiosk",
            priority=priority,
            status="done",
            issued_at=start,
            arrival_at=start + timedelta(seconds=i),
            first_called_at=start + timedelta(seconds=i),
            started_at=start + timedelta(seconds=i),
            finished_at=start + timedelta(seconds=i, minutes=minutes),
        )
        for i in range(n)
    )


def hours_0830_1800(hall):
    for wd in range(7):
        OpeningHours.objects.create(hall=hall, weekday=wd, opens=time(8, 30), closes=time(18))


def test_s4_the_requirement_is_erlang_c_on_last_weeks_same_weekday(hall):
    """20 payment tickets (3 minutes each) at 10:00 last Wednesday: this Wednesday 10:00–10:30
    needs the counters Erlang C gives for 80 % called within the 15-minute limit; VIP tickets
    are held to the 10-minute limit and added; an interval without tickets needs none."""
    tickets(hall, DAY - timedelta(days=7), time(10), 20)
    tickets(hall, DAY - timedelta(days=7), time(10), 4, priority=2)
    need = shift_plans.requirement(hall, DAY)
    standard = erlang.erlang_c_agents(20 / 1800, 180, 15 * 60, selectors.CALLED_IN_TIME_SHARE)
    vip = erlang.erlang_c_agents(4 / 1800, 180, 10 * 60, selectors.CALLED_IN_TIME_SHARE)
    assert need["required"][20] == standard + vip
    assert need["required"][19] == 0 and need["required"][21] == 0  # manual hours: no minimum
    assert need["history_days"] == 1 and need["basis"] == "weekday"
    assert need["arrivals"][20] == 24


def test_s4_while_open_at_least_one_counter_outside_hours_none(hall):
    hours_0830_1800(hall)
    tickets(hall, DAY - timedelta(days=7), time(10), 20)
    tickets(hall, DAY - timedelta(days=7), time(19), 5)  # after closing: not planned for
    req = shift_plans.requirement(hall, DAY)["required"]
    assert req[16] == 0 and req[17] == 1  # 08:00 closed, 08:30 open
    assert req[35] == 1 and req[36] == 0  # 17:30 open, 18:00 closed
    assert req[38] == 0
    assert req[20] >= 2


def test_s4_the_lines_are_pooled_with_their_mean_service(hall):
    """6 payment tickets of 3 minutes and 6 business tickets of 9 minutes in one half hour:
    one pool of 12 arrivals, 6 minutes on average — 3 counters, where the two lines apart
    would ask for 4."""
    last_week = DAY - timedelta(days=7)
    tickets(hall, last_week, time(10), 6, code="payment", minutes=3)
    tickets(hall, last_week, time(10, 1), 6, code="business", minutes=9)
    need = shift_plans.requirement(hall, DAY)
    share = selectors.CALLED_IN_TIME_SHARE
    assert need["required"][20] == erlang.erlang_c_agents(12 / 1800, 360, 900, share) == 3
    apart = erlang.erlang_c_agents(6 / 1800, 180, 900, share) + erlang.erlang_c_agents(
        6 / 1800, 540, 900, share
    )
    assert apart == 4 and need["capped_at"] is None


def test_s4_never_more_counters_required_than_the_hall_has(hall):
    """300 tickets in one half hour would need far more than the test hall's 4 counters: the
    requirement stops at 4, and says so."""
    tickets(hall, DAY - timedelta(days=7), time(10), 300)
    need = shift_plans.requirement(hall, DAY)
    assert need["required"][20] == 4 and need["capped_at"] == 4
    assert erlang.erlang_c_agents(300 / 1800, 180, 900, 0.8) > 4


def test_s4_the_default_templates_fit_the_opening_hours(hall):
    hours_0830_1800(hall)
    names = {t["name"]: (t["start"], t["end"]) for t in shift_plans.default_templates(hall)}
    assert names["早班"] == (time(8, 30), time(17))
    assert names["晚班"] == (time(9, 30), time(18))
    assert names["午间半班"] == (time(11), time(15))
    assert names["傍晚半班"] == (time(14), time(18))


def test_s4_the_least_cost_plan_is_stored_audited_and_covers_every_half_hour(hall, manager):
    hours_0830_1800(hall)
    last_week = DAY - timedelta(days=7)
    tickets(hall, last_week, time(9), 6)
    tickets(hall, last_week, time(12), 30)
    tickets(hall, last_week, time(16), 6)
    plan = shift_plans.make_plan(manager, hall, DAY)
    assert plan.source == "optimal" and plan.made_by == manager
    data = shift_plans.view(hall, DAY)
    assert data["short"] == []
    assert all(r["planned"] >= r["required"] for r in data["intervals"])
    assert data["people"] >= 2  # 08:30–18:00 is longer than any one shift
    log = AuditLog.objects.filter(action="shift_plan.make").get()
    assert log.object_id == f"{hall.code}/{DAY}" and log.actor == manager
    again = shift_plans.make_plan(manager, hall, DAY)  # the day's plan is replaced, not doubled
    assert again.pk == plan.pk and ShiftPlan.objects.count() == 1


def test_s4_the_manager_adjusts_counts_and_sees_the_half_hours_left_short(
    hall, manager, monkeypatch
):
    """…and the hall's board hears of it (a `shift_plan` event: board.js refetches)."""
    heard = []
    monkeypatch.setattr(shift_plans, "publish_on_commit", lambda ch, e: heard.append((ch, e)))
    hours_0830_1800(hall)
    tickets(hall, DAY - timedelta(days=7), time(12), 30)
    shift_plans.make_plan(manager, hall, DAY)
    late = ShiftTemplate.objects.get(hall=hall, name="晚班")
    counts = {str(t.pk): "0" for t in ShiftTemplate.objects.filter(hall=hall)}
    counts[str(late.pk)] = "1"  # only the late shift, 09:30–18:00
    plan = shift_plans.save_counts(manager, hall, DAY, counts)
    assert plan.source == "adjusted" and plan.counts[str(late.pk)] == 1
    data = shift_plans.view(hall, DAY)
    short = {r["at"] for r in data["short"]}
    assert {"08:30", "09:00", "12:00"} <= short  # before it starts, and the lunch peak
    assert AuditLog.objects.filter(action="shift_plan.adjust", actor=manager).count() == 1
    assert heard[-1] == (f"hall.{hall.pk}", {"type": "shift_plan"})
    assert data["crowded"] == []  # one person: within the counters
    counts[str(late.pk)] = str(hall.counters.filter(is_active=True).count() + 2)
    shift_plans.save_counts(manager, hall, DAY, counts)
    crowded = shift_plans.view(hall, DAY)["crowded"]
    assert crowded and crowded[0]["at"] == "09:30"  # more on duty than counters, said so


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        ("-1", "不能小于0", "must not be below 0"),
        ("两", "不是数字", "is not a number"),
        ("1001", "不能大于1000", "must not be above 1000"),
    ],
)
def test_s4_a_bad_count_is_refused_naming_the_field(hall, manager, value, zh, en):
    hours_0830_1800(hall)
    shift_plans.view(hall, DAY)  # the default templates
    t = ShiftTemplate.objects.filter(hall=hall).first()
    with pytest.raises(ServiceError) as e:
        shift_plans.save_counts(manager, hall, DAY, {str(t.pk): value})
    assert e.value.field == f"count-{t.pk}" and zh in e.value.zh and en in e.value.en
    assert not ShiftPlan.objects.exists()


def test_s4_another_halls_template_a_clerk_or_no_history_is_refused(hall, manager, clerk):
    other = make_hall("other-hall")
    shift_plans.view(other, DAY)
    theirs = ShiftTemplate.objects.filter(hall=other).first()
    with pytest.raises(ServiceError) as e:
        shift_plans.save_counts(manager, hall, DAY, {str(theirs.pk): "1"})
    assert e.value.code == "no_shift_templates"
    with pytest.raises(ServiceError) as e:
        shift_plans.make_plan(clerk, hall, DAY)
    assert e.value.status == 403
    with pytest.raises(ServiceError) as e:
        shift_plans.make_plan(manager, hall, DAY)  # no tickets before the day
    assert e.value.code == "no_ticket_history"
    assert "没有取号记录" in e.value.zh and "no tickets" in e.value.en
    with pytest.raises(ServiceError) as e:
        shift_plans.make_plan(manager, other, DAY)  # not the manager's hall: as missing
    assert e.value.status == 404


def test_s4_the_board_says_when_open_counters_fall_short_of_the_plan(hall, manager, clerk):
    """Today's plan has 2 on duty at 11:00; one counter is signed in: "排班 2 · 在岗 1 · 缺 1";
    a second signing in makes it whole. Without a plan for today the board says nothing."""
    now = datetime.combine(date.today(), time(11), SH)
    today = now.date()
    assert selectors.board(hall, now)["shift"] is None
    shift_plans.view(hall, today)
    early = ShiftTemplate.objects.get(hall=hall, name="早班")  # 08:30–17:00 (no hours: default)
    shift_plans.save_counts(manager, hall, today, {str(early.pk): "2"})
    services.sign_in(clerk, counter(hall, "1号窗口"))
    shift = selectors.board(hall, now)["shift"]
    assert shift == {"planned": 2, "on_duty": 1, "short": 1, "interval": "11:00–11:30"}
    services.sign_in(make_staff("clerk", hall), counter(hall, "2号窗口"))
    assert selectors.board(hall, now)["shift"]["short"] == 0


@pytest.mark.parametrize(
    ("lang", "words"), [(None, "排班 2 人 · 在岗 1 人"), ("en", "2 planned · 1 on duty")]
)
def test_s4_the_board_page_shows_the_shortfall_tile_in_red(hall, manager, clerk, lang, words):
    with time_machine.travel(datetime(2026, 11, 18, 11, 5, tzinfo=SH), tick=False):
        shift_plans.view(hall, DAY)
        early = ShiftTemplate.objects.get(hall=hall, name="早班")
        shift_plans.save_counts(manager, hall, DAY, {str(early.pk): "2"})
        services.sign_in(clerk, counter(hall, "1号窗口"))
        html = client_for(manager, lang).get(f"/board/{hall.code}/partial").content.decode()
    tile = html[html.index('id="shift-kpi"') - 30 :]
    tile = tile[: tile.index("</div>")]
    assert 'class="kpi bad"' in tile and 'data-short="1"' in tile
    assert words in tile and ("缺 1" if lang is None else "short 1") in tile
    assert "11:00–11:30" in tile
