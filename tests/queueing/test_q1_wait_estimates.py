"""Honest waits (Q1, issue 17): the estimate's core on queues whose answer is known, the replay
of a real queue's calls without peeking at the future, and `servicehall eval waits`."""

import json
import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from servicehall.queueing import waits
from servicehall.queueing.wait_replay import read_calls, replay, states
from servicehall.queueing.waits import QueueState, estimate_seconds
from tests.servers import shared_data

SRC = Path(__file__).resolve().parents[2] / "src"
HEADER = (
    "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,"
    "q_start,q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server"
)


def call(priority, q_start, q_time, outcome, ser_start="0:00:00", ser_time=0, day="2010-08-01"):
    return (
        f"AA01,1,0,{priority},PS,{day},{q_start},{q_start},0,{q_start},0:00:00,{q_time},"
        f"{outcome},{ser_start},0:00:00,{ser_time},{'ANN' if outcome == 'AGENT' else 'NO_SERVER'}"
    )


def bank_file(tmp_path, *rows, header=HEADER) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- the core, answers known


def test_q1_nobody_ahead_and_a_counter_free_waits_nothing():
    assert estimate_seconds(QueueState(ahead=0, servers=2, busy=1, mean_service_s=300)) == 0


def test_q1_no_server_for_the_line_is_said_not_guessed():
    assert estimate_seconds(QueueState(ahead=3, servers=0, busy=0, mean_service_s=300)) is None


def test_q1_all_busy_waits_for_those_ahead_and_half_a_service():
    # a fresh day (no pace observed yet): (3 ahead + half the one in service) × 240 s ÷ 2
    state = QueueState(ahead=3, servers=2, busy=2, mean_service_s=240)
    assert estimate_seconds(state) == pytest.approx(3.5 * 240 / 2)
    # nobody ahead but every counter busy: half a service of the first to finish
    alone = QueueState(ahead=0, servers=1, busy=1, mean_service_s=300)
    assert estimate_seconds(alone) == pytest.approx(150)


def test_q1_abandoners_ahead_shorten_the_wait():
    """30 services started in the last half hour: one a minute. Of 4 ahead, half give up on
    recent form, so 2 + ½ are served before you: 150 s, calibrated with the last wait 100 s."""
    base = dict(ahead=4, servers=3, busy=3, mean_service_s=200, recent_starts=30, last_wait_s=100)
    staying = estimate_seconds(QueueState(**base))
    leaving = estimate_seconds(QueueState(**base, abandon_share=0.5))
    queue_s = (4 * 0.5 + 0.5) * 60
    assert leaving == pytest.approx(
        waits.INTERCEPT_S + waits.QUEUE_WEIGHT * queue_s + waits.LES_WEIGHT * 100
    )
    assert leaving < staying


def test_q1_the_observed_pace_not_the_counters_decides_once_known():
    """Agents between calls or on a break serve nobody: 12 starts in half an hour with 6 busy
    agents of 180 s each means a wait twice as long as the agents' own rate says."""
    slow = QueueState(ahead=5, servers=6, busy=6, mean_service_s=180, recent_starts=12)
    fast = QueueState(ahead=5, servers=6, busy=6, mean_service_s=180, recent_starts=60)
    assert estimate_seconds(slow) > 2 * estimate_seconds(fast)


# ---------------------------------------------------------------- the replay's state


def test_q1_replay_state_counts_priority_overtaking_and_only_the_past(tmp_path):
    path = bank_file(
        tmp_path,
        call(1, "10:00:00", 300, "AGENT", "10:05:00", 100),  # A ordinary
        call(2, "10:00:10", 60, "AGENT", "10:01:10", 50),  # B high
        call(0, "10:00:20", 30, "HANG"),  # C ordinary, gives up at 10:00:50
        call(2, "10:00:40", 40, "AGENT", "10:01:20", 60),  # D high: only B before D
        call(1, "10:01:00", 600, "AGENT", "10:11:00", 60),  # E ordinary
    )
    got = {c.line: s for c, s, _ in states(read_calls(str(path)))}  # the file's line 2 is A
    assert got[4].ahead == 2  # C: A and B
    assert got[5].ahead == 1  # D: B only, a high-priority call goes before A and C
    e = got[6]
    assert e.ahead == 3  # A, B, D; C has hung up
    assert e.busy == 0  # B starts service at 10:01:10: not yet
    assert e.mean_service_s == 0 and e.last_wait_s is None  # nothing finished, nobody served yet
    assert e.abandon_share == 1.0  # the one out of the queue (C) left unserved


def test_q1_replay_a_priority_level_is_worth_90_seconds_of_waiting(tmp_path):
    """The bank's ACD, as its calls show: a high-priority caller goes before an ordinary one
    who has waited less than 90 s per level between them, and behind one who has waited more.
    The naive yardstick counts the plain order, every higher priority first."""
    path = bank_file(
        tmp_path,
        call(0, "10:00:00", 400, "AGENT", "10:06:40", 60),  # A ordinary (0)
        call(1, "10:02:00", 200, "AGENT", "10:05:20", 60),  # B ordinary (1), 2 min after A
        call(2, "10:02:30", 60, "AGENT", "10:03:30", 60),  # C high: A waited 150 s, B 30 s
        call(2, "10:03:50", 30, "AGENT", "10:04:20", 60),  # D high: A 230 s, B 110 s, C out
    )
    got = {c.line: (s.ahead, naive) for c, s, naive in states(read_calls(str(path)))}
    assert got[3] == (1, 0)  # B: A waited 120 s, more than one level's 90 s; plainly nobody
    assert got[4] == (0, 0)  # C: A's 150 s < two levels' 180 s, B's 30 s < 90 s
    assert got[5] == (2, 0)  # D: A's 230 s > 180 s, B's 110 s > 90 s; plainly nobody


