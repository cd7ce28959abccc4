"""Plan pricing and the recommendation (M2): what a customer's recent months would have cost under
every eligible plan, and the cheapest plan that fits.

The rules, in one place:

- **Usage**: the line's most recent months whose bills carry usage (voice minutes and data MB;
  up to `MONTHS` = 3), each with the bill amount, minutes, MB, SMS and paid outgoing calls. SMS
  or paid calls a bill did not carry count as 0 — so a promotion's call condition is never
  assumed met without evidence.
- **Plans priced**: tiers of main plans and campaigns with a monthly price and all three overage
  prices, on sale on the day (`on_sale <= day < off_sale`), sold to the customer's group (a tier
  with no groups is sold to everyone; group-only tiers — 政企 plans — only to group customers).
- **A month's cost under a plan** = max(0, monthly fee − promotion credit) + overage: minutes,
  MB and SMS beyond the included amounts at the tier's prices; rounded to the fen (half up), as
  a bill is. The credit counts in a month only when that month's paid calls reach the
  promotion's `min_paid_calls` (the smart-terminal offers: 3); a first prepayment is money paid
  into the account, not a cost, so it is a condition told to the customer, not priced. Where a
  tier has several promotions on sale, the one with the largest credit is priced.
- **Cost under a plan** = the mean of its months' costs, to the fen (half up). **Current cost**
  = the mean of the actual bills of the same months.
- **Fits**: the plan includes at least the customer's average minutes and data a month (SMS are
  cheap and rarely used: they are priced, not required). A cheaper plan the customer would
  outgrow is never recommended.
- **Recommended**: the cheapest fitting plan (ties: the catalogue's order), if it saves at least
  `MIN_SAVING` yuan a month and `MIN_SAVING_PERCENT` % of the current cost — a smaller saving is
  not worth a plan change (and the customer's time at the counter).

`recommend` is the straightforward reference for one customer in Decimal; `recommend_batch`
is the same computation vectorised with numpy over many customers (in integer 1/10,000 yuan,
so both agree to the fen: `benchmarks/recommend.py` and the property tests check it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

MONTHS = 3
MIN_SAVING = Decimal("10.00")
MIN_SAVING_PERCENT = 10
STEADY_SPREAD_PERCENT = 20  # a bill is steady when max − min ≤ 20 % of the mean over 3 months
GROUPS = ("individual", "family", "enterprise")  # customers.Customer.Group values, in order
CENT = Decimal("0.01")


class Reason:
    OK = "ok"
    NO_USAGE = "no_usage"
    NO_FITTING_PLAN = "no_fitting_plan"
    NO_SAVING = "no_saving"


REASONS = (Reason.OK, Reason.NO_USAGE, Reason.NO_FITTING_PLAN, Reason.NO_SAVING)


@dataclass(frozen=True)
class PromoTerms:
    name: str
    monthly_credit: Decimal
    months: int
    total_bonus: Decimal
    min_paid_calls: int = 0
    first_prepayment: Decimal | None = None
    prepayment_hours: int | None = None


@dataclass(frozen=True)
class PlanTerms:
    """A tier as the pricing sees it (loaded from the catalogue by `load_plans`)."""

    code: str
    product: str
    name: str
    price: Decimal
    data_mb: int
    voice_minutes: int
    sms: int
    data_overage: Decimal  # yuan per MB
    voice_overage: Decimal  # yuan per minute
    sms_overage: Decimal  # yuan per SMS
    contract_months: int | None = None
    groups: tuple[str, ...] = ()
    promotion: PromoTerms | None = None
    tier_id: int | None = None

    def sold_to(self, group: str) -> bool:
        return not self.groups or group in self.groups

    @property
    def effective_fee(self) -> Decimal:
        credit = self.promotion.monthly_credit if self.promotion else Decimal(0)
        return max(Decimal(0), self.price - credit)


@dataclass(frozen=True)
class MonthUsage:
    month: date
    amount: Decimal
    voice_minutes: int = 0
    data_mb: int = 0
    sms: int = 0
    paid_calls: int = 0


@dataclass(frozen=True)
class Usage:
    number: str
    months: tuple[MonthUsage, ...]  # the most recent MONTHS, oldest first
    group: str = "individual"


@dataclass(frozen=True)
class Recommendation:
    usage: Usage
    reason: str
    current_cost: Decimal | None = None
    plan: PlanTerms | None = None
    new_cost: Decimal | None = None
    saving: Decimal | None = None
    credited_months: int = 0  # months in which the promotion's credit applied
    costs: dict[str, Decimal] = field(default_factory=dict)  # every fitting plan's cost

    @property
    def recommended(self) -> bool:
        return self.reason == Reason.OK


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: Sequence[Decimal]) -> Decimal:
    return _round(sum(values, Decimal(0)) / len(values))


def promotion_applies(plan: PlanTerms, month: MonthUsage) -> bool:
    promo = plan.promotion
    return promo is not None and month.paid_calls >= promo.min_paid_calls


def month_cost(plan: PlanTerms, month: MonthUsage) -> Decimal:
    """What one month of usage costs under the plan (to the fen)."""
    fee = plan.price
    if promotion_applies(plan, month):
        fee = max(Decimal(0), fee - plan.promotion.monthly_credit)
    overage = (
        max(0, month.voice_minutes - plan.voice_minutes) * plan.voice_overage
        + max(0, month.data_mb - plan.data_mb) * plan.data_overage
        + max(0, month.sms - plan.sms) * plan.sms_overage
    )
    return _round(fee + overage)


def plan_cost(plan: PlanTerms, usage: Usage) -> Decimal:
    return mean([month_cost(plan, m) for m in usage.months])


def fits(plan: PlanTerms, usage: Usage) -> bool:
    """Includes at least the average minutes and data a month (compared as totals: exact)."""
    n = len(usage.months)
    return (
        sum(m.voice_minutes for m in usage.months) <= plan.voice_minutes * n
        and sum(m.data_mb for m in usage.months) <= plan.data_mb * n
    )


def meaningful(saving: Decimal, current: Decimal) -> bool:
    return saving >= MIN_SAVING and saving * 100 >= current * MIN_SAVING_PERCENT


def recommend(usage: Usage, plans: Sequence[PlanTerms]) -> Recommendation:
    """The reference computation for one customer: every eligible plan priced month by month."""
    if not usage.months:
        return Recommendation(usage, Reason.NO_USAGE)
    current = mean([m.amount for m in usage.months])
    best: PlanTerms | None = None
    costs: dict[str, Decimal] = {}
    for plan in plans:
        if not plan.sold_to(usage.group) or not fits(plan, usage):
            continue
        costs[plan.code] = plan_cost(plan, usage)
        if best is None or costs[plan.code] < costs[best.code]:
            best = plan
    if best is None:
        return Recommendation(usage, Reason.NO_FITTING_PLAN, current_cost=current)
    new = costs[best.code]
    saving = current - new
    credited = sum(1 for m in usage.months if promotion_applies(best, m))
    return Recommendation(
        usage,
        Reason.OK if meaningful(saving, current) else Reason.NO_SAVING,
        current_cost=current,
        plan=best,
        new_cost=new,
        saving=saving,
        credited_months=credited,
        costs=costs,
    )


def is_steady(usage: Usage) -> bool:
    """M2: a steady bill suits a package. Three months whose bills differ by at most
    STEADY_SPREAD_PERCENT % of their mean."""
    amounts = [m.amount for m in usage.months]
    if len(amounts) < MONTHS:
        return False
    avg = sum(amounts) / len(amounts)
    return (max(amounts) - min(amounts)) * 100 <= avg * STEADY_SPREAD_PERCENT


# --------------------------------------------------------------------------- the batch version

E4 = 10_000  # prices in 1/10,000 yuan: the catalogue's overage prices have 4 decimals
INF = np.iinfo(np.int64).max // 4
CHUNK = 16_384


def _e4(value: Decimal) -> int:
    scaled = value * E4
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 4 decimals")
    return int(scaled)


@dataclass
class PlanArrays:
    """The plans as columns (one entry per plan, in the catalogue's order)."""

    price: np.ndarray
    credit: np.ndarray
    min_calls: np.ndarray
    has_promo: np.ndarray
    voice: np.ndarray
    data: np.ndarray
    sms: np.ndarray
    voice_over: np.ndarray
    data_over: np.ndarray
    sms_over: np.ndarray
    sold: np.ndarray  # (len(GROUPS), plans) bool

    @classmethod
    def of(cls, plans: Sequence[PlanTerms]) -> PlanArrays:
        def col(fn) -> np.ndarray:
            return np.array([fn(p) for p in plans], dtype=np.int64)

        return cls(
            price=col(lambda p: _e4(p.price)),
            credit=col(lambda p: _e4(p.promotion.monthly_credit) if p.promotion else 0),
            min_calls=col(lambda p: p.promotion.min_paid_calls if p.promotion else 0),
            has_promo=np.array([p.promotion is not None for p in plans], dtype=bool),
            voice=col(lambda p: p.voice_minutes),
            data=col(lambda p: p.data_mb),
            sms=col(lambda p: p.sms),
            voice_over=col(lambda p: _e4(p.voice_overage)),
            data_over=col(lambda p: _e4(p.data_overage)),
            sms_over=col(lambda p: _e4(p.sms_overage)),
            sold=np.array([[p.sold_to(g) for p in plans] for g in GROUPS], dtype=bool).reshape(
                len(GROUPS), len(plans)
            ),
        )


@dataclass
class UsageArrays:
    """Many customers' months as (customers, MONTHS) arrays, months left-aligned: customer i has
    `n[i]` months in columns 0 … n[i]−1 (the rest are zeros). Amounts in fen."""

    numbers: list[str]
    group: np.ndarray  # int8 index into GROUPS
    n: np.ndarray
    amount_fen: np.ndarray
    voice: np.ndarray
    data: np.ndarray
    sms: np.ndarray
    paid_calls: np.ndarray

    def __len__(self) -> int:
        return len(self.numbers)

    @classmethod
    def of(cls, usages: Sequence[Usage]) -> UsageArrays:
        size = (len(usages), MONTHS)
        arrays = {k: np.zeros(size, dtype=np.int64) for k in ("amount", "v", "d", "s", "c")}
        n = np.zeros(len(usages), dtype=np.int64)
        for i, u in enumerate(usages):
            months = u.months[-MONTHS:]
            n[i] = len(months)
            for j, m in enumerate(months):
                arrays["amount"][i, j] = int(m.amount * 100)
                arrays["v"][i, j] = m.voice_minutes
                arrays["d"][i, j] = m.data_mb
                arrays["s"][i, j] = m.sms
                arrays["c"][i, j] = m.paid_calls
        return cls(
            numbers=[u.number for u in usages],
            group=np.array([GROUPS.index(u.group) for u in usages], dtype=np.int8),
            n=n,
            amount_fen=arrays["amount"],
            voice=arrays["v"],
            data=arrays["d"],
            sms=arrays["s"],
            paid_calls=arrays["c"],
        )

    def usage(self, i: int) -> Usage:
        """Customer i back as the reference computation's input."""
        months = tuple(
            MonthUsage(
                month=date(2000, 1 + j, 1),  # the pricing does not look at the dates
                amount=Decimal(int(self.amount_fen[i, j])) / 100,
                voice_minutes=int(self.voice[i, j]),
                data_mb=int(self.data[i, j]),
                sms=int(self.sms[i, j]),
                paid_calls=int(self.paid_calls[i, j]),
            )
            for j in range(int(self.n[i]))
        )
        return Usage(self.numbers[i], months, GROUPS[int(self.group[i])])


@dataclass
class BatchResult:
    """Per customer: the recommended plan's index (−1: none), its cost, the current cost and
    the saving in fen (−1 where not computed), and the reason (index into REASONS)."""

    best: np.ndarray
    new_fen: np.ndarray
    current_fen: np.ndarray
    saving_fen: np.ndarray
    reason: np.ndarray


def _round_mean(total: np.ndarray, n: np.ndarray) -> np.ndarray:
    """round-half-up(total / n) for non-negative integers, exactly."""
    return (2 * total + n) // (2 * n)


def _price_chunk(u: UsageArrays, lo: int, hi: int, p: PlanArrays, out: BatchResult) -> None:
    n = u.n[lo:hi]
    has = n > 0
    n1 = np.maximum(n, 1)[:, None]  # (c, 1)
    mask = (np.arange(MONTHS)[None, :] < n[:, None])[:, :, None]  # (c, M, 1)
    v = u.voice[lo:hi, :, None]
    d = u.data[lo:hi, :, None]
    s = u.sms[lo:hi, :, None]
    calls = u.paid_calls[lo:hi, :, None]
    credited = p.has_promo[None, None, :] & (calls >= p.min_calls[None, None, :])
    fee = np.maximum(p.price[None, None, :] - credited * p.credit[None, None, :], 0)
    cost_e4 = (
        fee
        + np.maximum(v - p.voice[None, None, :], 0) * p.voice_over[None, None, :]
        + np.maximum(d - p.data[None, None, :], 0) * p.data_over[None, None, :]
        + np.maximum(s - p.sms[None, None, :], 0) * p.sms_over[None, None, :]
    )
    month_fen = (cost_e4 + 50) // 100
    total_fen = (month_fen * mask).sum(axis=1)  # (c, P)
    cost = _round_mean(total_fen, n1)
    fit = (u.voice[lo:hi].sum(axis=1)[:, None] <= p.voice[None, :] * n1) & (
        u.data[lo:hi].sum(axis=1)[:, None] <= p.data[None, :] * n1
    )
    ok = fit & p.sold[u.group[lo:hi].astype(np.intp)]
    cost = np.where(ok, cost, INF)
    best = cost.argmin(axis=1) if cost.shape[1] else np.zeros(len(n), dtype=np.intp)
    new = cost[np.arange(len(n)), best] if cost.shape[1] else np.full(len(n), INF)
    current = _round_mean(u.amount_fen[lo:hi].sum(axis=1), np.maximum(n, 1))
    found = has & (new < INF)
    saving = current - new
    good = (
        found & (saving >= int(MIN_SAVING * 100)) & (saving * 100 >= current * MIN_SAVING_PERCENT)
    )
    reason = np.where(
        ~has,
        REASONS.index(Reason.NO_USAGE),
        np.where(
            ~found,
            REASONS.index(Reason.NO_FITTING_PLAN),
            np.where(good, REASONS.index(Reason.OK), REASONS.index(Reason.NO_SAVING)),
        ),
    )
    out.best[lo:hi] = np.where(found, best, -1)
    out.new_fen[lo:hi] = np.where(found, new, -1)
    out.current_fen[lo:hi] = np.where(has, current, -1)
    out.saving_fen[lo:hi] = np.where(found, saving, 0)
    out.reason[lo:hi] = reason


def recommend_batch(
    usage: UsageArrays,
    plans: Sequence[PlanTerms],
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], object] | None = None,
) -> BatchResult:
    """`recommend` for every customer at once, `chunk` customers at a time; `progress(k)` is
    called with the number of customers done after each chunk (a progress bar's update)."""
    size = len(usage)
    out = BatchResult(
        best=np.full(size, -1, dtype=np.int64),
        new_fen=np.full(size, -1, dtype=np.int64),
        current_fen=np.full(size, -1, dtype=np.int64),
        saving_fen=np.zeros(size, dtype=np.int64),
        reason=np.zeros(size, dtype=np.int8),
    )
    p = PlanArrays.of(plans)
    for lo in range(0, size, chunk):
        hi = min(size, lo + chunk)
        _price_chunk(usage, lo, hi, p, out)
        if progress:
            progress(hi - lo)
    return out


