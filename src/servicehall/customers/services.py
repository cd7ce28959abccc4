"""Customer operations: identification by phone number, and the one place personal data is
shown unmasked (V2: masked unless the role needs it, every unmasked view audited)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.utils import timezone

from servicehall.core import ratelimit, validate
from servicehall.core.audit import log_action, log_pii_access
from servicehall.core.db import write_transaction
from servicehall.core.errors import NotFound, ServiceError, check_version, forbidden, require_perm
from servicehall.core.events import publish_on_commit, staff_channel
from servicehall.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from servicehall.core.models import AuditLog
from servicehall.core.sms import queue_sms
from servicehall.org.models import staff_name
from servicehall.org.roles import holders

from ..core.errors import Code as CoreCode
from . import privileges, profile
from .errors import Code
from .models import (
    TIER_ZH,
    Consent,
    Customer,
    CustomerChange,
    Identification,
    IdentificationCode,
    PhoneNumber,
    Privilege,
    PrivilegeUse,
)

MOBILE_RE = profile.MOBILE_RE


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
    quality = holders(QUALITY_ROLE)
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
        "customer_no": customer.customer_no,
        "status": customer.status,
        "version": customer.version,
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
    all 18 characters, which must be the one on file), the service password told, or the code
    texted to their own line (`send_identification_code`) read out. Recorded
    as an `Identification` row; a wrong proof is refused and counted per customer
    (`WRONG_PROOFS`), so nobody guesses a password at the counter or through the API."""
    require_perm(user, "customers.view_customer", "核验客户身份", "identify customers")
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
        right = _code_matches(customer, proof)
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


# --- profiles: created and corrected by staff (V1, V4) -----------------------------------------

PROFILE_KEYS = tuple(f.key for f in profile.CUSTOMER_FIELDS)
LINE_KEYS = tuple(f.key for f in profile.LINE_FIELDS)


def read_fields(data: dict, keys, resolver: profile.Resolver | None = None) -> dict:
    """The typed values of the fields `data` holds among `keys`, read and checked
    (profile.FIELDS); the first wrong one is refused naming its field."""
    resolver = resolver or profile.Resolver()
    return {k: profile.FIELDS[k].value(data.get(k) or "", resolver) for k in keys if k in data}


def _check_membership(customer: Customer | None, values: dict) -> None:
    parent = values.get("member_of")
    group = values.get("group", customer.group if customer else Customer.Group.INDIVIDUAL)
    if parent is not None:
        if customer is not None and parent.pk == customer.pk:
            raise ServiceError(
                CoreCode.INVALID_INPUT,
                "客户不能是自己的成员",
                "A customer cannot be their own member",
                field="member_of",
                status=422,
            )
        if group != Customer.Group.INDIVIDUAL:
            raise ServiceError(
                CoreCode.INVALID_INPUT,
                "只有个人客户可以是家庭或集团的成员",
                "Only an individual can be a member of a family or an enterprise",
                field="member_of",
                status=422,
            )
    if (
        customer is not None
        and group == Customer.Group.INDIVIDUAL
        and customer.group != Customer.Group.INDIVIDUAL
        and customer.members.exists()
    ):
        raise ServiceError(
            Code.HAS_MEMBERS,
            "该客户还有成员，不能改为个人客户：请先调整成员",
            "This customer still has members and cannot become an individual: move them first",
            field="group",
            status=422,
        )


def _check_unique_no(values: dict, customer: Customer | None) -> None:
    no = values.get("customer_no")
    if (
        no
        and Customer.objects.filter(customer_no=no)
        .exclude(pk=customer.pk if customer else None)
        .exists()
    ):
        raise ServiceError(
            CoreCode.INVALID_INPUT,
            f"客户编号“{no}”已被其他客户使用",
            f"The customer number {no!r} is another customer's",
            field="customer_no",
            status=422,
        )


def _required(field: str, zh: str, en: str) -> ServiceError:
    return ServiceError(CoreCode.REQUIRED, f"请填写{zh}", f"Enter {en}", field=field, status=422)


