"""S2, L6: the hotline's call records imported (`servicehall import-calls`) — counts, the
rows skipped and why, idempotent re-import, a bad cell refused with its line and column and
nothing written — and the dashboard's figures on hand-made calls whose answers are known."""

from datetime import date

import pytest
from django.utils import timezone

from servicehall import cli
from servicehall.core.errors import ServiceError
from servicehall.hotline import reports
from servicehall.hotline.calls import import_calls
from servicehall.hotline.models import Call, Interval

HEADER = (
    "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,"
    "q_start,q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server"
)


def row(priority, kind, day, q_start, q_time, outcome, ser_start="0:00:00", ser_time=0, server=""):
    return (
        f"AA0101,1,0,{priority},{kind},{day},{q_start},{q_start},0,{q_start},{q_start},"
        f"{q_time},{outcome},{ser_start},{ser_start},{ser_time},{server or 'NO_SERVER'}"
    )


MON = "2026-03-02"  # a Monday: the week 2026-03-02 – 03-08
ROWS = [
    row(2, "PS", MON, "9:00:00", 10, "AGENT", "9:00:10", 100, "ANAT"),  # VIP, ≤ 15 s
    row(2, "PS", MON, "9:05:00", 18, "AGENT", "9:05:18", 200, "AVI"),  # VIP, ≤ 20 s
    row(2, "PS", MON, "9:10:00", 40, "HANG"),  # VIP, abandoned after 20 s
    row(0, "NW", MON, "9:40:00", 26, "AGENT", "9:40:26", 60, "ANAT"),  # answered after 20 s
    row(1, "PS", MON, "9:45:00", 5, "HANG"),  # a short abandon: counts neither way
    row(0, "NW", MON, "0:00:00", 0, "AGENT", "9:50:00", 30, "AVI"),  # answered, never queued
    row(0, "PS", MON, "0:00:00", 0, "HANG"),  # hung up in the voice menu: skipped
    row(0, "PS", MON, "0:00:00", 0, "PHANTOM"),  # skipped
    row(1, "PS", MON, "10:02:00", 17, "HANG"),  # abandoned after 15 s, within 20 s
    row(0, "PS", "2026-02-24", "9:00:00", 30, "AGENT", "9:00:30", 50, "ANAT"),  # week before
    row(1, "PS", MON, "10:10:00", 3, "AGENT", "10:10:03", 90, "AVI"),
]


