"""The least-cost shift plan (S4): how many of each shift template to staff so that, in every
interval of the day, the shifts on duty cover the counters required — an integer program.

Pure: numbers in, numbers out. `required[i]` is the counters needed in the i-th interval of the
day counted from midnight (interval minutes long, as `forecast.slot_of`); a `Shape` is a shift
template: its start and end in minutes after midnight and its cost. A shift covers an interval
when it is on duty for the whole of it. Its paid break is in its cost but not placed in the day:
the plan assumes breaks are staggered into the intervals with room to spare (`cover` counts a
shift for its whole span).

    minimise   Σ_j cost_j · x_j
    subject to Σ_j covers(j, i) · x_j ≥ required_i   for every interval i
               Σ_j covers(j, i) · x_j ≤ at_most           (when given: a hall's counters)
               x_j ∈ {0, 1, 2, …}

With `at_most`, nobody is rostered where no counter is free for them: a hall with six counters
gets no plan with nine people on duty at 14:00 because two fixed shifts overlap there. When the
templates cannot cover the requirement within it, the cap is dropped (the cheapest cover, as
without it) and `plan_within` says so. Solved by `scipy.optimize.milp` (HiGHS branch and bound,
exact for these sizes: a day has 48 half-hour intervals and a hall a handful of templates). An interval that needs counters and
that no template covers makes the program infeasible: refused, naming the interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from servicehall.core.errors import ServiceError

from .errors import Code

MAX_PER_TEMPLATE = 1000  # more than any hall: a requirement beyond it is a mistake


@dataclass(frozen=True)
class Shape:
    name: str
    start: int  # minutes after midnight
    end: int  # minutes after midnight, > start (no overnight shifts)
    cost: float


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_shapes(shapes: Sequence[Shape]) -> None:
    if not shapes:
        raise ServiceError(
            Code.NO_SHIFT_TEMPLATES,
            "没有可用的班次模板，请先设置班次",
            "No shift templates: set up the hall's shifts first",
            field="templates",
            status=422,
        )
    for s in shapes:
        if not 0 <= s.start < s.end <= 24 * 60:
            raise ServiceError(
                Code.NO_SHIFT_TEMPLATES,
                f"班次“{s.name}”的时间 {clock(s.start)}–{clock(s.end)} 无效（须在一天之内且开始早于结束）",
                f"Shift {s.name!r} runs {clock(s.start)}–{clock(s.end)}: it must start before "
                "it ends, within one day",
                field="templates",
                status=422,
            )
        if not (s.cost >= 0 and np.isfinite(s.cost)):
            raise ServiceError(
                Code.NO_SHIFT_TEMPLATES,
                f"班次“{s.name}”的成本须为不小于 0 的数",
                f"Shift {s.name!r}: the cost must be a number ≥ 0",
                field="templates",
                status=422,
            )


def _check_required(required: Sequence[int], interval: int) -> np.ndarray:
    if interval <= 0 or (24 * 60) % interval:
        raise ValueError(f"interval must divide a day, not {interval!r}")
    if len(required) == 0:
        raise ServiceError(
            Code.NO_TICKET_HISTORY,
            "没有各时段的需求，无法排班",
            "No requirement per interval: nothing to plan",
            field="required",
            status=422,
        )
    if len(required) > 24 * 60 // interval:
        raise ValueError(f"{len(required)} intervals of {interval} minutes exceed a day")
    r = np.asarray(required, dtype=float)
    bad = [i for i, v in enumerate(r) if not (np.isfinite(v) and v >= 0 and v == int(v))]
    if bad or (len(r) and r.max() > MAX_PER_TEMPLATE):
        at = clock(bad[0] * interval) if bad else clock(int(r.argmax()) * interval)
        raise ServiceError(
            Code.NO_TICKET_HISTORY,
            f"{at} 时段的需求须为 0 到 {MAX_PER_TEMPLATE} 之间的整数",
            f"The requirement at {at} must be a whole number from 0 to {MAX_PER_TEMPLATE}",
            field="required",
            status=422,
        )
    return r.astype(int)


def matrix(shapes: Sequence[Shape], intervals: int, interval: int = 30) -> np.ndarray:
    """covers[i, j] = 1 when template j is on duty for the whole of interval i."""
    starts = np.arange(intervals) * interval
    return np.array(
        [[1 if s.start <= a and a + interval <= s.end else 0 for s in shapes] for a in starts],
        dtype=int,
    ).reshape(intervals, len(shapes))


def cover(
    counts: Sequence[int], shapes: Sequence[Shape], intervals: int, interval: int = 30
) -> np.ndarray:
    """The shifts on duty in each interval when `counts[j]` of template j are staffed."""
    if len(counts) != len(shapes):
        raise ValueError(f"{len(counts)} counts for {len(shapes)} templates")
    return matrix(shapes, intervals, interval) @ np.asarray(counts, dtype=int)


def short(required: Sequence[int], coverage: Sequence[int]) -> list[int]:
    """The intervals where the coverage falls below the requirement."""
    return [i for i, (r, c) in enumerate(zip(required, coverage, strict=True)) if c < r]


def cost(counts: Sequence[int], shapes: Sequence[Shape]) -> float:
    return float(sum(n * s.cost for n, s in zip(counts, shapes, strict=True)))


def plan(
    required: Sequence[int],
    shapes: Sequence[Shape],
    interval: int = 30,
    at_most: int | None = None,
) -> list[int]:
    """The number of each template to staff: the least total cost that covers `required` in
    every interval, within `at_most` on duty where it can be (module doc). All zeros when
    nothing is required."""
    return plan_within(required, shapes, interval, at_most)[0]


def plan_within(
    required: Sequence[int],
    shapes: Sequence[Shape],
    interval: int = 30,
    at_most: int | None = None,
) -> tuple[list[int], bool]:
    """`plan`, and whether it keeps within `at_most` (False: no cover of the templates can)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    _check_shapes(shapes)
    r = _check_required(required, interval)
    a = matrix(shapes, len(r), interval)
    uncovered = [i for i in range(len(r)) if r[i] > 0 and not a[i].any()]
    if uncovered:
        times = "、".join(clock(i * interval) for i in uncovered[:6])
        times_en = ", ".join(clock(i * interval) for i in uncovered[:6])
        more = len(uncovered) > 6
        raise ServiceError(
            Code.NO_SHIFT_COVERS,
            f"没有班次覆盖 {times}{'等' if more else ''} 时段，但这些时段需要窗口：请增加或调整班次模板",
            f"No shift covers {times_en}{' …' if more else ''}, where counters are needed: add "
            "or change a shift template",
            field="templates",
            status=422,
        )
    if not r.any():
        return [0] * len(shapes), True
    costs = np.array([s.cost for s in shapes], dtype=float)
    need = r > 0
    cover = LinearConstraint(a[need], lb=r[need], ub=np.inf)
    bounds = Bounds(0, int(r.max()))  # more of one template than the peak never helps
    if at_most is not None and at_most >= int(r.max()):
        staffed = a.any(axis=1)
        within = LinearConstraint(a[staffed], lb=0, ub=at_most)
        result = milp(
            costs, constraints=[cover, within], integrality=np.ones(len(shapes)), bounds=bounds
        )
        if result.x is not None:
            return [int(round(x)) for x in result.x], True
    result = milp(costs, constraints=cover, integrality=np.ones(len(shapes)), bounds=bounds)
    if result.x is None:  # cannot happen once every needed interval is covered
        raise RuntimeError(f"milp found no plan: {result.message}")
    return [int(round(x)) for x in result.x], at_most is None