def record_change(customer, user, source: str, fields: dict, note: str = "", *, at=None):
    return CustomerChange.objects.create(
        customer=customer,
        at=at or timezone.now(),
        by=user if user is not None and user.is_authenticated else None,
        source=source,
        fields=fields,
        note=note[:200],
    )


def create_customer(user, data: dict, *, source: str = CustomerChange.Source.PAGE) -> Customer:
    """A new customer (录入, V4) with their first line: the form's or the API's text values,
    each read and checked like an imported cell (profile.py)."""
    require_perm(user, "customers.add_customer", "新建客户档案", "create customers")
    values = read_fields(data, PROFILE_KEYS)
    if not values.get("name"):
        raise _required("name", "姓名", "the name")
    line = read_fields(data, LINE_KEYS)
    if not line.get("number"):
        raise _required("number", "号码", "the number")
    _check_membership(None, values)
    _check_unique_no(values, None)
    if values.get("region_id") is None and values.get("address"):
        values["region_id"] = profile.region_from_address(values["address"])
    with write_transaction():
        if PhoneNumber.objects.filter(number=line["number"]).exists():
            raise _number_taken(line["number"])
        customer = Customer.objects.create(**values)
        _write_line(customer, line, primary=True)
        record_change(
            customer,
            user,
            source,
            {k: [None, profile.shown(k, v)] for k, v in values.items() if v not in (None, "")},
            note="建档",
        )
    return customer


def _number_taken(number: str) -> ServiceError:
    return ServiceError(
        Code.NUMBER_TAKEN,
        f"号码{mask_phone(number)}已属于其他客户（过户请按过户业务办理）",
        f"The number {mask_phone(number)} is another customer's (a transfer of ownership is "
        "its own business)",
        field="number",
        status=422,
    )


def get_customer(user, customer_id) -> Customer:
    require_perm(user, "customers.view_customer", "查看客户档案", "view customers")
    customer = Customer.objects.filter(pk=validate.object_id(customer_id)).first()
    if customer is None:
        raise NotFound(Code.UNKNOWN_CUSTOMER, "客户不存在", "Unknown customer", field="customer_id")
    return customer


def update_customer(
    user, customer_id, data: dict, *, version, source: str = CustomerChange.Source.PAGE
) -> tuple[Customer, dict]:
    """Corrections (维护, V4): the fields `data` holds, read and checked; what changed is kept
    as a `CustomerChange` (before → after), nothing when nothing changed. `version` is what the
    form read: someone else's save in between is refused (409), not overwritten."""
    require_perm(user, "customers.change_customer", "修改客户档案", "correct customers")
    customer = get_customer(user, customer_id)
    values = read_fields(data, PROFILE_KEYS)
    if "name" in values and not values["name"]:
        raise _required("name", "姓名", "the name")
    _check_membership(customer, values)
    _check_unique_no(values, customer)
    if values.get("address") and "region_id" not in values:  # moved: the new address's place
        values["region_id"] = profile.region_from_address(values["address"]) or customer.region_id
    with write_transaction():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        check_version(
            version,
            customer.version,
            "客户档案已被他人修改，请刷新后重新填写",
            "Someone else changed this customer meanwhile: reload and try again",
        )
        changes = profile.diff(customer, values)
        if changes:
            for key, value in values.items():
                setattr(customer, key, value)
            customer.version += 1
            customer.save()
            record_change(customer, user, source, changes)
    return customer, changes


def save_line(
    user, customer_id, data: dict, *, source: str = CustomerChange.Source.PAGE
) -> PhoneNumber:
    """A line added to the customer, or one of theirs corrected (plan, account, status, dates);
    a number that is another customer's is refused. Closing every line makes the customer
    `left` (the retention periods run from then); opening one again makes them active."""
    require_perm(user, "customers.change_customer", "修改客户档案", "correct customers")
    customer = get_customer(user, customer_id)
    line = read_fields(data, LINE_KEYS)
    if not line.get("number"):
        raise _required("number", "号码", "the number")
    with write_transaction():
        existing = PhoneNumber.objects.select_for_update().filter(number=line["number"]).first()
        if existing is not None and existing.customer_id != customer.pk:
            raise _number_taken(line["number"])
        before = _line_values(existing) if existing else {}
        phone = _write_line(customer, line, primary=not customer.phones.exists(), row=existing)
        after = _line_values(phone)
        changes = {
            f"line:{phone.number[-4:]}:{k}": [before.get(k), v]
            for k, v in after.items()
            if before.get(k) != v
        }
        if changes:
            record_change(customer, user, source, changes)
            settle_status(customer, user, source)
    return phone


