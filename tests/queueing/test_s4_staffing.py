"""S4 staffing: Erlang C and Erlang A (queueing/erlang.py) against a textbook example, an
independent library and a discrete-event simulation; the forecast (queueing/forecast.py); the
`servicehall staffing` command."""

from __future__ import annotations

import decimal
import json
import math
import random
import statistics
from datetime import date, datetime, timedelta

import numpy as np
import pytest
import simpy

from servicehall import cli
from servicehall.queueing import calls_file, erlang, forecast
from servicehall.queueing.calls_file import Call
from tests.servers import shared_data

# --- Erlang C ------------------------------------------------------------------------------


def test_s4_erlang_c_textbook_example():
    """The classic worked example (Call Centre Helper, "Erlang C formula — made simple"): 100
    calls in 30 minutes, 180 s handling, 11 agents → traffic 10 erlangs, P(wait) 68.2 %,
    39 % answered within 20 s, ASA 122.8 s; 14 agents for 80 % in 20 s."""
    lam, aht = 100 / 1800, 180
    assert erlang.erlang_c(11, 10) == pytest.approx(0.6821, abs=1e-4)
    assert erlang.erlang_c_service_level(lam, aht, 11, 20) == pytest.approx(0.3896, abs=1e-4)
    assert erlang.erlang_c_asa(lam, aht, 11) == pytest.approx(122.8, abs=0.1)
    assert erlang.erlang_c_service_level(lam, aht, 13, 20) < 0.8
    assert erlang.erlang_c_service_level(lam, aht, 14, 20) >= 0.8
    assert erlang.erlang_c_agents(lam, aht, 20, 0.8) == 14
    # no agents enough: the queue grows without end
    assert erlang.erlang_c_service_level(lam, aht, 10, 20) == 0
    assert erlang.erlang_c_asa(lam, aht, 10) == math.inf
    assert erlang.erlang_c_agents(0, aht, 20, 0.8) == 0


def _erlanglib():
    """erlanglib (PyPI) computes with factorials in 1000-digit decimals and sets the decimal
    context's precision to 1000 on import: keep that out of the rest of the test run."""
    saved = decimal.getcontext().copy()
    try:
        import erlanglib
    finally:
        decimal.setcontext(saved)
    return erlanglib


@pytest.mark.parametrize("a", [0.5, 2.0, 7.3, 10.0, 24.9, 55.0, 99.0])
def test_s4_erlang_c_matches_erlanglib(a):
    """Our recursion against an independent implementation (exact factorial sums) on a grid."""
    lib = _erlanglib()
    for n in range(math.floor(a) + 1, math.floor(a) + 12):
        with decimal.localcontext(prec=1000):
            pw = lib.erlang_c(n, a)
            sl = lib.service_level(n, a, pw, 20, 180)
            asa = lib.average_speed_of_answer(n, a, pw, 180)
        assert erlang.erlang_c(n, a) == pytest.approx(pw, rel=1e-9, abs=1e-12)
        lam = a / 180
        assert erlang.erlang_c_service_level(lam, 180, n, 20) == pytest.approx(sl, abs=1e-9)
        assert erlang.erlang_c_asa(lam, 180, n) == pytest.approx(asa, rel=1e-9)


def test_s4_erlang_c_stable_for_large_loads():
    """2,000 agents offered 1,950 erlangs: factorials would overflow a float; the recursion
    gives a probability, and more agents never do worse."""
    values = [erlang.erlang_c(n, 1950.0) for n in range(1951, 2100, 10)]
    assert all(0 < v < 1 for v in values)
    assert values == sorted(values, reverse=True)
    n = erlang.erlang_c_agents(1950 / 180, 180, 20, 0.8)
    assert 1950 < n < 2050


# --- Erlang A ------------------------------------------------------------------------------


def test_s4_erlang_a_without_abandonment_is_erlang_c():
    lam = 100 / 1800
    for n in (11, 12, 14):
        a = erlang.ErlangA(lam, 180, 1e9, n)
        assert a.p_wait == pytest.approx(erlang.erlang_c(n, 10), abs=1e-4)
        assert a.service_level(20) == pytest.approx(
            erlang.erlang_c_service_level(lam, 180, n, 20), abs=1e-4
        )
        assert a.p_abandon < 1e-4


