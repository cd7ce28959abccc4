"""Customer operations: identification by phone number, and the one place personal data is
shown unmasked (V2: masked unless the role needs it, every unmasked view audited)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from servicehall.core import ratelimit, validate
from servicehall.core.audit import log_action, log_pii_access
from servicehall.core.db import write_transaction
from servicehall.core.errors import NotFound, ServiceError, forbidden
from servicehall.core.events import publish_on_commit, staff_channel
from servicehall.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from servicehall.core.models import AuditLog
from servicehall.org.models import staff_name

from ..core.errors import Code as CoreCode
from .errors import Code
from .models import TIER_ZH, Customer, Identification, PhoneNumber

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


# A reason names why: at least this many letters, digits or Chinese characters, not all one
# character. Four is the shortest real purpose ("投诉回电", "回访核实", "bill") and refuses what
# was seen in the attack: ".", "1", "ok", "aaaa".
MIN_REASON = 4
# Unmasked views per person in the window: a desk calling customers back needs a few an hour;
# forty in a fraction of a second is harvesting. The limit-th + 1 is refused (429) and quality
# is alerted once per window.
REVEAL_LIMIT = 10
REVEAL_WINDOW = timedelta(minutes=10)
ALERT_ACTION = AuditLog.Action.PII_ALERT
QUALITY_ROLE = "quality_supervisor"


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            CoreCode.REQUIRED,
            "查看完整号码须填写原因",
            "A reason is required to view unmasked data",
            field="reason",
            status=422,
        )
    if validate.too_meagre(reason, MIN_REASON):
        raise ServiceError(
            CoreCode.TOO_SHORT,
            f"请写明查看完整号码的原因（至少{MIN_REASON}个字，如“投诉回电核实”）",
            f"Say why you need the full numbers (at least {MIN_REASON} letters or characters, "
            "e.g. 'call back about the complaint')",
            field="reason",
            status=422,
        )
    return reason


def authorize_reveal(
    user, object_type: str, object_id, fields: list[str], reason: str, *, ip=None
) -> None:
    """Every unmasked view passes here (V2): the role's permission, a real reason, the
    per-person limit, then the audit row. The count is the person's own audit rows of the
    window, read while their user row is locked (PostgreSQL: FOR UPDATE; SQLite: the write
    lock), so simultaneous requests cannot all slip under the limit. Over it: one alert row
    and a notice to every quality supervisor, then 429."""
    if (
        user is None
        or not user.is_authenticated
        or not user.has_perm("customers.view_unmasked_pii")
    ):
        raise forbidden("查看未脱敏的客户信息", "view unmasked personal data")
    reason = check_reason(reason)
    since = timezone.now() - REVEAL_WINDOW
    with write_transaction():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = AuditLog.objects.filter(actor=user, at__gte=since)
        done = mine.filter(action__in=[AuditLog.Action.PII_VIEW, AuditLog.Action.PII_EXPORT])
        over = done.count() >= REVEAL_LIMIT
        if not over:
            log_pii_access(user, object_type, object_id, fields, reason, ip=ip)
        elif not mine.filter(action=ALERT_ACTION).exists():
            _alert_quality(user, object_type, object_id, reason)
    if over:
        raise ServiceError(
            Code.TOO_MANY_REVEALS,
            f"{REVEAL_WINDOW.seconds // 60}分钟内已查看完整号码{REVEAL_LIMIT}次，已达上限，"
            "请稍后再试；质检已收到提醒",
            f"You have viewed full numbers {REVEAL_LIMIT} times in "
            f"{REVEAL_WINDOW.seconds // 60} minutes, the limit: try again later. Quality has "
            "been alerted",
            field="reason",
            status=429,
        )


def _alert_quality(user, object_type: str, object_id, reason: str) -> None:
    log_action(
        user,
        ALERT_ACTION,
        object_type,
        object_id,
        reason=f"{REVEAL_LIMIT}+ reveals in {REVEAL_WINDOW.seconds // 60} min; last reason: {reason}",
    )
    quality = get_user_model().objects.filter(groups__name=QUALITY_ROLE, is_active=True)
    event = {
        "type": "pii_alert",
        "who": staff_name(user),
        "limit": REVEAL_LIMIT,
        "minutes": REVEAL_WINDOW.seconds // 60,
    }
    for person in quality:
        publish_on_commit(staff_channel(person.pk), event)


def present(customer: Customer, user, *, reveal: bool = False, reason: str = "", ip=None) -> dict:
    """The customer as a user may see them. `reveal` asks for the unmasked values, which needs
    the role's permission, a reason and room under the limit, and writes an audit row."""
    phones = [p.number for p in customer.phones.all()]
    if reveal:
        authorize_reveal(
            user, "customer", customer.pk, ["name", "phones", "id_number", "address"], reason, ip=ip
        )
    return {
        "id": customer.pk,
        "name": customer.name if reveal else mask_name(customer.name),
        "phones": phones if reveal else [mask_phone(p) for p in phones],
        "id_number": customer.id_number if reveal else mask_id_number(customer.id_number),
        "address": customer.address if reveal else mask_address(customer.address),
        "tier": customer.tier,
        "tier_zh": TIER_ZH[customer.tier],
        "group": customer.group,
        "masked": not reveal,
    }


