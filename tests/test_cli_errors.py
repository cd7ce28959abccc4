"""V4, L3, M1, M2: the command line refuses a bad file, a missing file or a wrong argument in one
line on stderr — Chinese, then English — with exit status 2, never a traceback. The commands
run as the operator runs them: `python -m servicehall.cli` subprocesses on a fresh database
holding the demo hall (SQLite, or a new PostgreSQL database beside DATABASE_URL's)."""

import subprocess
import sys
import time

import pytest

from tests.servers import demo_environment

GOOD = "号码,月份,金额\n13900000020,2026-10,88.50\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with demo_environment(tmp_path_factory.mktemp("cli")) as environment:
        yield environment


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "servicehall.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refused(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and " / Error: " in lines[0]
    return lines[0]


def test_v4_l3_import_bills_refuses_hostile_files_in_one_line(env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "13900000021,2026-10,1e1000000\n", encoding="utf-8")
    t0 = time.monotonic()
    line = refused(run(env, "import-bills", str(bad), "--user", "zhoujie"))
    assert time.monotonic() - t0 < 30  # the cell alone held a process for 20 s and more
    assert line.startswith("错误：第3行“金额”列有误（1e1000000）")
    assert "Error: Line 3, column Amount ('1e1000000')" in line
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(150 * 1024 * 1024)  # sparse: nothing is written to disk
    line = refused(run(env, "import-bills", str(huge), "--user", "zhoujie"))
    assert "文件过大：最大20MB（本文件150.0MB）" in line
    assert "无法读取或写入文件" in refused(
        run(env, "import-bills", str(tmp_path / "missing.csv"), "--user", "zhoujie")
    )
    assert "没有用户名为“nobody”的员工" in refused(
        run(env, "import-bills", str(bad), "--user", "nobody")
    )


def test_m1_import_kb_refuses_in_one_line(env, tmp_path):
    assert "没有 triples.txt" in refused(run(env, "import-kb", str(tmp_path)))
    (tmp_path / "triples.txt").write_text(
        "<某卡>\t<档位介绍表>\t<某卡_1>\n坏行\n", encoding="utf-8"
    )
    line = refused(run(env, "import-kb", str(tmp_path), "--strict"))
    assert "1 行格式错误" in line
    (tmp_path / "triples.txt").write_bytes("<某卡>\t<价格>\t<1>\n".encode("gbk"))
    assert "不是UTF-8编码" in refused(run(env, "import-kb", str(tmp_path)))


def test_m2_recommend_refuses_in_one_line(env, tmp_path):
    usage = tmp_path / "usage.csv"
    usage.write_text("号码,月份,金额,流量MB\n13900000020,2026-10,88,NaN\n", encoding="utf-8")
    out = tmp_path / "recs.csv"
    line = refused(run(env, "recommend", "--input", str(usage), "--output", str(out)))
    assert "第2行“流量MB”列有误（NaN）" in line and "未生成任何推荐" in line
    assert not out.exists()


def test_s4_staffing_refuses_in_one_line(env, tmp_path):
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "date,q_start,q_time,outcome,ser_start,ser_time\n"
        "2026-09-14,9:00:00,30,AGENT,25:00:00,120\n",
        encoding="utf-8",
    )
    line = refused(run(env, "staffing", "--input", str(calls)))
    assert "第2行“服务开始时间”（ser_start）列" in line and "column ser_start" in line
    line = refused(run(env, "staffing", "--input", str(calls), "--target-share", "1.5"))
    assert "--target-share" in line
    line = refused(run(env, "staffing", "--input", str(tmp_path / "none.csv")))
    assert "无法读取" in line


def test_s4_shifts_plan_refuses_in_one_line_and_plans_the_demo_hall(env, tmp_path):
    line = refused(run(env, "shifts", "plan", "--hall", "nowhere", "--date", "2026-12-03"))
    assert "没有代码为“nowhere”的营业厅" in line and "no hall with code 'nowhere'" in line
    line = refused(run(env, "shifts", "plan", "--hall", "chengdong", "--date", "2026-02-30"))
    assert "--date：" in line and "--date: '2026-02-30' is not a date" in line
    line = refused(run(env, "shifts", "plan", "--hall", "chengdong", "--date", "2026-06-01"))
    assert "没有取号记录" in line and "no tickets in the 28 days" in line
    line = refused(
        run(env, "shifts", "plan", "--input", str(tmp_path / "none.csv"), "--date", "2026-12-03")
    )
    assert "无法读取" in line
    from datetime import date, timedelta

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    done = run(env, "shifts", "plan", "--hall", "chengdong", "--date", tomorrow)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "成本最低排班（已保存）" in done.stdout and "早班" in done.stdout
