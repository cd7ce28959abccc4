"""C6: deadlines on the business calendar — holidays, make-up working days, unknown years."""

import logging
from datetime import date, datetime

import pytest
from django.utils import timezone

from servicehall.core import calendar
from servicehall.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def test_c6_official_year_knows_holidays_and_makeup_workdays():
    assert not calendar.is_workday(date(2026, 10, 1))  # 国庆节, a Thursday
    assert calendar.is_workday(date(2026, 10, 10))  # a Saturday worked for the holiday
    assert calendar.is_workday(date(2026, 11, 20))  # an ordinary Friday
    assert not calendar.is_workday(date(2026, 11, 21))  # an ordinary Saturday
    year = CalendarYear.objects.get(year=2026)
    assert year.source == CalendarYear.Source.OFFICIAL
    assert CalendarDay.objects.get(day=date(2026, 10, 10)).name.endswith("调休上班")


def test_c6_unknown_year_falls_back_to_rules_and_warns(caplog):
    caplog.set_level(logging.WARNING, logger="servicehall.core.calendar")
    assert not calendar.is_workday(date(2027, 1, 1))  # 元旦 by rule
    assert not calendar.is_workday(date(2027, 2, 8))  # 春节 by rule, a Monday
    assert calendar.is_workday(date(2027, 1, 4))
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.Source.RULES
    assert "2027" in caplog.text and "administrator" in caplog.text
    assert calendar.unconfirmed_years(date(2026, 12, 28)) == [2027]


def test_c6_case_opened_28_december_with_ten_business_days():
    due = calendar.deadline(local(2026, 12, 28, 10, 30), 10, "business_days")
    # Dec 29, 30, 31; Jan 1 is 元旦; Jan 4-8; Jan 11, 12.
    assert due == local(2027, 1, 12, 23, 59, 59)


def test_c6_admin_entering_the_schedule_changes_deadlines_at_once():
    start = local(2027, 2, 19, 9, 0)  # a Friday
    assert calendar.deadline(start, 1, "business_days") == local(2027, 2, 22, 23, 59, 59)
    CalendarDay.objects.create(day=date(2027, 2, 20), is_workday=True, name="春节调休上班")
    CalendarYear.objects.filter(year=2027).update(source=CalendarYear.Source.OFFICIAL)
    assert calendar.deadline(start, 1, "business_days") == local(2027, 2, 20, 23, 59, 59)
    assert calendar.unconfirmed_years(date(2026, 12, 1)) == []


def test_c6_business_days_skip_a_golden_week():
    due = calendar.deadline(local(2026, 9, 30, 17, 0), 2, "business_days")
    assert due == local(2026, 10, 9, 23, 59, 59)  # Oct 1-7 off; Oct 8 and 9 count


def test_c6_friday_evening_two_business_days_ends_tuesday():
    due = calendar.deadline(local(2026, 11, 20, 19, 0), 2, "business_days")
    assert due == local(2026, 11, 24, 23, 59, 59)


def test_c6_zero_business_days_on_a_holiday_means_the_next_working_day():
    assert calendar.deadline(local(2026, 10, 3, 12, 0), 0, "business_days") == local(
        2026, 10, 8, 23, 59, 59
    )


def test_c6_wall_clock_units_ignore_the_calendar():
    start = local(2026, 10, 1, 8, 0)
    assert calendar.deadline(start, 48, "hours") == local(2026, 10, 3, 8, 0)
    assert calendar.deadline(start, 15, "minutes") == local(2026, 10, 1, 8, 15)
    with pytest.raises(ValueError):
        calendar.deadline(start, 1, "fortnights")