def test_s4_erlang_a_finite_when_overloaded():
    """Impatient callers keep the queue finite even with fewer agents than erlangs: Erlang A
    answers where Erlang C cannot, and needs fewer agents than Erlang C for the same target."""
    a = erlang.ErlangA(1.0, 8, 10, 6)  # 8 erlangs, 6 agents
    assert 0.2 < a.p_abandon < 1 and 0 < a.service_level(1) < 1
    assert erlang.erlang_c_service_level(1.0, 8, 6, 1) == 0
    assert erlang.erlang_a_agents(1.0, 8, 10, 1, 0.8) < erlang.erlang_c_agents(1.0, 8, 1, 0.8)


def simulate(lam, mean_service, mean_patience, n, t, customers, seed, vip_share=0.0, warmup=1000):
    """A discrete-event simulation (simpy) of one queue: Poisson arrivals, n agents,
    exponential service and patience; a VIP share served first (non-preemptive). Per caller
    after the warm-up: (vip, answered within t, abandoned)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.PriorityResource(env, capacity=n)
    out = []

    def caller(i, vip):
        arrived = env.now
        patience = rng.expovariate(1 / mean_patience)
        with agents.request(priority=0 if vip else 1) as req:
            got = yield req | env.timeout(patience)
            if req in got:
                if i >= warmup:
                    out.append((vip, env.now - arrived <= t, False))
                yield env.timeout(rng.expovariate(1 / mean_service))
            elif i >= warmup:
                out.append((vip, False, True))

    def source():
        for i in range(customers):
            yield env.timeout(rng.expovariate(lam))
            env.process(caller(i, rng.random() < vip_share))

    env.process(source())
    env.run()
    return out


def replicate(runs, measure, **kw):
    """The mean of `measure` over independent runs and its standard error (replications are
    independent, so the error is honest however correlated the callers within a run are)."""
    values = [measure(simulate(seed=1000 + r, **kw)) for r in range(runs)]
    return statistics.mean(values), statistics.stdev(values) / math.sqrt(runs)


def _share(rows, index, vip=None):
    rows = [r for r in rows if vip is None or r[0] == vip]
    return sum(r[index] for r in rows) / len(rows)


def test_s4_erlang_a_against_simulation():
    """8 erlangs (λ = 1/s, 8 s service), 8 agents, 10 s mean patience, target 1 s: the formulas'
    service level and abandonment within 4 standard errors of 8 simulated runs of 12,000
    callers (SE 0.0055 here; 4 SE: a correct formula fails with probability < 1e-4)."""
    kw = dict(lam=1.0, mean_service=8, mean_patience=10, n=8, t=1, customers=12_000, runs=8)
    a = erlang.ErlangA(1.0, 8, 10, 8)
    sl, se = replicate(kw.pop("runs"), lambda r: _share(r, 1), **kw)
    assert se < 0.01
    assert abs(sl - a.service_level(1)) < 4 * se
    ab, se_ab = replicate(8, lambda r: _share(r, 2), **kw)
    assert abs(ab - a.p_abandon) < 4 * se_ab
    # and Erlang C, blind to abandonment, is far off on the same queue
    assert erlang.erlang_c_service_level(1.0, 8, 8, 1) == 0


def test_s4_priorities_what_the_formulas_miss():
    """30 % VIP callers served first (λ = 1/s, 8 s service, 10 s patience, 9 agents, target
    1 s). The formulas see one first-come-first-served queue: they still give the total
    abandonment — the number waiting is the same birth–death chain whoever is served first —
    but one service level for everyone. Simulated (6 runs of 12,000 callers): VIPs are answered
    in time about 80 % against the formula's 69 %, ordinary callers about 67 %, and ordinary
    callers abandon twice as often as VIPs. Staffing to the formula's target for everyone
    leaves the ordinary callers below it; the VIP target (85 % in 20 s) needs its own check."""
    kw = dict(lam=1.0, mean_service=8, mean_patience=10, n=9, t=1, customers=12_000)
    a = erlang.ErlangA(1.0, 8, 10, 9)
    formula = a.service_level(1)
    runs = [simulate(seed=2000 + r, vip_share=0.3, **kw) for r in range(6)]
    vip = statistics.mean(_share(r, 1, vip=True) for r in runs)
    ordinary = statistics.mean(_share(r, 1, vip=False) for r in runs)
    assert vip > formula + 0.07
    assert ordinary < formula - 0.01
    vip_gone = statistics.mean(_share(r, 2, vip=True) for r in runs)
    ordinary_gone = statistics.mean(_share(r, 2, vip=False) for r in runs)
    assert ordinary_gone > 2 * vip_gone
    abandon = [_share(r, 2) for r in runs]
    se = statistics.stdev(abandon) / math.sqrt(len(abandon))
    assert abs(statistics.mean(abandon) - a.p_abandon) < 4 * se


# --- forecast -----------------------------------------------------------------------------


def _call(at: datetime, served=True, wait=0.0, service=100.0) -> Call:
    return Call(at, served, wait, service if served else 0.0)


@pytest.mark.django_db
def test_s4_forecast_by_weekday_and_holiday():
    """Two invented weeks, Mon 2026-09-14 … Sun 09-27, in which the business calendar has the
    Mid-Autumn holiday (Fri 25 – Sun 27) and a make-up working Sunday (20): Mondays had 4 and 6
    calls at 9:00, both Saturdays and the last Sunday one call at 10:00.
    - Monday 09-28: the mean of the Mondays, 5 at 9:00;
    - National Day (10-01): like the history's holidays (25, 26, 27): 2 calls / 3 days at 10:00;
    - Saturday 10-10, a make-up working day: like the Monday-to-Friday working days (9 of them:
      the 25th was a holiday): 10 calls / 9 days at 9:00;
    - Saturday 10-17, an ordinary weekend: like the one ordinary Saturday (09-19): 1 at 10:00."""
    calls = []
    for monday, n in ((date(2026, 9, 14), 4), (date(2026, 9, 21), 6)):
        calls += [_call(datetime(monday.year, monday.month, monday.day, 9, 5))] * n
        sat = monday + timedelta(days=5)
        calls.append(_call(datetime(sat.year, sat.month, sat.day, 10, 0)))
    calls.append(_call(datetime(2026, 9, 27, 10, 0)))
    history = forecast.counts_by_day(calls, 30)
    assert len(history) == 14  # days in between without calls are days of zeros
    monday, basis = forecast.forecast_day(history, date(2026, 9, 28))
    assert basis == "weekday" and monday[18] == 5 and monday.sum() == 5
    national_day, basis = forecast.forecast_day(history, date(2026, 10, 1))
    assert basis == "holiday" and national_day[20] == pytest.approx(2 / 3)
    assert national_day.sum() == pytest.approx(2 / 3)
    makeup, basis = forecast.forecast_day(history, date(2026, 10, 10))
    assert basis == "makeup" and makeup[18] == pytest.approx(10 / 9) and makeup[20] == 0
    saturday, basis = forecast.forecast_day(history, date(2026, 10, 17))
    assert basis == "weekday" and saturday[20] == 1 and saturday.sum() == 1


@pytest.mark.django_db
def test_s4_forecast_held_back_error():
    """Two Mondays (4 and 6 calls at 9:00): each forecast from the other is off by 2 in that
    interval and 0 in the 47 others: MAE 2/48, MAPE (only intervals with calls) (2/4 + 2/6)/2."""
    calls = [_call(datetime(2026, 9, 14, 9, 0))] * 4 + [_call(datetime(2026, 9, 21, 9, 0))] * 6
    history = {d: v for d, v in forecast.counts_by_day(calls, 30).items() if d.weekday() == 0}
    report = forecast.held_back(history)
    assert report.mae == pytest.approx(4 / 96)
    assert report.mape == pytest.approx((2 / 4 + 2 / 6) / 2 * 100)
    assert report.intervals_with_arrivals == 2
    assert [d["forecast"] for d in report.days] == [6, 4]
    # with two days, the calendar-blind baseline (the other day) is the same forecast
    assert report.baseline_mae == report.mae


@pytest.mark.django_db
def test_s4_forecast_held_back_baseline():
    """Two Mondays with 10 calls at 9:00 and a Saturday with none: held back one at a time, a
    Monday is forecast from the other Monday (exact) where the calendar-blind baseline takes
    the mean of the Monday and the Saturday (5: off by 5); the Saturday, with no Saturday to
    learn from, is forecast like the days off — none learnt — then like all days (10)."""
    calls = [_call(datetime(2026, 9, 14, 9, 0))] * 10 + [_call(datetime(2026, 9, 21, 9, 0))] * 10
    history = forecast.counts_by_day(calls, 30)
    history = {d: v for d, v in history.items() if d.weekday() in (0, 5)}
    report = forecast.held_back(history)
    assert [d["basis"] for d in report.days] == ["weekday", "all", "weekday"]
    assert report.mae == pytest.approx(10 / 144)  # only the Saturday's 9:00 is off, by 10
    assert report.baseline_mae == pytest.approx((5 + 10 + 5) / 144)
    assert report.as_dict()["baseline_mape_per_interval"] == 50.0


def test_s4_patience_is_waited_over_abandoned():
    """Callers who hung up after 60 and 120 s, two answered after waiting 30 s and 90 s (they
    would have waited at least that long): 300 s waited ÷ 2 abandonments = 150 s."""
    at = datetime(2026, 9, 14, 9, 0)
    calls = [
        _call(at, served=False, wait=60),
        _call(at, served=False, wait=120),
        _call(at, wait=30, service=200),
        _call(at, wait=90, service=100),
    ]
    assert forecast.patience_of(calls) == 150
    assert forecast.patience_of(calls[2:]) == math.inf
    est = forecast.inputs(calls, 30)
    assert est.overall_service == 150 and est.overall_patience == 150


# --- the command ---------------------------------------------------------------------------

HEADER = (
    "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,q_start,"
    "q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server\n"
)


def _tiny_log(path, extra: str = "") -> str:
    """Two Mondays of calls between 9:00 and 9:30: on each, 30 queued calls (one in three hung
    up after 60 s, the others answered after 10 s for 120 s), one that left in the voice menu
    and a phantom — neither counted."""
    lines = [HEADER]
    for day in ("2026-09-14", "2026-09-21"):
        for i in range(30):
            start = f"9:{i:02d}:00"
            if i % 3 == 0:
                lines.append(
                    f"AA01,{i},0,1,PS,{day},9:00:00,{start},5,{start},9:{i:02d}:"
                    f"59,60,HANG,0:00:00,0:00:00,0,NO_SERVER\n"
                )
            else:
                lines.append(
                    f"AA01,{i},0,1,PS,{day},9:00:00,{start},5,{start},9:{i:02d}:10,10,AGENT,"
                    f"9:{i:02d}:10,9:{i + 2:02d}:10,120,ANNA\n"
                )
        lines.append(
            f"AA01,99,0,1,PS,{day},9:00:00,9:00:10,10,0:00:00,0:00:00,0,HANG,0:00:00,0:00:00,0,NO_SERVER\n"
        )
        lines.append(
            f"AA01,98,0,1,PS,{day},9:00:00,9:00:10,10,0:00:00,0:00:00,0,PHANTOM,0:00:00,0:00:00,0,NO_SERVER\n"
        )
    path.write_text("".join(lines) + extra, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_s4_staffing_command_on_a_tiny_log(tmp_path, capsys):
    log = _tiny_log(tmp_path / "calls.csv")
    cli.main(["staffing", "--input", log, "--json", "--days", "7"])
    out = json.loads(capsys.readouterr().out)
    assert out["calls_queued"] == 60
    assert out["mean_service_s"] == 120 and out["mean_patience_s"] == pytest.approx(
        (20 * 60 + 40 * 10) / 20
    )
    (row,) = out["intervals"]  # only Monday 9:00 has calls forecast
    assert row["start"] == "2026-09-28T09:00" and row["arrivals"] == 30
    # 30 calls in 30 min of 120 s = 2 erlangs: what Erlang C and A say for 75 % in 20 s
    assert row["agents_erlang_c"] == erlang.erlang_c_agents(30 / 1800, 120, 20, 0.75)
    assert row["agents_erlang_a"] == erlang.erlang_a_agents(30 / 1800, 120, 80, 20, 0.75)
    assert row["agents_erlang_a"] <= row["agents_erlang_c"]
    held = {d["date"]: d for d in out["held_back"]["days"]}
    assert held["2026-09-14"]["forecast"] == held["2026-09-14"]["actual"] == 30  # Mondays alike
    # the make-up working Sunday 09-20 is forecast like the working days: 60 calls / 6 days
    assert held["2026-09-20"] == {
        "date": "2026-09-20",
        "basis": "makeup",
        "actual": 0,
        "forecast": 10.0,
    }

    cli.main(["staffing", "--input", log, "--priority", "1", "--json"])
    assert json.loads(capsys.readouterr().out)["calls_queued"] == 60  # all are priority 1
    cli.main(["staffing", "--input", log, "--interval", "15", "--target-share", "0.9"])
    text = capsys.readouterr().out
    assert "2026-09-28 Mon 09:00" in text and "2026-09-28 Mon 09:15" in text
    assert "Erlang A" in text and "held-back" in text


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["--target-share", "75"], "--target-share", "--target-share must be"),
        (["--interval", "20"], "15、30 或 60", "must be 15, 30 or 60"),
        (["--target-seconds", "abc"], "--target-seconds", "must be a number"),
        (["--type", "XX"], "业务类型", "no queued call of type XX"),
        (["--priority", "2"], "优先级", "no queued call of priority 2 (--priority)"),
        (["--weekend", "fri,sab"], "--weekend 应为休息的星期几", "like fri,sat or 5,6"),
        (["--weekend", "1,2,3,4,5,6,7"], "无法识别", "at most six"),
    ],
)
def test_s4_staffing_command_refuses_bad_options(tmp_path, capsys, args, zh, en):
    log = _tiny_log(tmp_path / "calls.csv")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["staffing", "--input", log, *args])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and zh in err and en in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "zh", "en"),
    [
        ("date,q_start,outcome\n2026-09-14,9:00:00,AGENT\n", "缺少", "no q_time"),
        (
            HEADER + "A,1,0,1,PS,2026-09-14,9:00:00,9:00:05,5,9h00,9:01:00,55,AGENT,9:01:00,"
            "9:03:00,120,ANNA\n",
            "第2行",
            "Line 2, column q_start",
        ),
        (
            HEADER + "A,1,0,1,PS,2026-09-14,9:00:00,9:00:05,5,9:00:05,9:01:00,55,SERVED,9:01:00,"
            "9:03:00,120,ANNA\n",
            "outcome",
            "is not one of AGENT, HANG, PHANTOM",
        ),
        (
            HEADER + "A,1,0,1,PS,2026-13-14,9:00:00,9:00:05,5,9:00:05,9:01:00,55,AGENT,9:01:00,"
            "9:03:00,120,ANNA\n",
            "日期",
            "column date",
        ),
        (
            HEADER + "A,1,0,1,PS,2026-09-14,9:00:00,9:00:05,5,9:00:05,9:01:00,-3,AGENT,9:01:00,"
            "9:03:00,120,ANNA\n",
            "排队秒数",
            "column q_time",
        ),
        (HEADER, "没有进入人工队列", "no call that reached"),
    ],
)
def test_s4_staffing_command_names_the_bad_column(tmp_path, capsys, content, zh, en):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["staffing", "--input", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and zh in err and en in err, err


def test_s4_staffing_command_missing_file(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["staffing", "--input", str(tmp_path / "none.csv")])
    assert "无法读取" in capsys.readouterr().err


@pytest.mark.django_db
def test_s4_staffing_command_on_the_bank_week(capsys):
    """The real week 1 (2010-08-01 … 07): the next week planned interval by interval."""
    path = shared_data("bank-call-centre", "calls_1999_08_week1.csv")
    cli.main(["staffing", "--input", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["calls_queued"] == 10_960  # AGENT, and HANG after queueing
    assert out["history"] == ["2010-08-01", "2010-08-07"]
    rows = out["intervals"]
    days = sorted({r["start"][:10] for r in rows})
    assert days[0] == "2010-08-08" and days[-1] == "2010-08-14"
    assert all(r["agents_erlang_a"] <= r["agents_erlang_c"] for r in rows)
    busiest = max(rows, key=lambda r: r["arrivals"])
    assert busiest["agents_erlang_c"] >= 15
    assert 150 < out["mean_service_s"] < 250 and 300 < out["mean_patience_s"] < 500
    held = out["held_back"]
    assert held["intervals"] == 7 * 48 and held["mape_per_interval"] > 0
    assert held["baseline_mae_per_interval"] > 0
    assert np.isfinite(held["mae_per_interval"])
    assert out["days_off"] is None  # the business calendar (China's weekends)


@pytest.mark.django_db
def test_s4_staffing_the_call_centres_own_week(capsys):
    """The bank is in Israel: it works Sunday to Thursday. Read with China's weekends, its
    busiest day (Sunday, 2,237 calls) is forecast from its quietest (Saturday, 124) and the
    calendar does worse than ignoring it — the command says so; with `--weekend fri,sat` the
    held-back forecast beats the calendar-blind baseline."""
    path = str(shared_data("bank-call-centre", "calls_1999_08_week1.csv"))
    cli.main(["staffing", "--input", path])
    text = capsys.readouterr().out
    assert "--weekend" in text and "2010-08-01: 实际 2237，预测 124（依据休息日）" in text
    cli.main(["staffing", "--input", path, "--weekend", "周五,周六", "--json"])
    out = json.loads(capsys.readouterr().out)
    held = out["held_back"]
    assert out["days_off"] == [5, 6]  # ISO: Friday, Saturday
    assert held["mae_per_interval"] < 0.7 * held["baseline_mae_per_interval"]
    sunday = next(d for d in held["days"] if d["date"] == "2010-08-01")
    assert sunday["basis"] == "workdays" and sunday["forecast"] > 1500
    # next week's Sunday is staffed like a working day, its Saturday like a quiet one
    agents = {}
    for r in out["intervals"]:
        agents.setdefault(r["start"][:10], []).append(r["agents_erlang_c"])
    assert max(agents["2010-08-08"]) > 3 * max(agents.get("2010-08-14", [1]))


def test_s4_a_plain_week_has_its_own_days_off():
    """A Week naming Friday and Saturday: a Sunday is a working day, a Friday a day off, and no
    Chinese holiday applies (National Day is an ordinary Friday there)."""
    week = forecast.Week(frozenset({4, 5}))
    assert week.is_workday(date(2026, 9, 27)) and not week.is_workday(date(2026, 10, 2))
    assert not week.is_holiday(date(2026, 10, 1)) and week.is_workday(date(2026, 10, 1))
    history = {date(2026, 9, 20): np.ones(48), date(2026, 9, 25): np.zeros(48)}  # Sun, Fri
    monday, basis = forecast.forecast_day(history, date(2026, 9, 28), week)
    assert basis == "workdays" and monday.sum() == 48
    saturday, basis = forecast.forecast_day(history, date(2026, 10, 3), week)
    assert basis == "days_off" and saturday.sum() == 0


def test_s4_call_log_keeps_only_queued_calls(tmp_path):
    """Of the tiny log's 64 rows, the 60 that reached the queue: 40 answered (their agent and
    the start of their service kept), 20 hung up while waiting; the voice-menu hang-ups and the
    phantoms are left out. One more row, a VIP answered without queueing, arrives when its
    service starts."""
    log = _tiny_log(
        tmp_path / "calls.csv",
        "A,7,0,2,NW,2026-09-21,9:40:00,9:40:05,5,0:00:00,0:00:00,0,AGENT,9:40:05,9:42:05,120,BEN\n",
    )
    with open(log, "rb") as f:
        calls = calls_file.read_calls(f, log)
    assert len(calls) == 61
    assert sum(c.served for c in calls) == 41
    first = next(c for c in calls if c.served)
    assert first.server == "ANNA" and first.service_start == datetime(2026, 9, 14, 9, 1, 10)
    assert first.wait == 10 and first.service == 120
    gone = next(c for c in calls if not c.served)
    assert gone.server == "" and gone.service_start is None and gone.wait == 60
    direct = calls[-1]
    assert direct.arrival == datetime(2026, 9, 21, 9, 40, 5) and direct.priority == "2"


def test_s4_erlang_a_overloaded_and_almost_infinitely_patient():
    """10 erlangs, 5 agents, callers who would wait 30 years: no endless computation — the
    performance is refused as a ValueError, and the agents needed are found all the same."""
    with pytest.raises(ValueError, match="callers would wait"):
        erlang.ErlangA(100 / 1800, 180, 1e9, 5)
    assert erlang.erlang_a_agents(100 / 1800, 180, 1e9, 20, 0.8) == 14  # Erlang C's answer