# Wrong service passwords or ID numbers for one customer, from anyone: five in 15 minutes, then
# the customer is held 15 minutes (a guessed 6-digit password needs ~500,000 tries).
WRONG_PROOFS = ratelimit.Limit(
    "customer.identify",
    5,
    15 * 60,
    "核验连续失败5次，请{wait}后再试（可改用短信验证码或身份证）",
    "5 failed checks in a row: try again in {wait} (or use an SMS code or the ID card)",
    lock=15 * 60,
    field="proof",
)


def identify(user, customer: Customer, method: str, *, proof: str = "", purpose: str = ""):
    """C3: the customer proved who they are, and how — the ID card shown (staff type its number,
    all 18 characters, which must be the one on file), or the service password told. Recorded
    as an `Identification` row; a wrong proof is refused and counted per customer
    (`WRONG_PROOFS`), so nobody guesses a password at the counter or through the API."""
    method = validate.choice(
        method, Identification.Method, "method", "核验方式", "identification method"
    )
    proof = (proof or "").strip()
    if not proof:
        raise ServiceError(
            CoreCode.REQUIRED, "请填写核验内容", "Enter the proof", field="proof", status=422
        )
    ratelimit.check(WRONG_PROOFS, str(customer.pk))
    if method == Identification.Method.SERVICE_PASSWORD:
        if not customer.service_password:
            raise ServiceError(
                Code.NO_SERVICE_PASSWORD,
                "该客户未设置服务密码，请核验身份证或短信验证码",
                "This customer has no service password: check the ID card or an SMS code",
                field="method",
                status=422,
            )
        right = check_password(proof, customer.service_password)
    elif method == Identification.Method.ID_CARD:
        right = bool(customer.id_number) and proof.upper() == customer.id_number.upper()
    else:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "短信验证码核验请使用“发送验证码”",
            "Identify by SMS code with “Send code”",
            field="method",
            status=422,
        )
    if not right:
        ratelimit.hit(WRONG_PROOFS, str(customer.pk))
        raise ServiceError(
            Code.WRONG_PROOF,
            "核验未通过：与档案不符",
            "Not identified: that does not match the record",
            field="proof",
            status=422,
        )
    ratelimit.reset(WRONG_PROOFS, str(customer.pk))
    return Identification.objects.create(
        customer=customer, method=method, by=user, at=timezone.now(), purpose=purpose[:60]
    )


ANONYMOUS_NAME = "已注销客户"


def anonymise(customer: Customer, *, actor, reason: str) -> bool:
    """The customer's identity anonymised (L5, PIPL Art.47): the name becomes "已注销客户", the
    ID number, the CRM number, the address and the service password are blanked, the lines on
    the profile removed (their number is the key that names a person), the values of the
    change history and the identifications, consents and privilege uses' numbers scrubbed,
    `anonymised_at` set, and a change row says who, when and why. The customer row stays —
    with its tier, group, region and cases — for statistics. Called by records.services (the
    purge, an erasure on request), which check who may; a second call does nothing (False)."""
    from .models import Consent, CustomerChange, PrivilegeUse

    with write_transaction():
        customer = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if customer is None or customer.anonymised_at is not None:
            return False
        now = timezone.now()
        customer.name = ANONYMOUS_NAME
        customer.id_number = ""
        customer.customer_no = ""
        customer.address = ""
        customer.service_password = ""
        customer.anonymised_at = now
        customer.version += 1
        customer.save()
        customer.phones.all().delete()
        for change in customer.changes.all():
            change.fields = {name: [None, None] for name in change.fields}
            change.note = ""
            change.save(update_fields=["fields", "note"])
        Identification.objects.filter(customer=customer).delete()
        Consent.objects.filter(customer=customer).delete()
        PrivilegeUse.objects.filter(customer=customer).update(number="", note="")
        CustomerChange.objects.create(
            customer=customer,
            at=now,
            by=actor if actor is not None and actor.is_active else None,
            source=CustomerChange.Source.SYSTEM,
            fields={"anonymised_at": [None, now.isoformat()]},
            note=reason[:200],
        )
    return True
