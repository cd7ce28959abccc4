"""The business calendar and every deadline computed on it (docs/ARCHITECTURE.md: one calendar service).

Working days are Monday to Friday, except the public holidays, plus the make-up working days on
weekends (调休), all of them rows of CalendarDay. A year is filled the first time a date in it
is asked about (`ensure_year`):
- from the chinese-calendar package when it knows the year (it raises for any year after its
  last release: 1.11 knows 2004–2026) — the official schedule;
- otherwise from the holiday rules of the `holidays` package (which computes later years but
  without their make-up working days): the year is marked `rules`, a warning is logged and
  written to the audit log, and `unconfirmed_years` lists it for the admin pages until an
  administrator enters the State Council's schedule and marks the year official.
Nothing here ever fails for a year a package does not know.

Deadlines (`deadline`): seconds, minutes, hours and calendar days are wall-clock time (or, for a
policy that says so, the hall's open time: org/hours.py); N business days
end at the close of the N-th working day after the day it started (23:59:59 local time), so a
fault reported on Friday evening with "2 business days" is due at the end of Tuesday.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .db import write_transaction
from .models import CalendarDay, CalendarYear
from .ttl import TTLCache

log = logging.getLogger(__name__)

UNITS = ("seconds", "minutes", "hours", "days", "business_days")
CACHE_S = 60.0  # another process's admin edit is seen within this long

_years: TTLCache[dict[date, bool]] = TTLCache(CACHE_S)


def _from_package(year: int) -> list[tuple[date, bool, str]] | None:
    """The official schedule from chinese-calendar, or None when it does not know the year."""
    import chinese_calendar as cc

    try:
        cc.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    zh = {h.value: h.chinese for h in cc.Holiday}
    days = [(d, False, zh.get(n, n)) for d, n in cc.holidays.items() if d.year == year]
    days += [(d, True, f"{zh.get(n, n)}调休上班") for d, n in cc.workdays.items() if d.year == year]
    return days


def _from_rules(year: int) -> list[tuple[date, bool, str]]:
    import holidays

    return [(d, False, n) for d, n in holidays.China(years=year, language="zh_CN").items()]


def ensure_year(year: int) -> CalendarYear:
    """The year's row, creating it and its days when nobody has yet."""
    found = CalendarYear.objects.filter(year=year).first()
    if found:
        return found
    days = _from_package(year)
    source = CalendarYear.Source.OFFICIAL
    if days is None:
        days, source = _from_rules(year), CalendarYear.Source.RULES
    try:
        with write_transaction():
            row = CalendarYear.objects.create(
                year=year,
                source=source,
                note="chinese-calendar" if source == "official" else "holidays (rules)",
            )
            CalendarDay.objects.bulk_create(
                [CalendarDay(day=d, is_workday=w, name=n[:50]) for d, w, n in sorted(days)],
                ignore_conflicts=True,
            )
    except IntegrityError:  # another request seeded it first
        return CalendarYear.objects.get(year=year)
    if source == CalendarYear.Source.RULES:
        log.warning(
            "Business calendar %s: the official holiday schedule is not entered; using holiday "
            "rules without make-up working days. An administrator should enter it.",
            year,
        )
    return row


def unconfirmed_years(around: date | None = None) -> list[int]:
    """This year and next, when their official schedule is not entered (a year nobody has
    asked about yet is filled by the rules here, so next year shows up in time)."""
    y = (around or timezone.localdate()).year
    ensure_year(y)
    ensure_year(y + 1)
    return list(
        CalendarYear.objects.filter(year__in=(y, y + 1), source=CalendarYear.Source.RULES)
        .order_by("year")
        .values_list("year", flat=True)
    )


def _load_year(year: int) -> dict[date, bool]:
    ensure_year(year)
    return dict(CalendarDay.objects.filter(day__year=year).values_list("day", "is_workday"))


def _exceptions(year: int) -> dict[date, bool]:
    return _years.get(year, lambda: _load_year(year))


def forget(**kwargs) -> None:
    _years.forget()


post_save.connect(forget, sender=CalendarDay, dispatch_uid="calendar-day-save")
post_delete.connect(forget, sender=CalendarDay, dispatch_uid="calendar-day-delete")
post_save.connect(forget, sender=CalendarYear, dispatch_uid="calendar-year-save")
post_delete.connect(forget, sender=CalendarYear, dispatch_uid="calendar-year-delete")


def is_workday(d: date) -> bool:
    special = _exceptions(d.year).get(d)
    return special if special is not None else d.weekday() < 5


def is_holiday(d: date) -> bool:
    """A statutory holiday (a day the calendar lists as not worked): an ordinary weekend is
    not one, nor is a make-up working day (org/hours.py: a hall's holiday hours)."""
    return _exceptions(d.year).get(d) is False


def add_business_days(start: datetime, n: int) -> datetime:
    """The end (23:59:59 local) of the n-th working day after start's day; n = 0: the end of
    start's day if it is a working day, else of the next working day."""
    d = timezone.localtime(start).date()
    if n == 0:
        while not is_workday(d):
            d += timedelta(days=1)
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if is_workday(d):
            counted += 1
    end = datetime(d.year, d.month, d.day, 23, 59, 59)
    return timezone.make_aware(end, timezone.get_current_timezone())


OPEN_TIME_UNITS = ("seconds", "minutes", "hours")


def deadline(start: datetime, amount: float, unit: str, *, open_hours=None) -> datetime:
    """`start` plus `amount` `unit`s. `open_hours`: a hall's schedule (org/hours.Schedule) when
    the policy counts only the hall's opening hours — seconds, minutes and hours then count
    only time the hall is open (Schedule.add_open_time); days and business days are unchanged."""
    if open_hours is not None and unit in OPEN_TIME_UNITS:
        return open_hours.add_open_time(start, timedelta(**{unit: amount}))
    if unit == "seconds":
        return start + timedelta(seconds=amount)
    if unit == "minutes":
        return start + timedelta(minutes=amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "business_days":
        return add_business_days(start, amount)
    raise ValueError(f"unknown deadline unit {unit!r}; one of {UNITS}")
