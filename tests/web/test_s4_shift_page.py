"""S4 (issue 17) — the shift plan page: the chart's data, the editable counts, the least-cost
plan on a button, the half hours left short in red; Chinese first, English by the switch."""

import json
import re
from datetime import date, time, timedelta

from servicehall.queueing.models import ShiftPlan, ShiftTemplate
from tests.conftest import client_for
from tests.factories import make_staff
from tests.queueing.test_s4_shift_plans import hours_0830_1800, tickets

DAY = date(2026, 11, 18)


def chart_of(html: str) -> dict:
    m = re.search(r'<script id="shift-chart-data" type="application/json">(.*?)</script>', html)
    return json.loads(m.group(1))


def test_s4_the_manager_makes_the_plan_changes_a_count_and_sees_the_shortfall(hall, manager):
    hours_0830_1800(hall)
    tickets(hall, DAY - timedelta(days=7), time(12), 30)
    c = client_for(manager)
    url = f"/board/{hall.code}/shifts?date={DAY}"
    page = c.get(url).content.decode()
    assert "按需求生成最优排班" in page and "当天尚无排班" in page
    before = chart_of(page)
    assert before["at"][0] == "08:30" and before["at"][-1] == "17:30"
    assert max(before["required"]) >= 2 and set(before["planned"]) == {0}

    r = c.post(f"/board/{hall.code}/shifts/generate", {"date": str(DAY)})
    assert r.status_code == 302 and r["Location"] == url
    page = c.get(url).content.decode()
    made = chart_of(page)
    assert all(p >= q for p, q in zip(made["planned"], made["required"], strict=True))
    assert "已生成成本最低的排班" in page and "short-row" not in page

    plan = ShiftPlan.objects.get(hall=hall, day=DAY)
    form = {f"count-{k}": "0" for k in plan.counts}
    late = ShiftTemplate.objects.get(hall=hall, name="晚班")
    form[f"count-{late.pk}"] = "1"
    c.post(f"/board/{hall.code}/shifts/save", {"date": str(DAY), **form})
    page = c.get(url).content.decode()
    after = chart_of(page)
    assert after["planned"][after["at"].index("08:30")] == 0  # the late shift starts 09:30
    assert after["planned"][after["at"].index("10:00")] == 1
    assert 'class="short-row"' in page and "个时段缺人" in page
    assert 'data-at="08:30" class="short-row"' in page
    assert "排班已保存" in page and "已手工调整" in page


def test_s4_the_page_in_english_and_read_only_without_manage_queue(hall, manager):
    page = client_for(manager, "en").get(f"/board/{hall.code}/shifts").content.decode()
    assert "Make the least-cost plan from the requirement" in page
    assert 'name="count-' in page
    supervisor = make_staff("quality_supervisor", hall)
    page = client_for(supervisor).get(f"/board/{hall.code}/shifts").content.decode()
    assert 'name="count-' not in page and "按需求生成最优排班" not in page
    assert client_for(supervisor).post(f"/board/{hall.code}/shifts/save", {}).status_code == 403


def test_s4_a_bad_date_or_count_is_told_in_both_languages_naming_it(hall, manager):
    c = client_for(manager)
    r = c.get(f"/board/{hall.code}/shifts?date=2026-02-30")
    assert r.status_code == 422 and "“2026-02-30”不是" in r.content.decode()
    r = client_for(manager, "en").get(f"/board/{hall.code}/shifts?date=tomorrow")
    assert "tomorrow&#x27; is not a date between" in r.content.decode()
    c.get(f"/board/{hall.code}/shifts?date={DAY}")
    t = ShiftTemplate.objects.filter(hall=hall).first()
    c.post(f"/board/{hall.code}/shifts/save", {"date": str(DAY), f"count-{t.pk}": "-2"})
    page = c.get(f"/board/{hall.code}/shifts?date={DAY}").content.decode()
    assert f"field-count-{t.pk}" in page and "不能小于0" in page
    assert not ShiftPlan.objects.exists()
    c.post(f"/board/{hall.code}/shifts/generate", {"date": str(DAY)})  # no ticket history
    page = c.get(f"/board/{hall.code}/shifts?date={DAY}").content.decode()
    assert "没有取号记录" in page
