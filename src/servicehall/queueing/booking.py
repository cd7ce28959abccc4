"""The appointment book's time rules (Q3), shared by the services and the selectors: half-hour
slots, the capacity of a slot, and the hours in which slots are offered.

The capacity is a module constant, not a QueuePolicy field (that would need a migration of the
queue's schema); a deployment may set APPOINTMENTS_PER_SLOT in its settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from servicehall.core.errors import ServiceError
from servicehall.org import hours
from servicehall.org.models import Hall

from .errors import Code

SLOT_MIN = 30  # the book is kept in half-hour slots
PER_SLOT = 4  # at most this many booked or checked-in appointments per slot and hall
# Offered when a hall has no opening hours configured at all.
DEFAULT_HOURS = ((time(9, 0), time(18, 0)),)
# How far ahead a customer may book (a month, as halls' booking lines offer), and how far back
# the book can be read: the window every day and slot is checked against before any date
# arithmetic, so 0001-01-01 or 9999-12-31 is a refusal, not an overflow.
DAYS_AHEAD = 30
DAYS_BACK = 3 * 366


def check_day(day: date, field: str = "day") -> date:
    """`day` if the book covers it (DAYS_BACK before today to DAYS_AHEAD after), else a 422
    naming `field`."""
    today = timezone.localdate()
    if not today - timedelta(days=DAYS_BACK) <= day <= today + timedelta(days=DAYS_AHEAD):
        raise ServiceError(
            Code.DAY_OUT_OF_RANGE,
            f"只能预约或查看 {DAYS_AHEAD} 天以内的日期（{day:%Y-%m-%d} 超出范围）",
            f"Appointments can be booked or read up to {DAYS_AHEAD} days ahead "
            f"({day.isoformat()} is out of range)",
            field=field,
            status=422,
        )
    return day


def per_slot() -> int:
    return int(getattr(settings, "APPOINTMENTS_PER_SLOT", PER_SLOT))


def slot_start(at: datetime) -> datetime:
    """The start of the half-hour slot `at` falls in (local time)."""
    local = timezone.localtime(at)
    return local.replace(minute=local.minute - local.minute % SLOT_MIN, second=0, microsecond=0)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware start of `day` and of the next day (Asia/Shanghai)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def configured_hours(hall: Hall, day: date) -> tuple[tuple[time, time], ...] | None:
    """The hall's opening intervals on `day` (org/hours.py: its week, statutory holidays and
    date exceptions); () when closed that day; None when the hall has no opening hours."""
    schedule = hours.schedule(hall)
    if schedule.manual and day not in schedule.exceptions:
        return None
    return schedule.spans(day)


def slots_of_day(hall: Hall, day: date) -> list[datetime]:
    """The slot starts offered on `day`: every half hour from opening to half an hour before
    closing, in each opening interval (09:00–18:00 when the hall has no hours configured)."""
    hours = configured_hours(hall, day)
    out = []
    for opens, closes in DEFAULT_HOURS if hours is None else hours:
        at = timezone.make_aware(datetime.combine(day, opens))
        if at != slot_start(at):  # opening off the half hour: the first whole slot
            at = slot_start(at) + timedelta(minutes=SLOT_MIN)
        end = timezone.make_aware(datetime.combine(day, closes))
        while at + timedelta(minutes=SLOT_MIN) <= end:
            out.append(at)
            at += timedelta(minutes=SLOT_MIN)
    return out


def within_hours(hall: Hall, at: datetime) -> bool:
    """Whether the hall is open at `at` by its opening hours (always, when it has none)."""
    local = timezone.localtime(at)
    spans = configured_hours(hall, local.date())
    return spans is None or any(opens <= local.time() < closes for opens, closes in spans)
