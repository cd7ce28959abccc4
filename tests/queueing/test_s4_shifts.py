"""S4 (issue 17) — the least-cost shift plan: an integer program whose optimum is checked by
hand and against brute force; what it cannot plan is refused in Chinese and English."""

import itertools
import random

import pytest

from servicehall.core.errors import ServiceError
from servicehall.queueing import shifts
from servicehall.queueing.shifts import Shape

H = 60
EARLY = Shape("早班", 8 * H + 30, 17 * H, 320)  # 08:30–17:00
LATE = Shape("晚班", 11 * H + 30, 20 * H, 320)  # 11:30–20:00
HALF = Shape("午间半班", 11 * H, 15 * H, 170)  # 11:00–15:00


def day(**by_clock) -> list[int]:
    """48 half-hour intervals; by_clock: {"h0830": 2, …} from that interval to the next given."""
    req = [0] * 48
    marks = sorted((int(k[1:3]) * 2 + int(k[3:]) // 30, v) for k, v in by_clock.items())
    for (a, v), (b, _) in zip(marks, marks[1:] + [(48, 0)], strict=True):
        req[a:b] = [v] * (b - a)
    return req


def test_s4_a_lunch_peak_is_met_by_half_shifts_not_a_third_full_shift():
    """One counter 08:30–20:00, three from 11:00 to 15:00. At 11:00 the late shift has not
    started: the early one and two half shifts make the three (320 + 320 + 2 × 170 = 980),
    cheaper than a third full shift (3 × 320 + 320 = 1280) or three early ones."""
    req = day(h0830=1, h1100=3, h1500=1, h2000=0)
    counts = shifts.plan(req, [EARLY, LATE, HALF])
    assert counts == [1, 1, 2]
    assert shifts.cost(counts, [EARLY, LATE, HALF]) == 980
    assert shifts.cost(counts, [EARLY, LATE, HALF]) == min(
        shifts.cost(c, [EARLY, LATE, HALF])
        for c in itertools.product(range(4), repeat=3)
        if all(x >= r for x, r in zip(shifts.cover(c, [EARLY, LATE, HALF], 48), req, strict=True))
    )
    coverage = shifts.cover(counts, [EARLY, LATE, HALF], 48)
    assert shifts.short(req, coverage) == []


def test_s4_the_known_optimum_of_a_hand_made_day():
    """08:30–11:30 one counter, 11:30–17:00 two, 17:00–20:00 one: exactly one early and one
    late shift (640 yuan); half shifts would add cost without covering the evening."""
    req = day(h0830=1, h1130=2, h1700=1, h2000=0)
    counts = shifts.plan(req, [EARLY, LATE, HALF])
    assert counts == [1, 1, 0]
    assert shifts.cost(counts, [EARLY, LATE, HALF]) == 640


def test_s4_coverage_counts_a_shift_only_for_intervals_it_is_on_duty_for_whole():
    coverage = shifts.cover([2, 1, 0], [EARLY, LATE, HALF], 48)
    assert coverage[16] == 0  # 08:00–08:30: nobody yet
    assert coverage[17] == 2  # 08:30–09:00: the two early shifts
    assert coverage[23] == 3  # 11:30: the late shift joins
    assert coverage[33] == 3 and coverage[34] == 1  # 16:30 all three; 17:00 only the late
    assert coverage[40] == 0  # 20:00: everyone gone


def _brute(req, shapes):
    top = max(req)
    best = None
    for c in itertools.product(range(top + 1), repeat=len(shapes)):
        cov = shifts.cover(c, shapes, len(req))
        if all(x >= r for x, r in zip(cov, req, strict=True)):
            cost = shifts.cost(c, shapes)
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_s4_the_plan_costs_what_brute_force_finds_on_small_days(seed):
    """Random days of 12 intervals (a day's 6 hours) and 2–4 random templates with random
    costs: milp's plan covers every interval and costs exactly the cheapest plan found by
    trying every combination."""
    rng = random.Random(seed)
    n = 12
    shapes = []
    for j in range(rng.randint(2, 4)):
        a = rng.randint(0, n - 2)
        b = rng.randint(a + 1, n)
        shapes.append(Shape(f"t{j}", a * 30, b * 30, rng.choice([100, 150, 170, 200, 320])))
    shapes.append(Shape("all", 0, n * 30, 400))  # a feasible plan always exists
    req = [rng.randint(0, 3) for _ in range(n)]
    counts = shifts.plan(req, shapes)
    cov = shifts.cover(counts, shapes, n)
    assert shifts.short(req, cov) == []
    assert shifts.cost(counts, shapes) == _brute(req, shapes)


def test_s4_nothing_required_plans_nobody():
    assert shifts.plan([0] * 48, [EARLY, LATE]) == [0, 0]


def test_s4_an_interval_no_shift_covers_is_refused_naming_it_in_both_languages():
    req = day(h0730=1, h1000=0)  # 07:30–10:00: 07:30 and 08:00 before the early shift
    with pytest.raises(ServiceError) as e:
        shifts.plan(req, [EARLY, LATE])
    assert e.value.code == "no_shift_covers" and e.value.status == 422
    assert "没有班次覆盖 07:30、08:00 时段" in e.value.zh
    assert "No shift covers 07:30, 08:00," in e.value.en


@pytest.mark.parametrize(
    ("required", "templates", "code", "zh", "en"),
    [
        ([1] * 4, [], "no_shift_templates", "没有可用的班次模板", "No shift templates"),
        ([], [EARLY], "no_ticket_history", "没有各时段的需求", "No requirement per interval"),
        ([1, -1], [EARLY], "no_ticket_history", "00:30 时段的需求须为", "at 00:30 must be"),
        ([1.5], [EARLY], "no_ticket_history", "00:00 时段的需求须为", "whole number"),
        (
            [0],
            [Shape("反", 17 * H, 8 * H, 100)],
            "no_shift_templates",
            "无效",
            "must start before it ends",
        ),
    ],
)
def test_s4_empty_or_impossible_inputs_are_refused_in_both_languages(
    required, templates, code, zh, en
):
    with pytest.raises(ServiceError) as e:
        shifts.plan(required, templates)
    assert e.value.code == code
    assert zh in e.value.zh and en in e.value.en


def test_s4_the_plan_keeps_within_the_counters_where_it_can():
    """Two half shifts overlap in the middle hour: the cheapest cover of one counter all
    morning puts two people at one counter there. With one counter, the full shift instead
    (dearer, and nobody idle); when nothing fits, the cheapest cover, said so."""
    from servicehall.queueing.shifts import Shape, plan, plan_within

    early, late = Shape("早", 480, 600, 1.0), Shape("晚", 540, 660, 1.0)
    full = Shape("全", 480, 660, 2.5)
    need = [0] * 16 + [1] * 6 + [0] * 26  # 08:00–11:00, half hours
    assert plan(need, [early, late, full]) == [1, 1, 0]
    assert plan(need, [early, late, full], at_most=1) == [0, 0, 1]
    assert plan_within(need, [early, late], at_most=1) == ([1, 1], False)
