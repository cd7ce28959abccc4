"""The early warning (P5): the same problem, reported by different customers, in the same area, in
a short window — counted against that area's own usual rate for that problem at that hour of the
week. One pass over contacts in time order, shared by the stream (each new contact) and
`servicehall warn --input FILE.csv`.

For each contact and each problem it reports (problems.terms), per (area, problem):

- the windows (30, 60 and 180 minutes): the distinct customers who reported it in each;
- the baseline: how many such reports the area usually has in a window at this hour of the week,
  learnt from the contacts seen before (never from later ones): the mean over the weeks seen of
  that hour's count, shrunk toward the area's mean for any hour, never below `floor`;
- the score: −log10 of the Poisson probability of at least that many reports when the baseline
  is expected; with three windows, each test must clear the threshold plus log10(3).

An alert opens when the score reaches `threshold` with at least `min_customers` customers; it
grows while reports keep coming and closes when the longest window passes without one, or when
its reports are back near the usual. The baseline is taken two standard errors up from the rate
learnt (a rate learnt from few reports may be low by chance). Each alert says
its start and end, the area, the problem and the words customers used, how many contacts from
how many customers, the baseline and the score.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .problems import terms as problem_terms

WINDOWS = (30, 60, 180)  # minutes: a fast surge and a slower one are both seen
ONE_HOUR = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1)
EPOCH_HOUR_OF_WEEK = 3 * 24  # 1970-01-01 was a Thursday: Monday 00:00 is hour 0 of a week
MIN_CUSTOMERS = 3
THRESHOLD = 4.5  # −log10 p for one window's test (raised by log10 of the windows' number)
FLOOR = 0.05  # reports a window: the least an area is expected to have of any problem
SHRINK = 8.0  # weeks' weight of the area's usual rate for an hour, against the hour's own mean
HOURS_A_WEEK = 7 * 24
# no alert in a file's first week: the week's rhythm is being learnt (with 2 days, 179 false
# alerts instead of 13 on 795,125 contacts of 60 days, measured)
WARM_UP_DAYS = 7


@dataclass
class Alert:
    region: str
    term: str
    start: datetime  # the first report in the window that raised it
    end: datetime  # the last report
    raised: datetime  # the report that made it unusual enough: when a manager hears of it
    words: Counter = field(default_factory=Counter)
    contacts: list[str] = field(default_factory=list)
    customers: set = field(default_factory=set)
    baseline: float = 0.0
    score: float = 0.0
    count: int = 0
    window: int = 0  # minutes: the window in which it was unusual
    window_index: int = 0

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "raised": self.raised.isoformat(timespec="minutes"),
            "region": self.region,
            "terms": [self.term] + [w for w, _ in self.words.most_common(5)],
            "count": self.count,
            "customers": len(self.customers),
            "baseline": round(self.baseline, 3),
            "score": round(self.score, 1),
            "window_minutes": self.window,
        }


def poisson_score(k: int, expected: float) -> float:
    """−log10 P(X ≥ k) for X ~ Poisson(expected), exact by the series (k is small)."""
    if k <= 0:
        return 0.0
    term = math.exp(-expected)
    below = term
    for i in range(1, k):
        term *= expected / i
        below += term
    tail = max(1.0 - below, 0.0)
    if tail <= 1e-300:  # past the float's precision: the first term of the tail
        log_first = -expected + k * math.log(expected) - math.lgamma(k + 1)
        return -log_first / math.log(10)
    return -math.log10(tail)


def point_score(k: int, expected: float) -> float:
    """−log10 P(X = k): never below `poisson_score` (the tail holds at least that point), so a
    count whose point score misses the threshold cannot reach it — a quick refusal."""
    return (expected - k * math.log(expected) + math.lgamma(k + 1)) / math.log(10)


class _Key:
    """One area's one problem: its recent reports, its weekly history and its open alert."""

    __slots__ = (
        "reports",
        "popped",
        "starts",
        "customers",
        "hours",
        "first",
        "total",
        "alert",
        "rates",
        "hour",
        "pending",
    )

    def __init__(self, first: datetime, windows: int) -> None:
        self.reports: deque = deque()  # (at, customer, word, id) within the longest window
        self.popped = 0  # reports dropped from the deque's left: an index's offset
        # per window (shortest first): where it starts (an index counted from the first report
        # ever) and its customers with their reports in it — kept as reports come and go, so a
        # window's different customers are counted without a scan
        self.starts = [0] * windows
        self.customers = [Counter() for _ in range(windows)]
        # reports by hour of the week and in all, of the hours gone by: the hour under way
        # (`hour`, `pending` reports) is added when it is over, so a surge never counts itself
        # into the usual
        self.hours = [0] * HOURS_A_WEEK
        self.first = first
        self.total = 0
        self.hour = -1
        self.pending = 0
        self.alert: Alert | None = None
        self.rates: dict[int, float] = {}  # hourly rate by hour since the epoch, once an hour


