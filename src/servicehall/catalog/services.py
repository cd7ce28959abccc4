"""Catalogue operations (docs/ARCHITECTURE.md: permission checked at entry, one transaction per write).

- `recommend_for_number`: the plan that fits a line's recent usage best (M2), computed now from
  the catalogue on sale today — nothing is stored until the customer answers.
- `record_answer`: the customer's answer to the recommendation (M3: accepted, declined, will
  consider; at which moment — handling, consultation, waiting — and on which channel). The
  figures are computed again on the server: the row records what was offered, never what a
  client claims was.
- `import_catalog` (importer.py): the catalogue from our CSV/Excel format (M1).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, NotFound, ServiceError, require_perm
from servicehall.customers.services import find_by_phone, normalize_phone

from ..core.errors import Code as CoreCode
from . import pricing, selectors
from .errors import Code
from .explain import explain
from .importer import import_catalog  # noqa: F401  (re-exported: the catalogue's write)
from .models import RecommendationOffer, Tier

OFFER = "catalog.offer_plan"


def _require_offer(user) -> None:
    require_perm(user, OFFER, "查看套餐推荐", "see plan recommendations")


def _today() -> date:
    return timezone.localdate()


def recommend(number: str, on: date | None = None) -> pricing.Recommendation:
    """The recommendation for a line (no permission check: for the services and jobs here)."""
    return pricing.recommend(selectors.usage_of(number), selectors.load_plans(on or _today()))


def recommend_for_number(user, phone: str, *, on: date | None = None) -> pricing.Recommendation:
    _require_offer(user)
    return recommend(normalize_phone(phone), on)


def moment_of_visit(service_type_code: str) -> str:
    """M3: when at the counter a plan is offered — during a consultation ticket it is a
    consultation, during any other business it is handling."""
    if service_type_code == "consult":
        return RecommendationOffer.Moment.CONSULTATION
    return RecommendationOffer.Moment.HANDLING


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"{field} 取值无效：{value}（可选：{'、'.join(choices.values)}）",
            f"Invalid {field} {value!r}; one of {', '.join(choices.values)}",
            field=field,
            status=422,
        )
    return value


def record_answer(
    user,
    *,
    phone: str,
    tier: str,
    outcome: str,
    moment: str,
    channel: str = RecommendationOffer.Channel.COUNTER,
    ticket_number: str = "",
    note: str = "",
) -> RecommendationOffer:
    """Record the customer's answer to the plan recommended to them now (M3). `tier` is the code
    of the plan the staff member offered: when the recommendation has changed since (a new
    bill, a plan off sale), the answer is refused with 409 and the current plan."""
    _require_offer(user)
    number = normalize_phone(phone)
    _choice(outcome, RecommendationOffer.Outcome, "outcome")
    _choice(moment, RecommendationOffer.Moment, "moment")
    _choice(channel, RecommendationOffer.Channel, "channel")
    note = (note or "").strip()
    if len(note) > 200 or len(ticket_number or "") > 20:
        field = "note" if len(note) > 200 else "ticket_number"
        raise ServiceError(
            CoreCode.TOO_LONG, f"{field} 过长", f"{field} is too long", field=field, status=422
        )
    rec = recommend(number)
    if not rec.recommended:
        raise NotFound(
            Code.NO_RECOMMENDATION,
            "该号码目前没有可推荐的套餐",
            "There is no plan to recommend for this number now",
            field="phone",
        )
    if rec.plan.code != tier:
        raise Conflict(
            Code.RECOMMENDATION_CHANGED,
            f"推荐已变化，当前推荐为「{rec.plan.product} {rec.plan.name}」，请刷新后再记录",
            f"The recommendation has changed (now {rec.plan.product} {rec.plan.name}); "
            "reload and record again",
            field="tier",
            extra={"current_tier": rec.plan.code},
        )
    zh, _en = explain(rec)
    with write_transaction():
        return RecommendationOffer.objects.create(
            number=number,
            customer=find_by_phone(number),
            tier=Tier.objects.get(pk=rec.plan.tier_id),
            months=len(rec.usage.months),
            current_cost=rec.current_cost,
            new_cost=rec.new_cost,
            saving=rec.saving,
            explanation=zh,
            outcome=outcome,
            moment=moment,
            channel=channel,
            ticket_number=ticket_number or "",
            note=note,
            offered_by=user,
            at=timezone.now(),
        )