def write(tmp_path, rows, name="calls.csv", header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load(path, **kw):
    with open(path, "rb") as f:
        return import_calls(f, str(path), **kw)


@pytest.fixture
def imported(db, tmp_path):
    return load(write(tmp_path, ROWS))


def test_s2_import_counts_skips_and_keeps_abandoned_calls(imported):
    assert imported["read"] == 11 and imported["calls"] == 9 + 0 and imported["added"] == 9
    assert imported["skipped"] == {"menu": 1, "phantom": 1}
    assert imported["already"] == 0 and imported["repeated"] == 0
    assert imported["days"] == ["2026-02-24", MON]
    assert Call.objects.count() == 9
    assert Call.objects.filter(answered=False).count() == 3  # abandonment is a figure
    assert set(Call.objects.values_list("queue", flat=True)) == {"PS", "NW"}
    assert Call.objects.filter(vip=True).count() == 3  # priority 2
    never = Call.objects.get(queued=False)
    assert never.wait == 0 and never.agent == "AVI" and never.slot == 19  # 9:50 → 09:30–10:00
    at = timezone.localtime(Call.objects.get(wait=10).arrival)  # the hall's time, Asia/Shanghai
    assert (at.date(), at.hour, at.minute) == (date(2026, 3, 2), 9, 0)


def test_s2_importing_the_same_file_again_adds_nothing(imported, tmp_path):
    before = sorted(Interval.objects.values_list("day", "slot", "queue", "offered", "answered"))
    again = load(write(tmp_path, ROWS, "again.csv"))
    assert (again["added"], again["already"], again["days"]) == (0, 9, [])
    assert Call.objects.count() == 9
    after = sorted(Interval.objects.values_list("day", "slot", "queue", "offered", "answered"))
    assert after == before
    # a repeated row in one file is added once
    more = load(
        write(
            tmp_path,
            [ROWS[0], row(0, "IN", MON, "11:00:00", 4, "AGENT", "11:00:04", 20, "ROTH")] * 2,
            "more.csv",
        )
    )
    assert (more["added"], more["already"], more["repeated"]) == (1, 1, 2)
    assert (
        Interval.objects.filter(day=date(2026, 3, 2)).aggregate(n=reports.SUMS["offered"])["n"] == 9
    )  # the day's rollups recomputed with the new call


def test_s2_a_bad_cell_refuses_the_file_naming_line_and_column_nothing_written(db, tmp_path):
    rows = [*ROWS[:2], row(0, "PS", MON, "9:20:00", "12x", "AGENT", "9:20:12", 40, "ANAT")]
    with pytest.raises(ServiceError) as e:
        load(write(tmp_path, rows))
    assert e.value.field == "q_time"
    assert "第4行" in e.value.zh and "q_time" in e.value.zh
    assert e.value.en.startswith("Line 4, column q_time")
    assert Call.objects.count() == 0 and Interval.objects.count() == 0


def test_s2_the_command_prints_one_summary_line_and_refuses_in_both_languages(db, tmp_path, capsys):
    good = write(tmp_path, ROWS)
    cli.main(["import-calls", str(good)])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("读取 11 行，来电 9：新增 9，已存在 0")
    assert "rows read 11, calls 9: added 9, already there 0" in out[0]
    assert "PHANTOM 1" in out[0] or "PHANTOM rows 1" in out[0]
    cli.main(["import-calls", str(good)])
    assert "新增 0，已存在 9" in capsys.readouterr().out
    bad = write(tmp_path, [row(0, "PS", MON, "25:00:00", 3, "AGENT", "9:00:03", 5, "A")], "b.csv")
    with pytest.raises(SystemExit) as e:
        cli.main(["import-calls", str(bad)])
    assert e.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1  # one line, no progress bar, no traceback
    err = lines[0]
    assert (
        err.startswith("错误：第2行“排队开始时间”（q_start）列")
        and "Error: Line 2, column q_start" in err
    )
    with pytest.raises(SystemExit):
        cli.main(["import-calls", str(tmp_path / "missing.csv")])
    assert "无法读取或写入文件" in capsys.readouterr().err
    assert Call.objects.count() == 9


def test_s2_the_documented_chinese_columns_and_one_queue_for_the_file(db, tmp_path):
    header = "日期,排队开始时间,排队秒数,结果,服务开始时间,服务秒数,优先级,坐席"
    rows = ["2026-03-03,14:00:00,12,AGENT,14:00:12,300,2,王芳", "2026-03-03,14:01:00,50,HANG,,0,0,"]
    result = load(write(tmp_path, rows, "zh.csv", header), queue="10000号宽带")
    assert result["added"] == 2
    assert set(Call.objects.values_list("queue", "vip", "agent")) == {
        ("10000号宽带", True, "王芳"),
        ("10000号宽带", False, ""),
    }
    with pytest.raises(ServiceError) as e:
        load(write(tmp_path, rows, "zh.csv", header), queue=" ")
    assert e.value.field == "queue"


def test_s2_figures_on_hand_made_calls(imported, manager):
    p = reports.period("week", "2026-03-04")
    assert (p.start, p.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert (p.prev_start, p.prev_end) == (date(2026, 2, 23), date(2026, 3, 1))
    d = reports.dashboard(manager, p)
    t = d["totals"]
    assert (t["offered"], t["answered"], t["abandoned"]) == (8, 5, 3)
    # within 20 s: 4 of (5 answered + 1 abandoned after 20 s); the 5-second hang-up counts
    # neither way
    assert t["sl20"] == 66.7
    assert t["sl15"] == 42.9  # 3 of (5 + 2 abandoned after 15 s)
    assert t["abandon"] == 37.5  # 3 of 8
    assert t["asa"] == 11.4  # (10 + 18 + 26 + 0 + 3) / 5
    assert t["aht"] == 96.0
    v = d["vip"]
    assert (v["offered"], v["sl20"], v["abandon"]) == (3, 66.7, 33.3)
    assert d["prev"]["offered"] == 1 and d["prev"]["sl20"] == 0.0  # the week before: 30 s
    slots = {r["label"]: r["offered"] for r in d["by_slot"]}
    assert slots == {"09:00–09:30": 3, "09:30–10:00": 3, "10:00–10:30": 2}
    agents = {r["agent"]: (r["answered"], r["within20"], r["asa"]) for r in d["by_agent"]}
    assert agents == {"AVI": (3, 100.0, 7.0), "ANAT": (2, 50.0, 18.0)}
    prio = {r["priority"]: (r["offered"], r["sl20"], r["vip"]) for r in d["by_priority"]}
    assert prio == {"0": (2, 50.0, False), "1": (3, 100.0, False), "2": (3, 66.7, True)}
    only = reports.dashboard(manager, p, queue="NW")["totals"]
    assert (only["offered"], only["sl20"]) == (2, 50.0)
    day = reports.dashboard(manager, reports.period("day", "2026-02-24"))["totals"]
    assert day["offered"] == 1


def test_s2_periods_month_custom_and_refusals(db):
    m = reports.period("month", "2026-03-15")
    assert (m.start, m.end, m.prev_start, m.prev_end) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    c = reports.period("custom", start="2026-03-02", end="2026-03-04")
    assert (c.prev_start, c.prev_end) == (date(2026, 2, 27), date(2026, 3, 1))
    for kind, kw, field in [
        ("custom", {"start": "2026-03-05", "end": "2026-03-01"}, "to"),
        ("custom", {"start": "", "end": "2026-03-01"}, "from"),
        ("custom", {"start": "2025-01-01", "end": "2026-03-01"}, "to"),
        ("day", {"on": "2026-02-30"}, "date"),
        ("year", {}, "period"),
    ]:
        with pytest.raises(ServiceError) as e:
            reports.period(kind, **kw)
        assert e.value.field == field and e.value.zh and e.value.en


@pytest.mark.django_db(transaction=True)
def test_s2_two_imports_at_once_store_each_call_once_and_the_rollups_hold_both(tmp_path):
    """Two imports on one day (two connections), the second started while the first is inside
    its transaction, its calls written but not committed: the second waits for it (one import
    at a time), then adds only its own new call, and the day's rollups count both files'."""
    import threading
    import time

    from django.db import connections

    first = write(tmp_path, ROWS, "a.csv")
    second = write(
        tmp_path,
        [ROWS[0], row(0, "IN", MON, "11:00:00", 4, "AGENT", "11:00:04", 20, "ROTH")],
        "b.csv",
    )
    inside = threading.Event()
    results, errors = {}, []

    def hold(stage, done, total):  # the first import, its calls written, not yet committed
        inside.set()
        time.sleep(1.5)

    def run(name, path, **kw):
        try:
            if name == "b":
                assert inside.wait(timeout=30)
            results[name] = load(path, **kw)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("a", first), kwargs={"progress": hold}),
        threading.Thread(target=run, args=("b", second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert errors == [] and len(results) == 2
    assert (results["a"]["added"], results["b"]["added"], results["b"]["already"]) == (9, 1, 1)
    assert Call.objects.count() == 10
    day = Interval.objects.filter(day=date(2026, 3, 2)).aggregate(n=reports.SUMS["offered"])
    assert day["n"] == 9 == Call.objects.filter(day=date(2026, 3, 2)).count()
