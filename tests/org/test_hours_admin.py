"""Q1: an administrator keeps a hall's opening hours, exceptions and display notice in the
Hall admin; overnight hours are refused with a message, not stored."""

import pytest
from django.utils import translation

from servicehall.org.models import OpeningHours

pytestmark = pytest.mark.django_db


def form_data(hall, hours_rows, notice=""):
    data = {
        "code": hall.code,
        "name": hall.name,
        "area": "",
        "address": "",
        "is_open": "on",
        "notice": notice,
        "opening_hours-TOTAL_FORMS": str(len(hours_rows)),
        "opening_hours-INITIAL_FORMS": "0",
        "opening_exceptions-TOTAL_FORMS": "0",
        "opening_exceptions-INITIAL_FORMS": "0",
        "counters-TOTAL_FORMS": "0",
        "counters-INITIAL_FORMS": "0",
    }
    for i, (day, opens, closes) in enumerate(hours_rows):
        data[f"opening_hours-{i}-weekday"] = str(day)
        data[f"opening_hours-{i}-opens"] = opens
        data[f"opening_hours-{i}-closes"] = closes
    return data


def test_q1_hall_admin_shows_hours_exceptions_and_notice_in_chinese(admin_client, hall):
    with translation.override("zh-hans"):
        r = admin_client.get(f"/admin/org/hall/{hall.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'name="notice"' in html and 'name="opening_hours-TOTAL_FORMS"' in html
    assert 'name="opening_exceptions-TOTAL_FORMS"' in html
    for label in ("营业时间", "营业时间例外", "大厅公告", "法定节假日"):
        assert label in html, label


def test_q1_hall_admin_saves_hours_and_refuses_overnight(admin_client, hall):
    url = f"/admin/org/hall/{hall.pk}/change/"
    r = admin_client.post(url, form_data(hall, [(0, "20:00", "02:00")]))
    html = r.content.decode()
    assert r.status_code == 200  # the form again, with the error (the interface is Chinese)
    assert "不支持跨午夜的营业时间" in html and "opening_hours_order" not in html
    assert not OpeningHours.objects.exists()
    r = admin_client.post(
        url,
        form_data(hall, [(0, "08:30", "12:00"), (0, "11:00", "18:00")]),
    )
    assert r.status_code == 200 and "重叠" in r.content.decode()
    rows = [(0, "08:30", "12:00"), (0, "13:00", "18:00"), (7, "09:00", "17:00")]
    r = admin_client.post(url, form_data(hall, rows, notice="今日18:00闭厅"))
    assert r.status_code == 302
    assert OpeningHours.objects.filter(hall=hall).count() == 3
    hall.refresh_from_db()
    assert hall.notice == "今日18:00闭厅"
