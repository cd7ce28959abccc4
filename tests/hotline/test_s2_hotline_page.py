"""S2, L6: the hotline dashboard /reports/hotline — who may open it (hall and area managers,
quality supervisors, administrators; no one else), the tiles coloured against their targets,
the tables, the empty state that says how to import, a bad period refused beside the form in
both languages, and the Excel export with every table."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from servicehall.org.roles import ROLES
from tests.conftest import client_for
from tests.factories import make_staff
from tests.hotline.test_s2_hotline_import import ROWS, load, write

ALLOWED = {"hall_manager", "area_manager", "quality_supervisor", "administrator"}
WEEK = "/reports/hotline?period=week&date=2026-03-04"


@pytest.fixture
def imported(db, tmp_path):
    return load(write(tmp_path, ROWS))


@pytest.mark.parametrize("role", [r.code for r in ROLES])
def test_s2_the_dashboard_for_each_role(role, hall, imported):
    c = client_for(make_staff(role, hall))
    page = c.get(WEEK)
    sheet = c.get(WEEK.replace("hotline?", "hotline.xlsx?"))
    if role in ALLOWED:
        assert page.status_code == 200 and sheet.status_code == 200
        assert b'id="nav-hotline"' in page.content
    else:
        assert page.status_code == 403 and sheet.status_code == 403
        assert b'id="nav-hotline"' not in c.get("/").content


def test_s2_anonymous_is_sent_to_sign_in(client):
    r = client.get("/reports/hotline")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_s2_tiles_against_their_targets_and_the_tables(manager, imported):
    html = client_for(manager).get(WEEK).content.decode()
    assert 'id="t-offered">8<' in html
    assert 'id="t-sl20">66.7%<' in html and 'id="t-sl20-tile" data-met="no"' in html
    assert 'class="tile bad" id="t-sl20-tile"' in html  # below 75 %: red
    assert 'id="t-vip_sl20">66.7%<' in html and 'class="tile bad" id="t-vip_sl20-tile"' in html
    assert 'id="t-asa">11.4 秒<' in html and 'id="t-abandon">37.5%<' in html
    assert "目标 ≥ 75%" in html and "目标 ≥ 85%" in html and "上期 0.0%" in html
    assert '<tr data-agent="AVI">' in html and '<tr data-priority="2">' in html
    assert 'id="hotline-chart"' in html  # the chart's data
    # priority 1 alone: 1 answered within 20 s, no abandon after 20 s — the target met: green
    one = client_for(manager).get(WEEK + "&priority=1").content.decode()
    assert 'class="tile ok" id="t-sl20-tile"' in one and 'id="t-sl20">100.0%<' in one
    english = client_for(manager, "en").get(WEEK).content.decode()
    assert "Hotline dashboard" in english and "target ≥ 75%" in english and "11.4 s" in english


def test_s2_empty_state_says_how_to_import(hall, manager):
    html = client_for(manager).get("/reports/hotline").content.decode()
    assert 'id="hotline-empty"' in html and "servicehall import-calls" in html
    assert "尚未导入热线来电记录" in html and 'id="export-xlsx"' not in html
    assert "系统管理员也可以在导入页面上传该文件" in html and 'id="report-pick"' not in html
    admin = client_for(make_staff("administrator", hall)).get("/reports/hotline").content
    assert b'href="/imports/#import-calls" id="empty-import-link"' in admin


def test_s2_a_period_without_calls_says_which_days_have_them(manager, imported):
    html = client_for(manager).get("/reports/hotline?period=day&date=2026-05-01").content.decode()
    assert "本期无来电。已导入的来电为 2026-02-24 至 2026-03-02。" in html


def test_s2_a_bad_period_is_refused_beside_the_form(manager, imported):
    r = client_for(manager).get("/reports/hotline?period=custom&from=2026-03-09&to=2026-03-01")
    assert r.status_code == 422
    assert 'data-field="to"' in r.content.decode() and "结束日期早于开始日期" in r.content.decode()
    en = client_for(manager, "en").get("/reports/hotline?period=day&date=2026-13-01")
    assert en.status_code == 422 and 'data-field="date"' in en.content.decode()
    assert b"Traceback" not in en.content


def test_s2_the_excel_export_has_every_table(manager, imported):
    r = client_for(manager).get(WEEK.replace("hotline?", "hotline.xlsx?"))
    assert r["Content-Disposition"] == 'attachment; filename="hotline-20260302-20260308.xlsx"'
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "按时段", "按坐席", "按优先级", "按队列"]
    summary = [list(x) for x in wb["汇总"].iter_rows(values_only=True)]
    assert summary[1][2:5] == [8, 5, 3] and summary[1][5] == pytest.approx(0.667)
    assert summary[2][1] == "VIP" and summary[2][5] == pytest.approx(0.667)
    agents = {x[0]: x[1] for x in wb["按坐席"].iter_rows(min_row=2, values_only=True)}
    assert agents == {"AVI": 3, "ANAT": 2}
    slots = [x[0] for x in wb["按时段"].iter_rows(min_row=2, values_only=True)]
    assert slots == ["09:00–09:30", "09:30–10:00", "10:00–10:30"]
