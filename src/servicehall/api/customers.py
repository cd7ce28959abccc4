"""Customer API (V1, V2): masked by default; unmasked only for roles that need it, audited."""

from __future__ import annotations

from ninja import Field, Router, Schema

from servicehall.core.errors import NotFound, require_perm
from servicehall.customers import services
from servicehall.customers.models import Customer

from ..customers.errors import Code as CustomersCode
from .errors import ErrorOut
from .queueing import ERRORS

router = Router(tags=["customers 客户"])


class CustomerOut(Schema):
    id: int
    name: str
    phones: list[str]
    id_number: str | None
    tier: str
    tier_zh: str
    group: str
    masked: bool


class RevealIn(Schema):
    reason: str = Field(..., max_length=200)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@router.get("/lookup", response={200: CustomerOut, **ERRORS})
def lookup(request, phone: str):
    """Identify a customer by phone number (C3). Masked."""
    require_perm(request.user, "customers.view_customer", "查询客户", "look up customers")
    number = services.normalize_phone(phone)
    customer = services.find_by_phone(number)
    if customer is None:
        raise NotFound(
            CustomersCode.UNKNOWN_CUSTOMER,
            "未找到该号码的客户",
            "No customer has this phone number",
            field="phone",
        )
    return services.present(customer, request.user)


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: int):
    require_perm(request.user, "customers.view_customer", "查看客户", "view customers")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(
            CustomersCode.UNKNOWN_CUSTOMER, "客户不存在", "Unknown customer", field="customer_id"
        )
    return services.present(customer, request.user)


@router.post("/{customer_id}/reveal", response={200: CustomerOut, 429: ErrorOut, **ERRORS})
def reveal(request, customer_id: int, payload: RevealIn):
    """Unmasked view for roles that need it (V2); writes an audit row with the reason (at least
    4 characters). 10 in 10 minutes per person: the 11th answers 429 and quality is alerted."""
    require_perm(request.user, "customers.view_customer", "查看客户", "view customers")
    return services.reveal(request.user, customer_id, reason=payload.reason, ip=_ip(request))