def _line_values(phone: PhoneNumber) -> dict:
    return {
        "account": phone.account or None,
        "plan": phone.plan or None,
        "status": str(PhoneNumber.Status(phone.status).label),
        "opened_on": profile.shown("opened_on", phone.opened_on),
        "ended_on": profile.shown("ended_on", phone.ended_on),
    }


def _write_line(customer, line: dict, *, primary: bool, row: PhoneNumber | None = None):
    row = row or PhoneNumber(customer=customer, number=line["number"], is_primary=primary)
    for key, value in line.items():
        setattr(row, "status" if key == "line_status" else key, value)
    if row.status == PhoneNumber.Status.CLOSED and row.ended_on is None:
        row.ended_on = timezone.localdate()
    if row.status != PhoneNumber.Status.CLOSED:
        row.ended_on = None
    row.save()
    return row


def settle_status(customer: Customer, user, source: str) -> None:
    """`left` once every line is closed (from the latest closing), `active` while one is not."""
    lines = list(customer.phones.values_list("status", "ended_on"))
    left = bool(lines) and all(s == PhoneNumber.Status.CLOSED for s, _ in lines)
    status = Customer.Status.LEFT if left else Customer.Status.ACTIVE
    if status == customer.status:
        return
    last = max((d for _, d in lines if d), default=timezone.localdate())
    left_at = timezone.make_aware(datetime.combine(last, time(23, 59, 59))) if left else None
    Customer.objects.filter(pk=customer.pk).update(
        status=status, left_at=left_at, version=F("version") + 1
    )
    record_change(
        customer,
        user,
        source,
        {
            "status": [
                str(Customer.Status(customer.status).label),
                str(Customer.Status(status).label),
            ]
        },
    )
    customer.status, customer.left_at = status, left_at


WEAK_PASSWORDS = {"123456", "654321", "123123", "112233", "121212", "666666", "888888"}


def set_service_password(user, customer_id, password: str) -> None:
    """A new service password (C3), typed by the customer on the counter's keypad: six digits,
    not one anyone would guess (all one digit, a run, a common one, the birthday in the ID)."""
    require_perm(user, "customers.change_customer", "修改客户档案", "correct customers")
    customer = get_customer(user, customer_id)
    password = (password or "").strip()
    birthday = customer.id_number[8:14] if len(customer.id_number) == 18 else ""
    if not re.fullmatch(r"\d{6}", password):
        raise ServiceError(
            CoreCode.INVALID_INPUT,
            "服务密码应为6位数字",
            "A service password is 6 digits",
            field="password",
            status=422,
        )
    if (
        len(set(password)) == 1
        or password in WEAK_PASSWORDS
        or password in "0123456789"
        or password in "9876543210"
        or password == birthday
    ):
        raise ServiceError(
            Code.WEAK_PASSWORD,
            "服务密码过于简单（相同数字、连号、常见密码或生日），请换一个",
            "Too easy to guess (one digit repeated, a run, a common one or the birthday): "
            "choose another",
            field="password",
            status=422,
        )
    with write_transaction():
        Customer.objects.filter(pk=customer.pk).update(
            service_password=make_password(password), version=F("version") + 1
        )
        record_change(customer, user, CustomerChange.Source.PAGE, {}, note="重置服务密码")


def record_privilege_use(user, customer_id, privilege: str, *, number: str = "", note: str = ""):
    """A VIP privilege used for the customer (V1), refused when their tier does not give it or
    this year's allowance is used up (privileges.ALLOWANCE)."""
    require_perm(user, "customers.add_privilegeuse", "登记客户权益使用", "record privileges")
    customer = get_customer(user, customer_id)
    privilege = validate.choice(privilege, Privilege, "privilege", "权益", "privilege")
    note = validate.text(note, "note", "备注", "note", limit=200, required=False)
    if number:
        number = normalize_phone(number, field="number")
        if not customer.phones.filter(number=number).exists():
            raise ServiceError(
                CoreCode.INVALID_INPUT,
                "该号码不是此客户的号码",
                "That number is not this customer's",
                field="number",
                status=422,
            )
    with write_transaction():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        privileges.check_allowed(customer, privilege)
        return PrivilegeUse.objects.create(
            customer=customer,
            privilege=privilege,
            number=number,
            at=timezone.now(),
            by=user,
            note=note,
        )


