"""Catalogue API (M1–M3): the plans on sale, the catalogue import, a line's recommendation and
the customer's answer. Every refusal is a 4xx body with the message in Chinese and English and
the field at fault."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from servicehall.catalog import selectors, services
from servicehall.catalog.explain import summary
from servicehall.catalog.models import RecommendationOffer
from servicehall.core.errors import ServiceError, forbidden, require_perm

from ..core.errors import Code as CoreCode
from .cases import ERRORS
from .fields import IsoDate

router = Router(tags=["catalog 套餐与推荐"])


class PromotionOut(Schema):
    name: str
    monthly_credit: Decimal
    months: int
    total_bonus: Decimal
    min_paid_calls: int
    first_prepayment: Decimal | None
    prepayment_hours: int | None


class PlanOut(Schema):
    code: str
    product: str
    name: str
    price: Decimal
    effective_fee: Decimal
    data_mb: int
    voice_minutes: int
    sms: int
    data_overage: Decimal
    voice_overage: Decimal
    sms_overage: Decimal
    contract_months: int | None
    groups: list[str]
    promotion: PromotionOut | None


class RecommendationOut(Schema):
    number: str
    recommended: bool
    reason: str = Field(..., description="ok, no_usage, no_fitting_plan, no_saving")
    months: int
    current_cost: Decimal | None
    tier: str | None
    product: str | None
    tier_name: str | None
    monthly_fee: Decimal | None
    new_cost: Decimal | None
    saving: Decimal | None
    yearly_saving: Decimal | None
    contract_months: int | None
    promotion: PromotionOut | None
    steady: bool
    group: str
    explanation: str
    explanation_en: str


class AnswerIn(Schema):
    phone: str = Field(..., max_length=20)
    tier: str = Field(..., max_length=200, description="the code of the plan offered")
    outcome: str = Field(..., max_length=12, description="accepted, declined, considering")
    moment: str = Field(..., max_length=12, description="handling, consultation, waiting")
    channel: str = Field("counter", max_length=10, description="counter, hotline, online")
    ticket_number: str = Field("", max_length=20)
    note: str = Field("", max_length=200)


class AnswerOut(Schema):
    id: int
    tier: str
    outcome: str
    moment: str
    channel: str
    current_cost: Decimal
    new_cost: Decimal
    saving: Decimal
    at: datetime


class ImportOut(Schema):
    tiers: int
    products: int
    new_products: int
    new_tiers: int
    promotions: int


def _may_read_catalogue(user) -> None:
    if not (user.has_perm(services.OFFER) or user.has_perm("catalog.import_catalog")):
        raise forbidden("查看套餐目录", "see the plan catalogue")


@router.get("/plans", response={200: list[PlanOut], **ERRORS})
def plans(request, on: IsoDate | None = None):
    """The plans the recommendation prices: on sale on `on` (default today), cheapest first."""
    _may_read_catalogue(request.user)
    return [
        {
            **{k: getattr(p, k) for k in PlanOut.model_fields if k not in ("promotion", "groups")},
            "groups": list(p.groups),
            "promotion": p.promotion.__dict__ if p.promotion else None,
        }
        for p in selectors.load_plans(on or timezone.localdate())
    ]


@router.post("/import", response={200: ImportOut, **ERRORS})
def import_catalog(request, file: UploadedFile = File(None)):  # noqa: B008 (ninja idiom)
    """Import the catalogue (CSV or Excel, one row per tier; see catalog/importer.py). Any bad
    row refuses the file with every bad row by line and column; nothing is written then."""
    require_perm(request.user, "catalog.import_catalog", "导入产品目录", "import the catalogue")
    if file is None:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请上传产品目录文件",
            "Upload a catalogue file",
            field="file",
            status=422,
        )
    return services.import_catalog(request.user, file, file.name or "catalog.csv")


@router.get("/recommendation", response={200: RecommendationOut, **ERRORS})
def recommendation(request, phone: str):
    """The plan that fits the line's recent usage best, with the saving explained (M2)."""
    return summary(services.recommend_for_number(request.user, phone))


@router.post("/recommendation/answer", response={200: AnswerOut, **ERRORS})
def answer(request, payload: AnswerIn):
    """Record the customer's answer to the recommendation (M3). 409 when the recommendation
    changed since it was shown (`current_tier`), 404 when there is none for the number."""
    offer: RecommendationOffer = services.record_answer(request.user, **payload.dict())
    return {
        "id": offer.pk,
        "tier": offer.tier.code,
        "outcome": offer.outcome,
        "moment": offer.moment,
        "channel": offer.channel,
        "current_cost": offer.current_cost,
        "new_cost": offer.new_cost,
        "saving": offer.saving,
        "at": offer.at,
    }
