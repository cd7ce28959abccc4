"""P5: the early warning over contacts — the same problem (in any of its words, Chinese or
English) from different customers in one area in a short window, against the area's own usual
rate; and `servicehall warn --input FILE.csv` over a file."""

import json
import random
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from servicehall.incidents import detector, stream
from servicehall.incidents.problems import terms

NOON = datetime(2026, 12, 1, 12, 0)


def calm_history(regions=("临江市/城东区", "临江市/城西区"), weeks=2, per_hour=1, seed=1):
    """Weeks of everyday contacts before NOON: a few an hour in each region, mixed problems."""
    rng = random.Random(seed)
    rows, n = [], 0
    start = NOON - timedelta(weeks=weeks)
    for hour in range(weeks * 7 * 24):
        for region in regions:
            for _ in range(per_hour):
                n += 1
                at = start + timedelta(hours=hour, minutes=rng.randrange(60))
                text = rng.choice(["话费乱扣费", "宽带断网了", "积分怎么兑换", "收不到短信"])
                rows.append((at, region, text, f"h{n}", f"h{n}"))
    return rows


def run(rows):
    return detector.detect(sorted(rows, key=lambda r: r[0]))


def test_p5_synonyms_are_one_problem_in_chinese_and_english():
    assert set(terms("从中午开始没信号")) == {"信号"}
    assert set(terms("手机无服务，打不通电话")) == {"信号"}
    assert set(terms("No signal since noon")) == {"信号"}
    assert set(terms("宽带断网，还乱扣费")) == {"宽带", "扣费"}
    assert terms("营业厅几点关门") == {}


def test_p5_four_customers_without_signal_in_one_district_raise_one_alert():
    """The 13:30 scene's cluster: four customers of 城东区, four ways to say 'no signal'."""
    said = ["手机没信号了", "从中午开始无服务", "电话打不通，怎么回事", "No signal at home"]
    cluster = [
        (NOON + timedelta(minutes=10 * i), "临江市/城东区", text, f"c{i}", f"t{i}")
        for i, text in enumerate(said)
    ]
    alerts = run(calm_history() + cluster)
    assert len(alerts) == 1
    found = alerts[0].as_dict()
    assert found["region"] == "临江市/城东区" and found["terms"][0] == "信号"
    assert found["customers"] == 4 and found["count"] == 4
    assert found["start"] == "2026-12-01T12:00" and found["raised"] <= "2026-12-01T12:30"
    assert found["baseline"] < 1 and found["score"] >= detector.THRESHOLD
    assert {"没信号", "无服务", "打不通", "No signal"} <= set(found["terms"])
    assert alerts[0].contacts == ["t0", "t1", "t2", "t3"]


def test_p5_the_same_reports_spread_over_areas_or_from_one_customer_raise_nothing():
    history = calm_history(regions=("甲区", "乙区", "丙区", "丁区"))
    spread = [
        (NOON + timedelta(minutes=10 * i), region, "手机没信号", f"c{i}", f"s{i}")
        for i, region in enumerate(("甲区", "乙区", "丙区", "丁区"))
    ]
    one_customer = [
        (NOON + timedelta(minutes=5 * i), "甲区", "手机没信号", "same", f"o{i}") for i in range(6)
    ]
    assert run(history + spread) == []
    assert run(history + one_customer) == []


def test_p5_what_is_usual_for_an_area_is_not_an_alert():
    """Four broadband reports an hour every hour: four more at noon are the usual."""
    busy = [
        (NOON - timedelta(hours=h, minutes=m), "临江市/城东区", "宽带断网", f"b{h}-{m}", "")
        for h in range(1, 14 * 24)
        for m in (5, 20, 35, 50)
    ]
    noon = [
        (NOON + timedelta(minutes=m), "临江市/城东区", "宽带坏了", f"n{m}", "")
        for m in (1, 9, 17, 25)
    ]
    assert run(busy + noon) == []


def test_p5_no_alert_while_the_baseline_is_being_learnt():
    cluster = [(NOON + timedelta(minutes=i), "甲区", "没信号", f"c{i}", "") for i in range(10)]
    assert run(cluster) == []  # the first contacts of all: nothing to compare with yet
    assert len(detector.detect(cluster, warm_up_days=0)) == 1


def test_p5_the_generator_is_the_same_stream_for_the_same_seed():
    a, clusters_a = stream.stream(days=10, per_day=200, repeat=1, seed=3)
    b, clusters_b = stream.stream(days=10, per_day=200, repeat=1, seed=3)
    assert a == b and clusters_a == clusters_b
    assert [r[0] for r in a] == sorted(r[0] for r in a)
    assert {c.size for c in clusters_a} == {3, 5, 8, 15, 30}


