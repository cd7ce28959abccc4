"""The period a report covers (S2): a day, a week (Monday to Sunday), a month, or a custom
range of at most MAX_DAYS, and the period before it to compare with (the month before a month,
otherwise as many days just before). One rule for every report page: the service reports and
the hotline dashboard. Bad input is refused naming its field, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import validate
from .errors import Code, ServiceError

KINDS = ("day", "week", "month", "custom")
MAX_DAYS = 400  # a custom range: a year and a month at most


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # last day, inclusive
    prev_start: date
    prev_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def before(start: date, end: date) -> tuple[date, date]:
    """The period before `start`–`end`: the month before a whole month, else as many days."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        prev_end = start - timedelta(days=1)
        return prev_end.replace(day=1), prev_end
    n = (end - start).days + 1
    return start - timedelta(days=n), start - timedelta(days=1)


def _date(text: str, field: str, zh: str, en: str) -> date:
    day = validate.calendar_date(text, field)
    if day is None:
        raise ServiceError(
            Code.REQUIRED, f"请填写{zh}", f"Please fill in {en}", field=field, status=422
        )
    return day


def period(kind: str, on: str = "", start: str = "", end: str = "", *, default: date) -> Period:
    """The period asked for: `kind` day/week/month around the day `on` (a date, or for a month
    also YYYY-MM; blank: `default`), or custom from `start` to `end`."""
    kind = (kind or "").strip()
    if kind not in KINDS:
        raise ServiceError(
            Code.INVALID_CHOICE,
            f"统计周期取值无效：{kind[:20]}（可选：day 日、week 周、month 月、custom 自定义）",
            f"Invalid period {kind[:20]!r}: one of day, week, month, custom",
            field="period",
            status=422,
        )
    if kind == "custom":
        first = _date(start, "from", "开始日期", "the first day")
        last = _date(end, "to", "结束日期", "the last day")
        if last < first:
            raise ServiceError(
                Code.INVALID_DATE,
                "结束日期早于开始日期",
                "The last day is before the first day",
                field="to",
                status=422,
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise ServiceError(
                Code.INVALID_DATE,
                f"自定义周期最长{MAX_DAYS}天",
                f"A custom period is at most {MAX_DAYS} days",
                field="to",
                status=422,
            )
    else:
        text = (on or "").strip()
        if not text:
            day = default
        elif kind == "month" and len(text) <= 8:
            day = validate.month(text, "month")
        else:
            day = _date(text, "date", "日期", "the date")
        if kind == "day":
            first = last = day
        elif kind == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        else:
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(kind, first, last, *before(first, last))
