"""S4 (issue 17) — `servicehall shifts plan`: a hall's least-cost plan from its ticket history
(saved as the day's plan, audited as the command line), or a call log's (printed only); every
mistake a bilingual one-line refusal naming the option."""

import json
from datetime import date, time, timedelta

import pytest

from servicehall import cli
from servicehall.core.models import AuditLog
from servicehall.queueing import erlang, shifts
from servicehall.queueing.models import ShiftPlan
from tests.queueing.test_s4_shift_plans import hours_0830_1800, tickets
from tests.queueing.test_s4_staffing import _tiny_log
from tests.servers import shared_data

DAY = date(2026, 11, 18)


def test_s4_the_command_plans_a_halls_day_and_saves_it(hall, capsys):
    hours_0830_1800(hall)
    tickets(hall, DAY - timedelta(days=7), time(12), 30)
    cli.main(["shifts", "plan", "--hall", hall.code, "--date", str(DAY), "--json"])
    out = json.loads(capsys.readouterr().out)
    plan = ShiftPlan.objects.get(hall=hall, day=DAY)
    assert plan.source == "optimal" and plan.made_by.username == "command-line"
    assert out["short"] == [] and out["people"] == sum(plan.counts.values())
    assert out["intervals"][0]["at"] == "08:30" and out["intervals"][-1]["at"] == "17:30"
    assert AuditLog.objects.filter(
        action="shift_plan.make", actor__username="command-line"
    ).exists()
    cli.main(["shifts", "plan", "--hall", hall.code, "--date", str(DAY)])
    text = capsys.readouterr().out
    assert "成本最低排班（已保存）" in text and "least-cost shift plan (saved)" in text


@pytest.mark.django_db
def test_s4_the_command_plans_a_call_logs_day(tmp_path, capsys):
    """Mondays 9:00–9:30 with 30 calls of 120 s: the Monday after needs Erlang C's agents in
    that half hour only — as many half shifts, the cheapest that cover it."""
    log = _tiny_log(tmp_path / "calls.csv")
    cli.main(["shifts", "plan", "--input", log, "--date", "2026-09-28", "--json"])
    out = json.loads(capsys.readouterr().out)
    need = erlang.erlang_c_agents(30 / 1800, 120, 20, 0.75)
    assert out["intervals"] == [{"at": "09:00", "required": need, "planned": need}]
    assert out["people"] == need and out["cost"] == need * 170  # one half-hour day: half shifts


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (
            ["--hall", "nowhere", "--date", "2026-11-18"],
            "没有代码为“nowhere”的营业厅",
            "no hall with code 'nowhere' (--hall)",
        ),
        (
            ["--hall", "test-hall", "--date", "2026-13-01"],
            "--date：",
            "--date: '2026-13-01' is not a date",
        ),
        (
            ["--hall", "test-hall", "--date", "2026-11-18"],
            "没有取号记录",
            "no tickets in the 28 days",
        ),
    ],
)
def test_s4_the_command_refuses_bad_options_in_both_languages(hall, capsys, args, zh, en):
    with pytest.raises(SystemExit) as e:
        cli.main(["shifts", "plan", *args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and zh in err and en in err and "Traceback" not in err


@pytest.mark.django_db
def test_s4_the_command_refuses_a_day_far_from_the_log(tmp_path, capsys):
    log = _tiny_log(tmp_path / "calls.csv")
    with pytest.raises(SystemExit):
        cli.main(["shifts", "plan", "--input", log, "--date", "2026-12-28"])
    err = capsys.readouterr().err
    assert (
        "之后 1 到 28 天内" in err and "1 to 28 days after the log's last day (2026-09-21)" in err
    )


@pytest.mark.django_db
def test_s4_the_bank_call_centres_monday_is_covered_every_half_hour(capsys):
    """Week 1 of the real call centre: the Monday after it, planned from every half-hour start,
    covers Erlang C's agents in every half hour and costs less than the five hall templates."""
    log = str(shared_data("bank-call-centre", "calls_1999_08_week1.csv"))
    cli.main(["shifts", "plan", "--input", log, "--date", "2010-08-09", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["short"] == [] and len(out["intervals"]) >= 30
    req = [0] * 48
    for r in out["intervals"]:
        req[int(r["at"][:2]) * 2 + int(r["at"][3:]) // 30] = r["required"]
    busy = [i for i, v in enumerate(req) if v]
    from servicehall.queueing import shift_plans

    five = shift_plans.shapes_between(busy[0] * 30, (busy[-1] + 1) * 30)
    assert out["cost"] < shifts.cost(shifts.plan(req, five), five)
