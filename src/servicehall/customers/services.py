"""Customer operations: identification by phone number, and the one place personal data is
shown unmasked (V2: masked unless the role needs it, every unmasked view audited)."""

from __future__ import annotations

import re

from servicehall.core.audit import log_pii_access
from servicehall.core.errors import NotFound, ServiceError, forbidden
from servicehall.core.masking import mask_id_number, mask_name, mask_phone

from ..core.errors import Code as CoreCode
from .errors import Code
from .models import TIER_ZH, Customer, PhoneNumber

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str | None, field: str = "phone") -> str:
    """Accepts '138 1234 5678', '138-1234-5678', '+86 13812345678'; returns 11 digits or raises."""
    value = re.sub(r"[\s\-()]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not MOBILE_RE.match(value):
        raise ServiceError(
            Code.INVALID_PHONE,
            "手机号码格式不正确，应为以1开头的11位数字",
            "Malformed phone number: expected 11 digits starting with 1",
            field=field,
            status=422,
        )
    return value


def find_by_phone(number: str) -> Customer | None:
    phone = PhoneNumber.objects.select_related("customer").filter(number=number).first()
    return phone.customer if phone else None


def reveal(user, customer_id, *, reason: str, ip=None) -> dict:
    """The one way to the unmasked customer (V2), for the pages and the API alike: the customer
    (404 when unknown), the role's permission, a reason, and an audit row."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(Code.UNKNOWN_CUSTOMER, "客户不存在", "Unknown customer", field="customer_id")
    return present(customer, user, reveal=True, reason=reason, ip=ip)


def present(customer: Customer, user, *, reveal: bool = False, reason: str = "", ip=None) -> dict:
    """The customer as a user may see them. `reveal` asks for the unmasked values, which needs
    the role's permission and a reason, and writes an audit row."""
    phones = [p.number for p in customer.phones.all()]
    if reveal:
        if not user.has_perm("customers.view_unmasked_pii"):
            raise forbidden("查看未脱敏的客户信息", "view unmasked personal data")
        if not reason.strip():
            raise ServiceError(
                CoreCode.REQUIRED,
                "查看完整号码须填写原因",
                "A reason is required to view unmasked data",
                field="reason",
                status=422,
            )
        log_pii_access(
            user, "customer", customer.pk, ["name", "phones", "id_number"], reason, ip=ip
        )
    return {
        "id": customer.pk,
        "name": customer.name if reveal else mask_name(customer.name),
        "phones": phones if reveal else [mask_phone(p) for p in phones],
        "id_number": customer.id_number if reveal else mask_id_number(customer.id_number),
        "tier": customer.tier,
        "tier_zh": TIER_ZH[customer.tier],
        "group": customer.group,
        "masked": not reveal,
    }
