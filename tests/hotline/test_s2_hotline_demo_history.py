"""S2, L6: the demo's hotline days (hotline/history.py) — a simulated queue written as a call
log and imported like any file — look like a hotline a manager would read: every half hour of
opening has calls, the service level sits around its target with some half hours missing it,
VIP callers are served first, and importing the same days again adds nothing."""

import csv
import io
from datetime import date

import pytest

from servicehall.hotline import history, reports
from servicehall.hotline.models import Call, Interval

FIRST = date(2026, 11, 16)  # a Monday: two weeks to 11-29


def test_s2_the_simulated_log_is_the_bank_format_and_deterministic():
    data = history.calls_csv(FIRST, 2)
    assert data == history.calls_csv(FIRST, 2)  # the same seed, the same days
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert {r["date"] for r in rows} == {"2026-11-16", "2026-11-17"}
    assert {r["type"] for r in rows} == {q for q, _ in history.QUEUES}
    for r in rows:  # the times of a call agree with each other
        if r["outcome"] == "AGENT" and r["q_start"] != "0:00:00":
            assert r["q_exit"] == r["ser_start"] and int(r["q_time"]) >= 1
        if r["outcome"] == "HANG":
            assert r["server"] == "NO_SERVER" and int(r["q_time"]) > 0


@pytest.mark.django_db
def test_s2_the_demo_hotline_reads_like_a_hotline():
    summary = history.write_days(FIRST, 14)
    assert len(summary["days"]) == 14 and summary["added"] == summary["calls"] > 10_000
    p = reports.period("custom", start="2026-11-16", end="2026-11-29")
    levels = reports.service_levels(p.start, p.end)
    assert 0.70 < levels["hotline_sl"] < 0.95  # around the 75 % target
    assert levels["hotline_vip_sl"] > levels["hotline_sl"]  # VIPs go first
    # some half hours miss the target (agents short), most do not
    missed = total = 0
    for day_slot in Interval.objects.values("day", "slot").distinct():
        qs = Interval.objects.filter(**day_slot)
        s = reports.figures(qs.aggregate(**reports.SUMS))
        if s["sl20"] is not None:
            total += 1
            missed += s["sl20"] < reports.TARGETS["sl20"]
    assert 0.05 * total < missed < 0.5 * total
    assert Call.objects.filter(answered=True).exclude(agent="").count() > 0
    again = history.write_days(FIRST, 14)
    assert again["added"] == 0 and again["already"] == summary["calls"]
