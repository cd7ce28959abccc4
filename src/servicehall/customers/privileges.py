"""What each VIP tier gives and how often a year (V1). The operator's manual names the
privileges of 至尊、钻石、金、银 cards — credit raise, temporary credit, emergency reopening, free SIM
replacement, bill delivery, the airport/station green channel — but not how many times; these
are the shipped defaults, and settings PRIVILEGE_ALLOWANCE replaces any of them
({"gold": {"green_channel": 4}}). None: as often as needed; 0 or missing: not given."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from servicehall.core.errors import ServiceError

from .errors import Code
from .models import Privilege, PrivilegeUse, Tier

P = Privilege
ALLOWANCE: dict[str, dict[str, int | None]] = {
    Tier.SILVER: {P.CREDIT_RAISE: 1, P.EMERGENCY_REOPEN: 2, P.FREE_SIM: 1},
    Tier.GOLD: {
        P.CREDIT_RAISE: 2,
        P.TEMPORARY_CREDIT: 2,
        P.EMERGENCY_REOPEN: 4,
        P.FREE_SIM: 2,
        P.BILL_DELIVERY: None,
        P.GREEN_CHANNEL: 2,
    },
    Tier.DIAMOND: {
        P.CREDIT_RAISE: 4,
        P.TEMPORARY_CREDIT: 4,
        P.EMERGENCY_REOPEN: 6,
        P.FREE_SIM: 3,
        P.BILL_DELIVERY: None,
        P.GREEN_CHANNEL: 6,
    },
    Tier.SUPREME: {
        P.CREDIT_RAISE: None,
        P.TEMPORARY_CREDIT: 12,
        P.EMERGENCY_REOPEN: 12,
        P.FREE_SIM: None,
        P.BILL_DELIVERY: None,
        P.GREEN_CHANNEL: 12,
    },
}
NOT_GIVEN = 0


def allowance(tier: str) -> dict[str, int | None]:
    """Each privilege's yearly allowance for the tier (0: not given; None: no limit)."""
    given = {
        **ALLOWANCE.get(tier, {}),
        **getattr(settings, "PRIVILEGE_ALLOWANCE", {}).get(tier, {}),
    }
    return {p.value: given.get(p.value, NOT_GIVEN) for p in Privilege}


def used_this_year(customer) -> dict[str, int]:
    start = timezone.localdate().replace(month=1, day=1)
    used: dict[str, int] = {}
    for privilege in PrivilegeUse.objects.filter(
        customer=customer, at__date__gte=start
    ).values_list("privilege", flat=True):
        used[privilege] = used.get(privilege, 0) + 1
    return used


def summary(customer) -> list[dict]:
    """The customer's privileges as the page shows them: given or not, this year's allowance,
    used, left."""
    given = allowance(customer.tier)
    used = used_this_year(customer)
    rows = []
    for p in Privilege:
        limit = given[p.value]
        n = used.get(p.value, 0)
        rows.append(
            {
                "code": p.value,
                "label": p.label,
                "given": limit != NOT_GIVEN,
                "allowance": limit,
                "used": n,
                "left": None if limit is None else max(limit - n, 0),
            }
        )
    return rows


def check_allowed(customer, privilege: str) -> None:
    """Refused when the tier does not give it or this year's allowance is used up (call with
    the customer's row locked, so two desks cannot both take the last one)."""
    limit = allowance(customer.tier)[privilege]
    label = Privilege(privilege).label
    if limit == NOT_GIVEN:
        raise ServiceError(
            Code.PRIVILEGE_NOT_GIVEN,
            f"该客户的星级不享有“{label}”",
            f"This customer's tier does not give {label}",
            field="privilege",
            status=422,
        )
    if limit is not None and used_this_year(customer).get(privilege, 0) >= limit:
        raise ServiceError(
            Code.PRIVILEGE_USED_UP,
            f"“{label}”本年度{limit}次已用完",
            f"{label}: this year's {limit} are used",
            field="privilege",
            status=422,
        )