def as_recommendation(result: BatchResult, i: int, usage: UsageArrays, plans) -> Recommendation:
    """Customer i of a batch result in the reference's terms (numbers only: no cost table)."""
    reason = REASONS[int(result.reason[i])]
    cents = Decimal("0.01")
    plan = plans[int(result.best[i])] if result.best[i] >= 0 else None
    u = usage.usage(i)
    return Recommendation(
        u,
        reason,
        current_cost=None if result.current_fen[i] < 0 else int(result.current_fen[i]) * cents,
        plan=plan,
        new_cost=None if plan is None else int(result.new_fen[i]) * cents,
        saving=None if plan is None else int(result.saving_fen[i]) * cents,
        credited_months=sum(1 for m in u.months if plan and promotion_applies(plan, m)),
    )


def same(a: Recommendation, b: Recommendation) -> bool:
    """Do two computations agree on the plan, the costs, the saving and the reason?"""
    return (
        a.reason == b.reason
        and (a.plan.code if a.plan else None) == (b.plan.code if b.plan else None)
        and a.current_cost == b.current_cost
        and a.new_cost == b.new_cost
        and a.saving == b.saving
    )


def usages_from_bills(rows: Iterable, groups: dict[str, str] | None = None) -> list[Usage]:
    """Bill rows (anything with number, month, amount and the usage fields) grouped by line:
    the most recent MONTHS months with usage (minutes and MB known) of each, oldest first. A
    line whose bills carry no usage is kept with no months (its recommendation: no_usage)."""
    by_number: dict[str, list] = {}
    for r in rows:
        months = by_number.setdefault(r.number, [])
        if r.voice_minutes is not None and r.data_mb is not None:
            months.append(r)
    groups = groups or {}
    out = []
    for number, bills in by_number.items():
        latest = sorted(bills, key=lambda b: b.month)[-MONTHS:]
        months = tuple(
            MonthUsage(
                month=b.month,
                amount=Decimal(b.amount),
                voice_minutes=b.voice_minutes or 0,
                data_mb=b.data_mb or 0,
                sms=b.sms or 0,
                paid_calls=b.paid_calls or 0,
            )
            for b in latest
        )
        out.append(Usage(number, months, groups.get(number, "individual")))
    return out