def set_consent(user, customer_id, purpose: str, granted: bool, *, channel: str = "counter"):
    """The customer grants or withdraws a consent (PIPL Art.14–15): a new row, the old kept."""
    require_perm(user, "customers.change_customer", "修改客户档案", "correct customers")
    customer = get_customer(user, customer_id)
    purpose = validate.choice(purpose, Consent.Purpose, "purpose", "授权事项", "purpose")
    channel = validate.text(channel, "channel", "渠道", "channel", limit=20, required=False)
    with write_transaction():
        return Consent.objects.create(
            customer=customer,
            purpose=purpose,
            granted=bool(granted),
            at=timezone.now(),
            by=user,
            channel=channel,
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
        record_change(
            customer,
            actor if actor is not None and actor.is_active else None,
            CustomerChange.Source.SYSTEM,
            {"anonymised_at": [None, now.isoformat()]},
            note=reason,
            at=now,
        )
    return True


CODE_VALID = timedelta(minutes=10)
CODE_RESEND = timedelta(minutes=1)
CODE_TRIES = 5


def _code_hash(row_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"identify:{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_identification_code(user, customer_id) -> str:
    """Text a 6-digit code to the customer's primary line in service (C3); the customer reads it
    out at the counter. One a minute; a new code voids the last. Returns the number it went to,
    masked."""
    require_perm(user, "customers.view_customer", "核验客户身份", "identify customers")
    customer = get_customer(user, customer_id)
    phone = (
        customer.phones.exclude(status=PhoneNumber.Status.CLOSED)
        .order_by("-is_primary", "pk")
        .first()
    )
    if phone is None:
        raise ServiceError(
            CoreCode.INVALID_INPUT,
            "该客户没有在用的号码，无法发送验证码：请核验身份证或服务密码",
            "This customer has no line in service to text a code to: check the ID card or "
            "the service password",
            field="method",
            status=422,
        )
    now = timezone.now()
    with write_transaction():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        last = IdentificationCode.objects.filter(customer=customer).first()
        if last and now - last.sent_at < CODE_RESEND:
            raise ServiceError(
                CoreCode.CODE_TOO_SOON,
                "验证码刚刚已发送，请一分钟后再试",
                "A code was just sent; try again in a minute",
                field="method",
                status=429,
            )
        IdentificationCode.objects.filter(customer=customer, used_at__isnull=True).update(void=True)
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = IdentificationCode.objects.create(
            customer=customer, number=phone.number, code_hash="", sent_by=user, sent_at=now
        )
        row.code_hash = _code_hash(row.pk, code)
        row.save(update_fields=["code_hash"])
        queue_sms(
            phone.number,
            f"【营业厅】您正在营业厅办理业务，身份验证码 {code}，10分钟内有效。"
            "如非本人办理，请勿告知他人。",
            "identification_code",
        )
    return mask_phone(phone.number)


def _code_matches(customer: Customer, code: str) -> bool:
    """The latest code texted to the customer, within its time and tries; used once."""
    now = timezone.now()
    with write_transaction():
        row = (
            IdentificationCode.objects.select_for_update()
            .filter(customer=customer, used_at__isnull=True, void=False)
            .first()
        )
        if row is None or now - row.sent_at > CODE_VALID or row.attempts >= CODE_TRIES:
            raise ServiceError(
                CoreCode.CODE_EXPIRED,
                "验证码已失效或未发送，请重新发送",
                "The code has expired or was not sent: send a new one",
                field="proof",
                status=422,
            )
        if hmac.compare_digest(row.code_hash, _code_hash(row.pk, code.strip())):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return True
        row.attempts += 1
        row.save(update_fields=["attempts"])
    return False
