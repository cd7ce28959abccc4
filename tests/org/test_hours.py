"""Q1: a hall's opening hours — the week, statutory holidays from the business calendar, date
exceptions, open time added to an instant; overnight hours are refused."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from servicehall.org import hours
from servicehall.org.models import OpeningException, OpeningHours

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def week(hall, opens=time(9), closes=time(18), days=range(7), holiday=None):
    for d in days:
        OpeningHours.objects.create(hall=hall, weekday=d, opens=opens, closes=closes)
    if holiday:
        OpeningHours.objects.create(hall=hall, weekday=7, opens=holiday[0], closes=holiday[1])


def test_q1_a_hall_without_hours_is_manual_and_counts_plain_time(hall):
    s = hours.schedule(hall)
    assert s.manual and s.intervals(date(2026, 11, 23)) == []
    start = local(2026, 11, 23, 19, 58)
    assert s.add_open_time(start, timedelta(hours=8)) == start + timedelta(hours=8)


def test_q1_week_intervals_lunch_break_and_next_boundaries(hall):
    week(hall, time(9), time(12), days=range(5))
    week(hall, time(13, 30), time(18), days=range(5))
    mon = date(2026, 11, 23)
    assert [(a.hour, a.minute, b.hour) for a, b in hours.intervals(hall, mon)] == [
        (9, 0, 12),
        (13, 30, 18),
    ]
    assert hours.is_open_at(hall, local(2026, 11, 23, 11, 59))
    assert not hours.is_open_at(hall, local(2026, 11, 23, 12, 30))  # lunch
    assert not hours.is_open_at(hall, local(2026, 11, 23, 18, 0))  # closing is exclusive
    assert hours.next_opening(hall, local(2026, 11, 23, 12, 30)) == local(2026, 11, 23, 13, 30)
    assert hours.next_closing(hall, local(2026, 11, 23, 10)) == local(2026, 11, 23, 12)
    # Friday evening: the weekend is closed, next opening Monday 09:00
    assert hours.next_opening(hall, local(2026, 11, 27, 18, 5)) == local(2026, 11, 30, 9)
    assert not hours.is_open_at(hall, local(2026, 11, 28, 10))  # Saturday


def test_q1_statutory_holiday_uses_the_holiday_hours_from_the_calendar(hall):
    week(hall, time(8, 30), time(18), holiday=(time(9), time(17)))
    national_day = date(2026, 10, 1)  # a Thursday, a holiday in the business calendar
    assert [(a.hour, b.hour) for a, b in hours.intervals(hall, national_day)] == [(9, 17)]
    assert not hours.is_open_at(hall, local(2026, 10, 1, 8, 45))
    assert hours.is_open_at(hall, local(2026, 10, 8, 8, 45))  # back to the week
    # the make-up working Saturday (10-10) is not a holiday: the Saturday hours
    assert [(a.hour, a.minute) for a, _ in hours.intervals(hall, date(2026, 10, 10))] == [(8, 30)]


def test_q1_a_hall_without_holiday_hours_is_closed_on_holidays(hall):
    week(hall)
    assert hours.intervals(hall, date(2026, 10, 1)) == []
    assert hours.next_opening(hall, local(2026, 9, 30, 19)) == local(2026, 10, 8, 9)  # 1–7 off


def test_q1_a_date_exception_overrides_week_and_holiday(hall):
    week(hall, holiday=(time(9), time(17)))
    OpeningException.objects.create(hall=hall, date=date(2026, 11, 25), reason="盘点")
    OpeningException.objects.create(
        hall=hall, date=date(2026, 10, 1), opens=time(10), closes=time(14), reason="国庆短班"
    )
    assert hours.intervals(hall, date(2026, 11, 25)) == []
    assert [(a.hour, b.hour) for a, b in hours.intervals(hall, date(2026, 10, 1))] == [(10, 14)]
    assert hours.schedule(hall).reasons[date(2026, 11, 25)] == "盘点"
    assert hours.next_opening(hall, local(2026, 11, 24, 20)) == local(2026, 11, 26, 9)


def test_q1_adding_open_time_skips_nights_weekends_and_stops_at_a_closing(hall):
    week(hall, days=range(5))
    s = hours.schedule(hall)
    assert s.add_open_time(local(2026, 11, 23, 10), timedelta(hours=2)) == local(2026, 11, 23, 12)
    # exactly used up at closing: the closing time, not the next morning
    assert s.add_open_time(local(2026, 11, 23, 10), timedelta(hours=8)) == local(2026, 11, 23, 18)
    assert s.add_open_time(local(2026, 11, 23, 17), timedelta(hours=2)) == local(2026, 11, 24, 10)
    # Friday 17:00 + 3 h: 1 h on Friday, 2 h on Monday
    assert s.add_open_time(local(2026, 11, 27, 17), timedelta(hours=3)) == local(2026, 11, 30, 11)


def test_q1_overnight_and_overlapping_hours_are_refused():
    with pytest.raises(ValidationError) as e:
        hours.validate_day([(time(20), time(2))])
    assert e.value.code == "overnight"
    with pytest.raises(ValidationError) as e:
        hours.validate_day([(time(9), time(12)), (time(11), time(18))])
    assert e.value.code == "overlap"
    hours.validate_day([(time(9), time(12)), (time(12), time(18))])  # touching is fine
