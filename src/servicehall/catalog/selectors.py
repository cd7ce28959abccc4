"""Reads of the catalogue: the plans the recommendation prices (M2), a line's recent usage,
and the offers recorded (M3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q

from servicehall.customers.models import Bill, Customer, PhoneNumber

from . import pricing
from .models import Product, Promotion, RecommendationOffer, Tier

PRICED_KINDS = (Product.Kind.PLAN, Product.Kind.CAMPAIGN)


def _on_sale(on: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}on_sale__isnull": True}) | Q(**{f"{prefix}on_sale__lte": on})) & (
        Q(**{f"{prefix}off_sale__isnull": True}) | Q(**{f"{prefix}off_sale__gt": on})
    )


def priced_tiers(on: date):
    """Monthly plans on sale on `on`: a price and all three overage prices known."""
    return (
        Tier.objects.filter(_on_sale(on), product__kind__in=PRICED_KINDS, price__isnull=False)
        .exclude(data_overage_yuan_per_mb__isnull=True)
        .exclude(voice_overage_yuan_per_min__isnull=True)
        .exclude(sms_overage_yuan__isnull=True)
        .select_related("product")
        .order_by("price", "product__name", "position", "pk")
    )


def load_plans(on: date) -> list[pricing.PlanTerms]:
    """The priced tiers as the pricing's terms, cheapest first (the tie-break order); each with
    its on-sale promotion of the largest monthly credit."""
    tiers = list(priced_tiers(on))
    promos: dict[int, Promotion] = {}
    for promo in Promotion.objects.filter(_on_sale(on), tier__in=tiers).order_by(
        "-monthly_credit", "pk"
    ):
        promos.setdefault(promo.tier_id, promo)
    out = []
    for t in tiers:
        promo = promos.get(t.pk)
        out.append(
            pricing.PlanTerms(
                code=t.code,
                product=t.product.name,
                name=t.name,
                price=t.price,
                data_mb=t.data_mb or 0,
                voice_minutes=t.voice_minutes or 0,
                sms=t.sms or 0,
                data_overage=t.data_overage_yuan_per_mb,
                voice_overage=t.voice_overage_yuan_per_min,
                sms_overage=t.sms_overage_yuan,
                contract_months=t.contract_months,
                groups=tuple(t.groups or ()),
                tier_id=t.pk,
                promotion=None
                if promo is None
                else pricing.PromoTerms(
                    name=promo.name,
                    monthly_credit=promo.monthly_credit,
                    months=promo.months,
                    total_bonus=promo.total_bonus,
                    min_paid_calls=promo.min_paid_calls,
                    first_prepayment=promo.first_prepayment,
                    prepayment_hours=promo.prepayment_hours,
                ),
            )
        )
    return out


def group_of(number: str) -> str:
    phone = PhoneNumber.objects.select_related("customer").filter(number=number).first()
    return phone.customer.group if phone else Customer.Group.INDIVIDUAL


def usage_of(number: str, group: str | None = None) -> pricing.Usage:
    """The line's recent months with usage (pricing.MONTHS at most)."""
    bills = list(
        Bill.objects.filter(number=number, voice_minutes__isnull=False, data_mb__isnull=False)
        .order_by("-month")
        .only("number", "month", "amount", "voice_minutes", "data_mb", "sms", "paid_calls")[
            : pricing.MONTHS
        ]
    )
    usages = pricing.usages_from_bills(bills, {number: group or group_of(number)})
    return usages[0] if usages else pricing.Usage(number, (), group or group_of(number))


def offers_of(number: str, limit: int = 5) -> list[RecommendationOffer]:
    return list(
        RecommendationOffer.objects.filter(number=number)
        .select_related("tier", "tier__product", "offered_by")
        .order_by("-at")[:limit]
    )


def primary_number(customer: Customer) -> str | None:
    phones = sorted(customer.phones.all(), key=lambda p: (not p.is_primary, p.pk))
    return phones[0].number if phones else None


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def offers_to(customer: Customer, limit: int = 10) -> list[RecommendationOffer]:
    """The plans offered to the customer on any of their lines and what they answered (M3)."""
    return list(
        RecommendationOffer.objects.filter(customer=customer)
        .select_related("tier", "tier__product", "offered_by", "offered_by__staff")
        .order_by("-at")[:limit]
    )
