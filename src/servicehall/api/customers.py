"""Customer API (V1, V2): masked by default; unmasked only for roles that need it, audited."""

from __future__ import annotations

from ninja import Field, Router, Schema, Status

from servicehall.core.errors import NotFound, require_perm
from servicehall.core.masking import mask_name, mask_phone
from servicehall.customers import selectors, services
from servicehall.customers.models import Customer, CustomerChange

from ..customers.errors import Code as CustomersCode
from .errors import ErrorOut
from .queueing import ERRORS

router = Router(tags=["customers 客户"])


class CustomerOut(Schema):
    id: int
    customer_no: str
    name: str
    phones: list[str]
    id_number: str | None
    address: str | None
    tier: str
    tier_zh: str
    group: str
    status: str
    version: int
    masked: bool


class CustomerIn(Schema):
    """A customer's fields as text, read like the CRM file's cells (README "Importing
    customers"): tier and group by code or Chinese word, dates 2026-01-01, the account manager
    by employee number, the region by code or name, the family or enterprise by customer number."""

    customer_no: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=18)
    group: str | None = Field(None, max_length=12)
    member_of: str | None = Field(None, max_length=32)
    tier: str | None = Field(None, max_length=10)
    joined_on: str | None = Field(None, max_length=20)
    monthly_spend: str | None = Field(None, max_length=20)
    account_manager_id: str | None = Field(
        None, max_length=20, description="the account manager's employee number or login"
    )
    address: str | None = Field(None, max_length=200)
    region_id: str | None = Field(None, max_length=50, description="region code or name")
    number: str | None = Field(None, max_length=20, description="creating: the first line")
    plan: str | None = Field(None, max_length=100, description="creating: its plan")
    account: str | None = Field(None, max_length=32, description="creating: its account")
    version: int | None = Field(
        None, description="correcting: the version read; a change since is refused (409)"
    )


class CustomerRow(Schema):
    id: int
    customer_no: str
    name: str
    phones: list[str]
    tier: str
    group: str
    status: str


class CustomerSearchOut(Schema):
    customers: list[CustomerRow]
    more: bool


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


@router.get("/search", response={200: CustomerSearchOut, **ERRORS})
def search(request, q: str = ""):
    """Customers by the last digits of a number or an ID (4 or more), a name or its start, a
    CRM customer number; words together narrow (V1). Masked; at most 30 and `more`."""
    require_perm(request.user, "customers.view_customer", "查询客户", "look up customers")
    found = selectors.search(q[:60])
    return {
        "customers": [
            {
                "id": c.pk,
                "customer_no": c.customer_no,
                "name": mask_name(c.name),
                "phones": [mask_phone(p.number) for p in c.phones.all()],
                "tier": c.tier,
                "group": c.group,
                "status": c.status,
            }
            for c in found[: selectors.SEARCH_LIMIT]
        ],
        "more": len(found) > selectors.SEARCH_LIMIT,
    }


def _given(payload: Schema, *, creating: bool = False) -> dict:
    drop = {"version"} if creating else {"version", "number", "plan", "account"}
    return {k: v for k, v in payload.dict(exclude=drop).items() if v is not None}


@router.post("", response={201: CustomerOut, **ERRORS})
def create(request, payload: CustomerIn):
    """A new customer with their first line (V4); every field checked as the CRM import and the
    page check it; a number that is another customer's is refused."""
    customer = services.create_customer(
        request.user, _given(payload, creating=True), source=CustomerChange.Source.API
    )
    return Status(201, services.present(customer, request.user))


@router.patch("/{customer_id}", response={200: CustomerOut, **ERRORS})
def update(request, customer_id: int, payload: CustomerIn):
    """Correct the fields given (V4); the change is kept in the customer's history."""
    customer, _changes = services.update_customer(
        request.user,
        customer_id,
        _given(payload),
        version=payload.version,
        source=CustomerChange.Source.API,
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