def warn(tmp_path, text: str, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "servicehall.cli", "warn", "--input", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"SERVICEHALL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )


def test_p5_warn_prints_one_json_line_per_alert(tmp_path):
    rows = calm_history() + [
        (NOON + timedelta(minutes=7 * i), "临江市/城东区", "没信号", f"c{i}", f"t{i}")
        for i in range(5)
    ]
    lines = ["id,created_at,region,customer,text"] + [
        f"{cid},{at:%Y/%m/%d %H:%M:%S},{region},{customer},{text}"
        for at, region, text, customer, cid in reversed(rows)  # any order: it sorts
    ]
    done = warn(tmp_path, "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    alerts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(alerts) == 1
    keys = {"start", "end", "region", "terms", "count", "customers", "baseline", "score"}
    assert keys <= set(alerts[0]) and alerts[0]["customers"] == 5


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("text,region\n没信号,甲区\n", "第1行"),
        ("text,created_at,region\n没信号,2026-12-01 12:00,甲区\n没信号,昨天中午,甲区\n", "第3行"),
        ("text,created_at,region\n没信号,2026-12-01 12:00,\n", "第2行：region 为空"),
        ("text,created_at,region\n没信号,2026-12-01\n", "第2行：应有3列"),
    ],
)
def test_p5_warn_refuses_a_bad_file_naming_the_line(tmp_path, text, said):
    done = warn(tmp_path, text)
    assert done.returncode == 2 and said in done.stderr and done.stdout == ""


def test_p5_every_problem_has_its_two_names_and_its_words():
    from servicehall.incidents.problems import PROBLEMS, SURFACE_TERM

    for term, entry in PROBLEMS.items():
        assert len(entry) == 3, term
        zh, en, forms = entry
        assert isinstance(zh, str) and isinstance(en, str) and isinstance(forms, tuple), term
        assert all(terms(form) == {term: form} for form in forms), term
    assert len(SURFACE_TERM) == sum(len(f) for *_, f in PROBLEMS.values())  # no word twice


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("收不到短信了", "短信"),
        ("短信一直收不到", "短信"),
        ("发不出短信", "短信"),
        ("I can't receive SMS codes", "短信"),
        ("家里宽带断了上不了网", "宽带"),
        ("wifi连不上", "宽带"),
        ("网断了", "网络"),
        ("internet is down", "网络"),
        ("信号很差，电话打不通", "信号"),
        ("手机只能拨打紧急电话", "信号"),
        ("电视机顶盒黑屏", "电视"),
    ],
)
def test_p5_a_problem_in_the_words_customers_use(text, term):
    assert term in terms(text)


@pytest.mark.parametrize("text", ["我想办宽带", "手机号码怎么改", "通话记录怎么查", "套餐多少钱"])
def test_p5_a_question_is_not_a_problem(text):
    assert terms(text) == {}


def test_p5_a_growing_alert_says_how_unusual_it_is_now():
    history = calm_history()
    surge = [
        (NOON + timedelta(minutes=i), "临江市/城东区", "手机没信号", f"s{i}", f"s{i}")
        for i in range(40)
    ]
    alerts = run(history + surge)
    (alert,) = [a for a in alerts if a.start >= NOON]
    four = run(history + surge[:4])
    (first,) = [a for a in four if a.start >= NOON]
    assert alert.customers == set(f"s{i}" for i in range(40))
    assert alert.score > first.score + 20  # forty customers are far less likely than four


def test_p5_a_row_with_more_columns_than_the_header_or_bad_bytes_names_its_line(tmp_path):
    from servicehall.core.errors import ServiceError
    from servicehall.incidents import contacts_file

    extra = tmp_path / "extra.csv"
    extra.write_text("text,created_at,region\n没信号,2026-12-01 12:00,城东区,多余\n")
    with pytest.raises(ServiceError) as e:
        list(contacts_file.rows(str(extra)))
    assert "第2行" in e.value.zh
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "text,created_at,region\n没信号,2026-12-01 12:00,城东区\n".encode()
        + b"\xff\xfe,2026-12-01 12:01,x\n"
    )
    with pytest.raises(ServiceError) as e:
        list(contacts_file.rows(str(bad)))
    assert "第3行" in e.value.zh


def test_p5_warn_refuses_settings_that_mean_nothing(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("text,created_at,region\n没信号,2026/12/1 8:54,城东区\n")
    for flag in (["--window", "100000"], ["--window", "0"], ["--threshold", "nan"]):
        done = subprocess.run(
            [sys.executable, "-m", "servicehall.cli", "warn", "--input", str(path), *flag],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and "Error" in done.stderr and "Traceback" not in done.stderr


def test_p5_times_as_spreadsheets_write_them_and_a_column_named_twice(tmp_path):
    from servicehall.core.errors import ServiceError
    from servicehall.incidents import contacts_file

    ok = tmp_path / "ok.csv"
    ok.write_text("text,created_at,region\n没信号,2026/12/1 8:54,城东区\n")
    ((at, *_),) = contacts_file.rows(str(ok))
    assert at == datetime(2026, 12, 1, 8, 54)
    twice = tmp_path / "twice.csv"
    twice.write_text("text,created_at,region,region\n没信号,2026-12-01 08:54,城东区,城西区\n")
    with pytest.raises(ServiceError) as e:
        list(contacts_file.rows(str(twice)))
    assert "region" in e.value.en


def test_p5_how_unusual_reads_as_a_number_or_a_power_of_ten():
    from servicehall.incidents.selectors import one_in

    assert one_in(6.6) == "4,000,000"
    assert one_in(31.2) == "10^31"
