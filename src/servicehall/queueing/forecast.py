"""Forecasting arrivals per interval from history, and the other inputs of staffing (S4).

The forecast of a day's interval (15, 30 or 60 minutes) is the mean number of arrivals in that
interval on the history's days *like it*, by the business calendar (core.calendar):
1. a statutory holiday is like the history's holidays; a make-up working day on a weekend
   (调休) like the history's Monday-to-Friday working days; any other day like the history's
   days of the same weekday;
2. when the history has none of those: like its days of the same kind — working days for a
   working day, days off (weekends, holidays) for a day off;
3. when it has none of those either: like all of its days.
Each forecast says which rule it used (`basis`). "The business calendar" is China's (core.calendar:
weekends, statutory holidays, make-up days) unless a `Week` names other days off: a call centre
abroad keeps its own week — the bank call centre's file (Israel) works Sunday to Thursday, and
read with China's weekends its busiest day, Sunday, is forecast from its quietest, Saturday
(`servicehall staffing --weekend fri,sat`). A history of one week has one day of each
weekday: next week's forecast is then last week's same day, interval by interval, and
`held_back` shows what that costs.

`held_back` measures the forecast honestly on days it did not learn from: each held-back day is
forecast from the other days only, and the errors are per interval — MAE (mean absolute error,
arrivals per interval) over every interval of those days, MAPE (mean absolute percentage error)
over the intervals that had at least one arrival (it is undefined for the others), and the
error of each day's total — beside the same errors of a baseline that ignores the calendar (the
mean of all the days learnt from), so the rules above must earn their keep.

Patience (for Erlang A) is estimated as total time waited by everyone who queued ÷ the number
who hung up: the maximum-likelihood estimate of an exponential patience's mean when the served
callers' patience is censored at their wait (each waited at least that long). Service time is
the mean of the served calls' service. Both are pooled over the history's days for each time of
day, and taken from the whole history where an interval has too few calls to say
(`MIN_SERVED` served calls, `MIN_ABANDONED` abandonments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from servicehall.core import calendar

from .calls_file import Call

INTERVALS = (15, 30, 60)
MIN_SERVED = 20
MIN_ABANDONED = 10

BASIS = {  # how a forecast was made: Chinese, English
    "weekday": ("同星期几", "same weekday"),
    "holiday": ("节假日", "holidays"),
    "makeup": ("工作日（调休）", "working days (make-up day)"),
    "workdays": ("工作日", "working days"),
    "days_off": ("休息日", "days off"),
    "all": ("全部历史", "all history"),
}


def slots_per_day(interval: int) -> int:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS} minutes, not {interval!r}")
    return 24 * 60 // interval


def slot_of(at: datetime, interval: int) -> int:
    return (at.hour * 60 + at.minute) // interval


def counts_by_day(calls: list[Call], interval: int) -> dict[date, np.ndarray]:
    """Arrivals per interval for every day from the first call's to the last's (a day in
    between with no call is a day of zeros, not a day missing)."""
    size = slots_per_day(interval)
    first = min(c.arrival.date() for c in calls)
    last = max(c.arrival.date() for c in calls)
    out = {first + timedelta(days=i): np.zeros(size) for i in range((last - first).days + 1)}
    for c in calls:
        out[c.arrival.date()][slot_of(c.arrival, interval)] += 1
    return out


@dataclass(frozen=True)
class Week:
    """Which days are worked: the business calendar (`days_off` None: China's weekends,
    holidays and make-up days), or a plain week whose days off are the named weekdays
    (Monday 0 … Sunday 6) and which has no holidays."""

    days_off: frozenset[int] | None = None

    def is_workday(self, d: date) -> bool:
        if self.days_off is None:
            return calendar.is_workday(d)
        return d.weekday() not in self.days_off

    def is_holiday(self, d: date) -> bool:
        return self.days_off is None and calendar.is_holiday(d)

    def normally_off(self, d: date) -> bool:
        """A weekend day of the week, worked or not (a make-up day is one worked)."""
        return d.weekday() in (self.days_off if self.days_off is not None else (5, 6))


BUSINESS_CALENDAR = Week()


def _key(d: date, week: Week) -> str | int:
    if week.is_holiday(d):
        return "holiday"
    if week.is_workday(d) and week.normally_off(d):
        return "makeup"
    return d.weekday()


def like(d: date, days: list[date], week: Week = BUSINESS_CALENDAR) -> tuple[list[date], str]:
    """The history's days like `d` and the rule that chose them (module doc)."""
    key = _key(d, week)
    if key == "makeup":
        same = [h for h in days if week.is_workday(h) and not week.normally_off(h)]
        if same:
            return same, "makeup"
    else:
        same = [h for h in days if _key(h, week) == key]
        if same:
            return same, "holiday" if key == "holiday" else "weekday"
    work = week.is_workday(d)
    kind = [h for h in days if week.is_workday(h) == work]
    if kind:
        return kind, "workdays" if work else "days_off"
    return list(days), "all"


def forecast_day(
    history: dict[date, np.ndarray], d: date, week: Week = BUSINESS_CALENDAR
) -> tuple[np.ndarray, str]:
    """Expected arrivals in each interval of day `d`, and the basis (BASIS)."""
    chosen, basis = like(d, sorted(history), week)
    return np.mean([history[h] for h in chosen], axis=0), basis