class Detector:
    def __init__(
        self,
        *,
        windows: tuple[int, ...] = WINDOWS,
        min_customers: int = MIN_CUSTOMERS,
        threshold: float = THRESHOLD,
        history_start: datetime | None = None,
        warm_up_days: float = WARM_UP_DAYS,
        rhythm: list[float] | None = None,
    ) -> None:
        self.windows = [timedelta(minutes=w) for w in sorted(windows)]
        self.longest = self.windows[-1]
        self.window_hours = [w / ONE_HOUR for w in self.windows]
        self.min_customers = min_customers
        # several windows are several tests: each must be as much more unusual (Bonferroni)
        self.threshold = threshold + math.log10(len(self.windows))
        self.history_start = history_start  # when the contacts seen begin (the baseline's span)
        self.keys: dict[tuple[str, str], _Key] = {}
        self.seen = 0
        self.warm_up = timedelta(days=warm_up_days)
        # the week's rhythm: each hour of the week's share of contacts against the mean hour (1.0),
        # given (the stream reads one district's contacts but knows every district's rhythm) or
        # learnt from every area's reports seen (`all_hours`)
        self.rhythm = rhythm
        self.all_hours = [0] * HOURS_A_WEEK  # every area's reports by hour of the week
        self.all_total = 0
        # when the baseline's span begins, in hours since the epoch: the history's start where
        # it is known (the stream: the contacts of the weeks looked back on, however few), else
        # the first contact
        self.start_hour: float | None = (
            (history_start - EPOCH) / ONE_HOUR if history_start is not None else None
        )

    def baseline(self, key: _Key, now: float, window: float) -> float:
        """Reports expected in the `window` hours ending at `now` (hours since the epoch)."""
        return self.baselines(key, now, (window,))[0]

    def baselines(self, key: _Key, now: float, windows) -> list[float]:
        """Reports expected in each of `windows` (hours, shortest first) ending at `now` (hours
        since the epoch): the hourly rates of the hours a window spans, each weighed by the part
        it spans — one walk back through the hours for all windows; never below FLOOR."""
        out: list[float] = []
        expected, end = 0.0, now
        rates = key.rates
        for window in windows:
            begin = now - window
            while end > begin:
                hour = math.ceil(end) - 1  # the hour the piece ending at `end` lies in
                piece_start = max(hour, begin)
                rate = rates.get(hour)
                if rate is None:
                    rate = rates[hour] = self.hourly_rate(key, hour)
                    if len(rates) > 24:
                        del rates[min(rates)]
                expected += rate * (end - piece_start)
                end = piece_start
            out.append(max(expected, FLOOR))
        return out

    def hourly_rate(self, key: _Key, hour: int) -> float:
        """The area's reports of the problem expected in `hour` (hours since the epoch): its mean
        rate so far (many reports, so steady) times the week's rhythm at this hour as all areas'
        reports show it (plenty of them), with this hour's own mean for the area, over the times
        this hour of the week came round, shrunk toward that. Taken two standard errors up: a
        rate learnt from few reports may be low by chance."""
        elapsed = max(hour - self.start_hour, 1.0)
        came = self.occurrences(hour)
        overall = self.all_total / elapsed
        how = (hour + EPOCH_HOUR_OF_WEEK) % HOURS_A_WEEK
        if self.rhythm is not None:
            rhythm = self.rhythm[how]
        else:
            rhythm = self.all_hours[how] / came / overall if came and overall else 1.0
        usual = key.total / elapsed * rhythm
        # this hour's own history, read with its neighbours (a chance report or two in one hour of
        # a few weeks would otherwise make it look busy — or quiet)
        own = (key.hours[how - 1] + key.hours[how] + key.hours[(how + 1) % HOURS_A_WEEK]) / 3
        rate = (own + SHRINK * usual) / (came + SHRINK)
        return rate * (1 + 2 / math.sqrt(key.total + 1))

    def occurrences(self, hour: int) -> int:
        """How many times `hour`'s hour of the week came round since the first contact."""
        start = math.ceil(self.start_hour)
        first = start + (hour - start) % HOURS_A_WEEK  # the first time, at or after the start
        return (hour - first) // HOURS_A_WEEK

    def add(
        self, at: datetime, region: str, text: str, customer: str = "", cid: str = ""
    ) -> Iterator[Alert]:
        """One contact, in time order (`customer` empty: it counts as a customer of its own).
        Yields the alerts of this area and problem that closed before it: an alert is yielded
        once, when it closes; `close` yields those still open at the end."""
        now, warm = self._clock(at)
        for term, word in problem_terms(text).items():
            yield from self._report(at, now, warm, region, term, word, customer, cid)

    def add_report(
        self, at: datetime, region: str, term: str, word: str, customer: str = "", cid: str = ""
    ) -> Iterator[Alert]:
        """One problem already read from a contact (the stream keeps them: `incidents.Report`),
        in time order; as `add`."""
        now, warm = self._clock(at)
        yield from self._report(at, now, warm, region, term, word, customer, cid)

    def seed(self, region: str, term: str, hours: list[int], first: datetime) -> None:
        """An area's problem with its history already counted by hour of the week (the stream's
        aggregate query over its stored reports) instead of replayed report by report."""
        key = self.keys[(region, term)] = _Key(first, len(self.windows))
        key.hours = list(hours)
        key.total = sum(hours)

    def _clock(self, at: datetime) -> tuple[float, bool]:
        """`at` in hours since the epoch (cheap arithmetic below), and whether the warm-up is
        over; the first contact starts the history where none was given."""
        if self.history_start is None:
            self.history_start = at
        now = (at - EPOCH) / ONE_HOUR
        if self.start_hour is None:
            self.start_hour = now
        return now, at - self.history_start >= self.warm_up

    def _report(self, at, now, warm, region, term, word, customer, cid) -> Iterator[Alert]:
        key = self.keys.get((region, term))
        if key is None:
            key = self.keys[(region, term)] = _Key(at, len(self.windows))
        yield from self._advance(key, at)
        self.seen += 1
        who = customer or f"#{cid or self.seen}"
        key.reports.append((at, who, word, cid))
        for counter in key.customers:
            counter[who] += 1
        alert = key.alert
        if alert is not None and self._calm(key, now):
            yield alert  # back to the usual: the alert closes, a new one may open later
            alert = key.alert = None
        if alert is not None:
            alert.end = at
            alert.customers.add(who)
            alert.words[word] += 1
            alert.contacts.append(cid)
            alert.count += 1
            self._regrade(key, alert, now)
        elif warm:
            self._test(key, region, term, at, now)
        hour = math.floor(now)
        if key.hour != hour:
            self._hour_over(key)
            key.hour = hour
        key.pending += 1

    def _test(self, key: _Key, region: str, term: str, at: datetime, now: float) -> None:
        """Is what this area reports of this problem unusual now, in any window?"""
        counts = [len(c) for c in key.customers]
        if counts[-1] < self.min_customers:  # the longest window holds the most
            return
        expected = self.baselines(key, now, self.window_hours)
        for j, window in enumerate(self.windows):
            customers = counts[j]
            if customers < self.min_customers or customers <= expected[j]:
                continue
            if point_score(customers, expected[j]) < self.threshold:
                continue  # not even this bound reaches it
            score = poisson_score(customers, expected[j])
            if score >= self.threshold:
                first = key.starts[j] - key.popped
                alert = key.alert = Alert(
                    region, term, key.reports[first][0], at, at, baseline=expected[j]
                )
                for i in range(first, len(key.reports)):
                    _at, who, word, reported = key.reports[i]
                    alert.customers.add(who)
                    alert.words[word] += 1
                    alert.contacts.append(reported)
                    alert.count += 1
                alert.score = score
                alert.window = round(window.total_seconds() / 60)
                alert.window_index = j
                return

    def _regrade(self, key: _Key, alert: Alert, now: float) -> None:
        """A growing alert says how unusual it is now: its window's customers against the usual,
        the most unusual it has been (300 customers are not "1 in 4,000,000" as 4 were)."""
        j = alert.window_index
        expected = self.baselines(key, now, self.window_hours)[j]
        score = poisson_score(len(key.customers[j]), expected)
        if score > alert.score:
            alert.score, alert.baseline = score, expected

    def _hour_over(self, key: _Key) -> None:
        if key.pending:
            how = (key.hour + EPOCH_HOUR_OF_WEEK) % HOURS_A_WEEK
            key.hours[how] += key.pending
            key.total += key.pending
            self.all_hours[how] += key.pending
            self.all_total += key.pending
            key.pending = 0

    def _calm(self, key: _Key, now: float) -> bool:
        """Whether the longest window's reports are back near the usual (half the threshold)."""
        expected = self.baseline(key, now, self.longest / ONE_HOUR)
        return poisson_score(len(key.customers[-1]), expected) < self.threshold / 2

    def _advance(self, key: _Key, at: datetime) -> Iterator[Alert]:
        """Move every window's start to `at`: the reports left behind leave its count; the
        longest window's leave the deque. Yields the open alert if the longest window passed
        with no report (it closes)."""
        reports, end = key.reports, key.popped + len(key.reports)
        for j, window in enumerate(self.windows):
            cutoff = at - window
            start, counter = key.starts[j], key.customers[j]
            while start < end and reports[start - key.popped][0] <= cutoff:
                who = reports[start - key.popped][1]
                counter[who] -= 1
                if not counter[who]:
                    del counter[who]
                start += 1
            key.starts[j] = start
        while key.popped < key.starts[-1]:
            reports.popleft()
            key.popped += 1
        if key.alert is not None and key.alert.end <= at - self.longest:
            yield key.alert
            key.alert = None

    def close(self) -> Iterator[Alert]:
        """The alerts still open at the end of the contacts."""
        for key in self.keys.values():
            if key.alert is not None:
                yield key.alert
                key.alert = None


def detect(rows: Iterable[tuple], **options) -> list[Alert]:
    """Every alert in (at, region, text, customer, id) rows given in time order, by start."""
    detector = Detector(**options)
    alerts = [a for row in rows for a in detector.add(*row)]
    alerts.extend(detector.close())
    return sorted(alerts, key=lambda a: (a.start, a.region, a.term))