def test_q1_replay_scores_served_calls_and_counts_abandoned_apart(tmp_path):
    path = bank_file(
        tmp_path,
        call(1, "10:00:00", 0, "AGENT", "10:00:00", 120),
        call(1, "10:00:30", 90, "AGENT", "10:02:00", 60),
        call(1, "10:00:40", 20, "HANG"),
        call(1, "10:00:50", 0, "AGENT", "10:00:50", 100, day="2010-08-02"),
    )
    report = replay(read_calls(str(path)))
    assert report["calls"] == 3 and report["abandoned"] == 1 and report["queued"] == 4
    only_2nd = replay(read_calls(str(path)), first=date(2010, 8, 2))
    assert only_2nd["calls"] == 1 and only_2nd["abandoned"] == 0


# ---------------------------------------------------------------- the command


def eval_waits(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "servicehall.cli", "eval", "waits", "--input", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "SERVICEHALL_LOG": "WARNING"},
    )


def test_q1_eval_waits_prints_one_json_line_with_the_naive_yardstick(tmp_path):
    path = bank_file(
        tmp_path,
        call(2, "10:00:00", 0, "AGENT", "10:00:00", 200),
        call(1, "10:00:30", 170, "AGENT", "10:03:20", 60),
        call(1, "10:01:00", 200, "AGENT", "10:04:20", 60),
        call(0, "10:01:10", 15, "HANG"),
    )
    done = eval_waits(path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    scores = {"mae_s", "p90_abs_error_s", "within_50pct"}
    assert {"calls", *scores} <= set(report) and set(report["naive"]) == scores
    assert report["calls"] == 3 and report["abandoned"] == 1
    assert 0 <= report["within_50pct"] <= 1


@pytest.mark.parametrize(
    ("header", "row", "said_zh", "said_en"),
    [
        (HEADER.replace(",q_time,", ",wait,"), None, "缺少“排队秒数”列", "q_time"),
        (HEADER, call(1, "25:61:00", 5, "AGENT", "10:00:05", 60), "第2行", "q_start"),
        (HEADER, call(1, "10:00:00", "abc", "AGENT", "10:00:05", 60), "第2行", "q_time"),
        (HEADER, call(1, "10:00:00", 5, "SERVED", "10:00:05", 60), "第2行", "outcome"),
        (HEADER, call(1, "10:00:00", 5, "AGENT", "10:00:05", 60, day="yesterday"), "第2行", "date"),
    ],
)
def test_q1_eval_waits_refuses_a_bad_file_naming_the_column(
    tmp_path, header, row, said_zh, said_en
):
    rows = [row] if row else [call(1, "10:00:00", 5, "AGENT", "10:00:05", 60)]
    done = eval_waits(bank_file(tmp_path, *rows, header=header))
    assert done.returncode == 2 and done.stdout == ""
    assert said_zh in done.stderr and said_en in done.stderr and "Traceback" not in done.stderr
    assert "错误" in done.stderr and "Error" in done.stderr


def test_q1_eval_waits_refuses_a_missing_file(tmp_path):
    done = eval_waits(tmp_path / "none.csv")
    assert done.returncode == 2 and "无法读取" in done.stderr and "cannot read" in done.stderr


# ---------------------------------------------------------------- the real call centre


def test_q1_estimate_beats_the_naive_one_on_the_real_week():
    """Week 1 of the bank call centre (README "Honest waits"): the estimate's mean absolute
    error is well below the naive one's, both on the days it was fitted on (1–4) and on the
    days it was not (5–7). The issue's target (35 % below) is not reached: see README."""
    calls = read_calls(str(shared_data("bank-call-centre", "calls_1999_08_week1.csv")))
    week = replay(calls)
    assert week["calls"] > 6000
    assert week["mae_s"] <= 0.85 * week["naive"]["mae_s"]
    assert week["within_50pct"] > week["naive"]["within_50pct"]
    held_out = replay(calls, first=date(2010, 8, 5))
    assert held_out["mae_s"] <= 0.88 * held_out["naive"]["mae_s"]


# ---------------------------------------------------------------- the kiosk uses the same core


def test_q1_kiosk_estimate_is_the_core_on_the_halls_state(hall, device):
    """The kiosk's minutes are `waits.estimate_seconds` of the line's state: one counter busy,
    4 payment tickets ahead (3 min each), nobody left yet; then two ahead cancel — 2 ahead, and
    2 of the 3 out of the line left unserved, so the rest are expected to thin out too."""
    from servicehall.queueing import selectors, services
    from servicehall.queueing.models import Ticket
    from tests.factories import counter, make_staff

    staff = make_staff("clerk", hall)
    c = counter(hall, "2号窗口")  # business + payment
    services.sign_in(staff, c)
    tickets = [services.issue_ticket(device, hall, "payment") for _ in range(6)]
    services.call_next(staff, c)  # the counter is busy with the first
    last = tickets[-1]
    before = selectors.estimate_wait(last)
    full = QueueState(ahead=4, servers=1, busy=1, mean_service_s=180)
    assert before.ahead == 4 and before.minutes == math.ceil(estimate_seconds(full) / 60) == 14
    Ticket.objects.filter(pk__in=[tickets[1].pk, tickets[2].pk]).update(status="cancelled")
    after = selectors.estimate_wait(last)
    thinned = QueueState(ahead=2, servers=1, busy=1, mean_service_s=180, abandon_share=2 / 3)
    assert after.ahead == 2 and after.minutes == math.ceil(estimate_seconds(thinned) / 60) == 4