@dataclass
class HeldBack:
    days: list[dict]  # per held-back day: date, basis, actual and forecast totals
    mae: float  # arrivals per interval, over every interval of the held-back days
    mape: float | None  # %, over the intervals with at least one arrival
    intervals: int
    intervals_with_arrivals: int
    baseline_mae: float  # the same days forecast as the mean of all the days learnt from
    baseline_mape: float | None

    def as_dict(self) -> dict:
        def pct(x):
            return None if x is None else round(x, 1)

        return {
            "days": self.days,
            "mae_per_interval": round(self.mae, 2),
            "mape_per_interval": pct(self.mape),
            "baseline_mae_per_interval": round(self.baseline_mae, 2),
            "baseline_mape_per_interval": pct(self.baseline_mape),
            "intervals": self.intervals,
            "intervals_with_arrivals": self.intervals_with_arrivals,
        }


def _errors(errors: list[np.ndarray], actuals: list[np.ndarray]) -> tuple[float, float | None]:
    err, act = np.concatenate(errors), np.concatenate(actuals)
    busy = act > 0
    mape = float(np.mean(np.abs(err[busy]) / act[busy]) * 100) if busy.any() else None
    return float(np.mean(np.abs(err))), mape


def held_back(
    history: dict[date, np.ndarray],
    held: list[date] | None = None,
    week: Week = BUSINESS_CALENDAR,
) -> HeldBack:
    """Each day of `held` (default: every day, one at a time) forecast from the days not held
    back, against what happened, beside the calendar-blind baseline (module doc)."""
    held = sorted(held if held is not None else history)
    one_at_a_time = len(held) == len(history)
    errors, baseline, actuals, days = [], [], [], []
    for d in held:
        if one_at_a_time:
            train = {h: v for h, v in history.items() if h != d}
        else:
            train = {h: v for h, v in history.items() if h not in held}
        if not train:
            raise ValueError("nothing left to learn from: hold back fewer days")
        predicted, basis = forecast_day(train, d, week)
        actual = history[d]
        errors.append(predicted - actual)
        baseline.append(np.mean(list(train.values()), axis=0) - actual)
        actuals.append(actual)
        days.append(
            {
                "date": d.isoformat(),
                "basis": basis,
                "actual": int(actual.sum()),
                "forecast": round(float(predicted.sum()), 1),
            }
        )
    mae, mape = _errors(errors, actuals)
    base_mae, base_mape = _errors(baseline, actuals)
    busy = int(sum((a > 0).sum() for a in actuals))
    return HeldBack(days, mae, mape, sum(len(a) for a in actuals), busy, base_mae, base_mape)


@dataclass
class Inputs:
    """Per interval of the day: mean service and patience in seconds (whole-history values
    where an interval has too few calls), and the whole-history values."""

    service: np.ndarray
    patience: np.ndarray  # inf where nobody ever hung up
    overall_service: float
    overall_patience: float


def patience_of(calls: list[Call]) -> float:
    """Total time waited ÷ abandonments (module doc); inf when nobody hung up."""
    gave_up = sum(1 for c in calls if not c.served)
    waited = sum(c.wait for c in calls)
    return waited / gave_up if gave_up else float("inf")


def inputs(calls: list[Call], interval: int) -> Inputs:
    size = slots_per_day(interval)
    served = [c.service for c in calls if c.served]
    overall_service = float(np.mean(served)) if served else 0.0
    overall_patience = patience_of(calls)
    by_slot: dict[int, list[Call]] = defaultdict(list)
    for c in calls:
        by_slot[slot_of(c.arrival, interval)].append(c)
    service = np.full(size, overall_service)
    patience = np.full(size, overall_patience)
    for s, group in by_slot.items():
        times = [c.service for c in group if c.served]
        if len(times) >= MIN_SERVED:
            service[s] = float(np.mean(times))
        if sum(1 for c in group if not c.served) >= MIN_ABANDONED:
            patience[s] = patience_of(group)
    return Inputs(service, patience, overall_service, overall_patience)


@dataclass
class Row:
    start: datetime
    arrivals: float  # forecast for the interval
    service: float  # mean seconds
    patience: float  # mean seconds (inf: nobody hung up)
    agents_c: int  # Erlang C
    agents_a: int  # Erlang A
    basis: str

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "arrivals": round(self.arrivals, 1),
            "mean_service_s": round(self.service, 1),
            "mean_patience_s": None if self.patience == float("inf") else round(self.patience, 1),
            "agents_erlang_c": self.agents_c,
            "agents_erlang_a": self.agents_a,
            "basis": self.basis,
        }


def plan(
    calls: list[Call],
    interval: int,
    t: float,
    share: float,
    days: int = 7,
    week: Week = BUSINESS_CALENDAR,
) -> tuple[list[Row], HeldBack]:
    """The `days` after the history's last: for every interval with arrivals forecast, the
    forecast, its inputs and the agents needed to answer `share` of callers within `t` seconds
    by Erlang C and by Erlang A; and the forecast's held-back error (each day from the others)."""
    from . import erlang

    history = counts_by_day(calls, interval)
    est = inputs(calls, interval)
    last = max(history)
    rows: list[Row] = []
    cache: dict[tuple, tuple[int, int]] = {}
    for i in range(1, days + 1):
        d = last + timedelta(days=i)
        expected, basis = forecast_day(history, d, week)
        for s, arrivals in enumerate(expected):
            if arrivals <= 0:
                continue
            service, patience = float(est.service[s]), float(est.patience[s])
            lam = arrivals / (interval * 60)
            key = (round(lam, 9), service, patience)
            if key not in cache:
                a = erlang.erlang_c_agents(lam, service, t, share)
                b = (
                    erlang.erlang_a_agents(lam, service, patience, t, share)
                    if patience != float("inf")
                    else a
                )
                cache[key] = (a, b)
            start = datetime(d.year, d.month, d.day) + timedelta(minutes=s * interval)
            rows.append(Row(start, float(arrivals), service, patience, *cache[key], basis))
    return rows, held_back(history, week=week)
