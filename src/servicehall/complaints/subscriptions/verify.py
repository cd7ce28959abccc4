"""The verifier (P4, L4): for a disputed line and service, whether the evidence shows the user
ordered it through the second confirmation (二次确认), why not, and what is refunded. Pure
functions over the evidence rows — no database — so they can be property-tested
(tests/complaints/test_sp_verify.py); the order of the rows never matters.

Authorised only when all of these are on record for this line and service:
- an order (the user's request);
- a confirmation request the platform sent to the line;
- a confirmation from the line itself, for this same service, at or after a request and within
  the confirmation window (default 24 h, settings SP_CONFIRM_WINDOW_HOURS) of it.
Otherwise it is unauthorised, with every reason the evidence gives (no order, no request, no
confirmation, a confirmation before the request, from another number, outside the window, for
another service). The burden of proof is the operator's (L4): what is missing counts against it.

Refund (the handbook's 移动信息业务核查):
- unauthorised: every charge on record for the service — the billing records' first charge
  onwards — refunded double (双倍返还);
- a charge with no content delivered in its billing period (the charge's `period`, else the
  month of the charge) is refunded from its charge date, once when the subscription was
  authorised (double when it was not: the double refund already covers it).
So the refund never exceeds double the charges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

ORDER, REQUEST, CONFIRM, CHARGE, DELIVERY = "order", "request", "confirm", "charge", "delivery"
DEFAULT_WINDOW = timedelta(hours=24)

REASONS = {  # code: (Chinese, English)
    "no_order": ("没有用户订购（申请定制）记录", "No order (the user's request) on record"),
    "no_request": (
        "没有平台向用户发送二次确认请求的记录",
        "No confirmation request sent to the user on record",
    ),
    "no_confirmation": ("没有用户的二次确认回复记录", "No confirmation from the user on record"),
    "confirmation_before_request": (
        "确认回复早于平台的确认请求",
        "The confirmation came before the confirmation request",
    ),
    "confirmation_other_number": (
        "确认回复不是从用户本人号码发出的",
        "The confirmation came from another number, not the user's line",
    ),
    "confirmation_outside_window": (
        "确认回复超出确认时限（{hours}小时）",
        "The confirmation came outside the confirmation window ({hours} h)",
    ),
    "confirmation_other_service": (
        "用户的确认回复针对的是其他业务",
        "The user's confirmation was for another service",
    ),
    "no_content": (
        "有扣费但当期没有下发内容，自扣费之日起退费",
        "Charged with no content delivered in the period: refunded from the charge date",
    ),
}


class Record(NamedTuple):
    """One evidence row as the verifier reads it."""

    kind: str
    at: datetime
    from_addr: str
    to_addr: str
    sp_code: str
    service_code: str
    amount: Decimal | None = None
    period: str = ""  # "2026-10"; empty: the month of `at`


@dataclass(frozen=True)
class Verdict:
    authorised: bool
    reasons: list[dict]  # [{code, zh, en}], the verdict's reasons in REASONS order
    refund: Decimal
    charges_total: Decimal
    computation: list[dict] = field(default_factory=list)  # per charge, in time order
    confirmed_by: Record | None = None  # the confirmation that authorises it

    def as_dict(self) -> dict:
        return {
            "authorised": self.authorised,
            "reasons": self.reasons,
            "refund": str(self.refund),
            "charges_total": str(self.charges_total),
            "computation": self.computation,
        }


@lru_cache(maxsize=256)
def _reason_text(code: str, hours: int) -> tuple[str, str]:
    zh, en = REASONS[code]
    return zh.format(hours=hours), en.format(hours=hours)


def _reason(code: str, hours: int) -> dict:
    zh, en = _reason_text(code, hours)
    return {"code": code, "zh": zh, "en": en}


def _sort_key(r: Record) -> tuple:
    return (
        r.at,
        r.kind,
        r.from_addr,
        r.to_addr,
        r.sp_code,
        r.service_code,
        r.amount or 0,
        r.period,
    )


def _period_of(r: Record, local) -> str:
    if r.period:
        return r.period
    at = local(r.at)
    return f"{at.year:04d}-{at.month:02d}"


_CENTS = Decimal("0.01")
_ZERO = Decimal("0.00")


def verify(
    line: str,
    sp_code: str,
    service_code: str,
    records: Iterable[Record],
    *,
    window: timedelta = DEFAULT_WINDOW,
    local=lambda at: at,
) -> Verdict:
    """Decide one disputed subscription from the line's evidence (rows of other services may be
    among `records`: a confirmation for another service is a reason). `local` turns a time into
    the hall's zone, for a charge's billing month when it has no period.

    The service's own rows are put in one order (time, then every other field) before anything
    is decided, so the order they came in never matters; they are then sorted by kind in one
    pass."""
    records = records if isinstance(records, list | tuple) else list(records)
    hours = int(window.total_seconds() // 3600)
    mine = sorted(
        [r for r in records if r.service_code == service_code and r.sp_code == sp_code],
        key=_sort_key,
    )
    has_order = False
    requests: list[Record] = []
    confirms: list[Record] = []
    charges: list[Record] = []
    deliveries: list[Record] = []
    for r in mine:
        kind = r.kind
        if kind == CHARGE:
            if r.amount:
                charges.append(r)
        elif kind == DELIVERY:
            if r.to_addr == line:
                deliveries.append(r)
        elif kind == CONFIRM:
            confirms.append(r)
        elif kind == REQUEST:
            if r.to_addr == line:
                requests.append(r)
        elif kind == ORDER:
            has_order = True
    found: set[str] = set()
    if not has_order:
        found.add("no_order")
    if not requests:
        found.add("no_request")
    authorising = None
    for c in confirms:
        problems = set()
        if c.from_addr != line:
            problems.add("confirmation_other_number")
        before = [q.at for q in requests if q.at <= c.at]
        if requests and not before:
            problems.add("confirmation_before_request")
        elif before and c.at - max(before) > window:
            problems.add("confirmation_outside_window")
        if not problems and requests:
            authorising = authorising or c
        found |= problems
    if authorising is None:
        if not confirms:
            others = any(
                r.kind == CONFIRM
                and r.from_addr == line
                and (r.sp_code, r.service_code) != (sp_code, service_code)
                for r in records
            )
            found.add("confirmation_other_service" if others else "no_confirmation")
        elif not any(c.from_addr == line for c in confirms):
            found.add("no_confirmation")
    authorised = authorising is not None and has_order
    if authorised:
        found = set()

    delivered = {_period_of(r, local) for r in deliveries}
    total = sum((r.amount for r in charges), _ZERO)
    refund = _ZERO
    computation = []
    no_content = False
    for r in charges:
        period = r.period or _period_of(r, local)
        empty = period not in delivered
        no_content |= empty
        factor = 2 if not authorised else (1 if empty else 0)
        part = r.amount * factor
        refund += part
        computation.append(
            {
                "at": r.at.isoformat(),
                "period": period,
                "amount": str(r.amount),
                "delivered": not empty,
                "factor": factor,
                "refund": str(part.quantize(_CENTS)),
            }
        )
    if no_content and charges:
        found.add("no_content")
    reasons = [_reason(code, hours) for code in REASONS if code in found] if found else []
    return Verdict(
        authorised=authorised,
        reasons=reasons,
        refund=refund.quantize(_CENTS),
        charges_total=total.quantize(_CENTS),
        computation=computation,
        confirmed_by=authorising if authorised else None,
    )
