"""A hall's opening hours (营业时间): the one place that says when a hall is open.

The week (org.OpeningHours): one or more intervals per weekday, 0 Monday … 6 Sunday, and 7 for
the statutory holidays of the business calendar (core.calendar: a day the calendar names as a
holiday, not a make-up working day); a hall with weekly hours but no row 7 is closed on
holidays. A date in org.OpeningException replaces both: closed (no times) or one interval.
Intervals lie within one day (opens < closes); overnight hours are not supported and are
refused by `validate_day`.

A hall without any weekly hours is under manual control: `Schedule.manual` is true, nothing
automatic happens (the manager opens and closes ticketing on the board), and `add_open_time`
is plain clock time.

All times are aware, in the current time zone (Asia/Shanghai).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from servicehall.core import calendar

from .models import Hall, OpeningException, OpeningHours

HOLIDAY = OpeningHours.HOLIDAY
SEARCH_DAYS = 400  # how far ahead the next opening is looked for (a year and some)

Span = tuple[time, time]


def validate_day(spans: list[Span]) -> None:
    """One day's intervals: each must close after it opens (no overnight hours) and none may
    overlap another. Raises ValidationError with the interface language's message."""
    for opens, closes in spans:
        if closes <= opens:
            raise ValidationError(
                _(
                    "Closing time %(closes)s must be after opening time %(opens)s; "
                    "hours past midnight are not supported: enter them on the next day."
                )
                % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
                code="overnight",
            )
    ordered = sorted(spans)
    for (_o1, c1), (o2, _c2) in zip(ordered, ordered[1:], strict=False):
        if o2 < c1:
            raise ValidationError(
                _("Opening hours %(a)s and %(b)s overlap.")
                % {"a": f"{_o1:%H:%M}–{c1:%H:%M}", "b": f"{o2:%H:%M}–{_c2:%H:%M}"},
                code="overlap",
            )


@dataclass(frozen=True)
class Schedule:
    """A hall's hours, loaded once (two queries); every question below is answered from it."""

    week: dict[int, tuple[Span, ...]] = field(default_factory=dict)
    exceptions: dict[date, tuple[Span, ...]] = field(default_factory=dict)
    reasons: dict[date, str] = field(default_factory=dict)

    @property
    def manual(self) -> bool:
        return not self.week

    def spans(self, d: date) -> tuple[Span, ...]:
        """The day's intervals as local times, earliest first (empty: closed all day)."""
        if d in self.exceptions:
            return self.exceptions[d]
        if self.manual:
            return ()
        if calendar.is_holiday(d):
            return self.week.get(HOLIDAY, ())
        return self.week.get(d.weekday(), ())

    def intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        tz = timezone.get_current_timezone()
        return [
            (
                timezone.make_aware(datetime.combine(d, o), tz),
                timezone.make_aware(datetime.combine(d, c), tz),
            )
            for o, c in self.spans(d)
        ]

    def _from(self, at: datetime):
        """Every interval ending after `at`, in order, for up to SEARCH_DAYS days."""
        d = timezone.localtime(at).date()
        for i in range(SEARCH_DAYS):
            for start, end in self.intervals(d + timedelta(days=i)):
                if end > at:
                    yield start, end

    def is_open_at(self, at: datetime) -> bool:
        return any(s <= at < e for s, e in self.intervals(timezone.localtime(at).date()))

    def next_opening(self, at: datetime) -> datetime | None:
        """The first opening strictly after `at` (None: none within a year, or manual)."""
        return next((s for s, _e in self._from(at) if s > at), None)

    def next_closing(self, at: datetime) -> datetime | None:
        """The end of the interval open at `at`, else of the next one."""
        return next((e for _s, e in self._from(at)), None)

    def next_change(self, at: datetime) -> datetime | None:
        """When the schedule's state changes next: the closing if open now, else the opening."""
        return self.next_closing(at) if self.is_open_at(at) else self.next_opening(at)

    def day_is_over(self, at: datetime) -> bool:
        """No interval of `at`'s day is still to come or running: the day's service has ended."""
        return all(e <= at for _s, e in self.intervals(timezone.localtime(at).date()))

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which the hall has been open for `duration` since `start`.

        Only time inside opening intervals counts: a clock started while the hall is closed
        starts at the next opening; closed evenings, closed days and holidays without holiday
        hours do not count. A deadline that uses up the duration exactly at a closing time is
        that closing time, not the next morning. A manual hall, or one that opens on no day
        within a year, counts plain clock time."""
        if self.manual or duration <= timedelta(0):
            return start + max(duration, timedelta(0))
        left = duration
        for s, e in self._from(start):
            begin = max(s, start)
            if begin + left <= e:
                return begin + left
            left -= e - begin
        return start + duration


def schedule(hall: Hall | int) -> Schedule:
    hall_id = hall if isinstance(hall, int) else hall.pk
    week: dict[int, list[Span]] = {}
    for wd, o, c in OpeningHours.objects.filter(hall_id=hall_id).values_list(
        "weekday", "opens", "closes"
    ):
        week.setdefault(wd, []).append((o, c))
    exceptions: dict[date, tuple[Span, ...]] = {}
    reasons: dict[date, str] = {}
    for d, o, c, reason in OpeningException.objects.filter(hall_id=hall_id).values_list(
        "date", "opens", "closes", "reason"
    ):
        exceptions[d] = ((o, c),) if o is not None and c is not None else ()
        reasons[d] = reason
    return Schedule(
        week={k: tuple(sorted(v)) for k, v in week.items()}, exceptions=exceptions, reasons=reasons
    )


# Module-level forms of the questions, for callers holding a hall.


def intervals(hall: Hall, d: date) -> list[tuple[datetime, datetime]]:
    return schedule(hall).intervals(d)


def is_open_at(hall: Hall, at: datetime) -> bool:
    return schedule(hall).is_open_at(at)


def next_opening(hall: Hall, at: datetime) -> datetime | None:
    return schedule(hall).next_opening(at)


def next_closing(hall: Hall, at: datetime) -> datetime | None:
    return schedule(hall).next_closing(at)


def add_open_time(hall: Hall, start: datetime, duration: timedelta) -> datetime:
    return schedule(hall).add_open_time(start, duration)
