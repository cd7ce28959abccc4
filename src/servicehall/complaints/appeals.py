"""Appeals (申诉, P2, P3, L1): registering an appeal from its source, its deadlines on the
business calendar, the intake warnings, and the liability decision — the APPEAL workflow of the
one case engine (workflows.py), with its check and effects added to the engine's registries.

- `register_appeal`: one use case, one transaction: the case (kind "appeal", SS…) opened through
  `cases.services.open_case`, its deadline set to the appeal's hard deadline, the `Appeal` row,
  its links to the customer's earlier complaints. A missing source or reference number is a 422
  naming the field, a reference number the source already sent a 409; nothing is written.
- Deadlines (L1): the source's acceptance decision within N days and answer within M days,
  working days on core/calendar.py where the source says so, each ending at the close of its
  last day; the date the appeal centre asks for our materials, entered per appeal, is the hard
  deadline when it is earlier. `reply_due` = the earlier of the two = the case's due time.
- Intake warnings (L1 Art.11): a billing dispute older than 5 months, another dispute older
  than 2 years (from the date of the matter to the date received), no earlier complaint of this
  customer on record. They do not block: the first submit is refused with the warnings
  (`unconfirmed_warnings`, naming `confirm_warnings`) until staff confirm them; they are stored.
- `decide`: the `decide_liability` transition through the engine (`cases.services.act`); its
  check (`clean_liability`, CHECKS["appeal_liability"]) refuses a decision without a liability,
  a reason, evidence, a company liability without its sub-reason, a withdrawal without its
  ground, a major appeal without why; its effect stamps who decided, when, and whether within
  the deadline. The `reply` transition's effect closes the case and stamps a late reply."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case, Channel
from servicehall.core import validate
from servicehall.core.calendar import add_business_days
from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, ServiceError, require_perm
from servicehall.customers.models import Customer
from servicehall.customers.services import find_by_phone, normalize_phone
from servicehall.org.roles import hall_ids_of

from ..core.errors import Code as CoreCode
from ..customers.errors import Code as CustomersCode
from .errors import Code
from .models import Appeal, AppealSource, CompanyFault, Liability, Withdrawal

PERM = "complaints.handle_appeal"
REFERENCE_MAX = 40
# L1 (电信用户申诉处理办法 Art.11): appeals are not accepted for these disputes when older
BILLING_MONTHS = 5
OTHER_YEARS = 2

WARNINGS = {
    "billing_over_5_months": (
        "计费争议距争议发生已超过5个月，申诉机构可能不予受理（申诉处理办法第十一条）",
        "A billing dispute more than 5 months old: the appeal centre may refuse it (Art.11)",
    ),
    "other_over_2_years": (
        "争议发生已超过2年，申诉机构可能不予受理（申诉处理办法第十一条）",
        "A dispute more than 2 years old: the appeal centre may refuse it (Art.11)",
    ),
    "no_earlier_complaint": (
        "没有该客户此前向我公司投诉的记录（申诉应以先向企业投诉为前提）",
        "No earlier complaint of this customer to us is on record",
    ),
}


def warning_text(code: str, lang: str = "zh") -> str:
    zh, en = WARNINGS.get(code, (code, code))
    return zh if lang.startswith("zh") else en


# --- deadlines ---------------------------------------------------------------------------


def end_of(d: date) -> datetime:
    """The close (23:59:59 local) of a day: every appeal deadline ends there."""
    return timezone.make_aware(datetime.combine(d, time(23, 59, 59)))


def _after(received_on: date, n: int, working_days: bool) -> datetime:
    if working_days:  # the n-th working day after the day received (core/calendar.py)
        return add_business_days(timezone.make_aware(datetime.combine(received_on, time())), n)
    return end_of(date.fromordinal(received_on.toordinal() + n))


def deadlines(
    source: AppealSource, received_on: date, materials_due: date | None = None
) -> tuple[datetime, datetime, datetime]:
    """(acceptance decision due, answer due, reply due): the reply is due at the earlier of the
    answer and the day the centre asks for our materials (the hard deadline)."""
    accept = _after(received_on, source.accept_within, source.accept_working_days)
    answer = _after(received_on, source.answer_within, source.answer_working_days)
    reply = min(answer, end_of(materials_due)) if materials_due else answer
    return accept, answer, reply


def _months_before(d: date, months: int) -> date:
    m = d.month - 1 - months
    y, m = d.year + m // 12, m % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def intake_warnings(
    *, customer: Customer | None, phone: str, billing_dispute: bool, matter_on: date, received_on
) -> list[str]:
    """The warnings of L1 Art.11 at intake (codes of WARNINGS), in a fixed order."""
    out = []
    if billing_dispute and matter_on < _months_before(received_on, BILLING_MONTHS):
        out.append("billing_over_5_months")
    if not billing_dispute and matter_on < _months_before(received_on, OTHER_YEARS * 12):
        out.append("other_over_2_years")
    earlier = Case.objects.filter(kind="complaint", created_at__lt=end_of(received_on))
    if customer is not None:
        earlier = earlier.filter(customer=customer)
    elif phone:
        earlier = earlier.filter(contact_phone=phone)
    else:
        earlier = earlier.none()
    if not earlier.exists():
        out.append("no_earlier_complaint")
    return out


def linkable_complaints(user, customer: Customer | None):
    """The customer's complaints an appeal may be linked to, newest first: those of the user's
    halls (opened there or at one of its desks; every hall for the roles that span halls)."""
    if customer is None:
        return Case.objects.none()
    qs = Case.objects.filter(kind="complaint", customer=customer).select_related("hall")
    ids = hall_ids_of(user)
    if ids is not None:
        qs = qs.filter(Q(hall__in=ids) | Q(desk__hall__in=ids))
    return qs.order_by("-created_at", "-id")


# --- registering -------------------------------------------------------------------------


def _required(value, field: str, zh: str, en: str, limit: int) -> str:
    return validate.text(value, field, zh, en, limit=limit)


def _source(code) -> AppealSource:
    code = _required(code, "source", "申诉来源", "the source", 30)
    src = AppealSource.objects.filter(code=code, is_active=True).first()
    if src is None:
        raise ServiceError(
            Code.UNKNOWN_APPEAL_SOURCE,
            f"未知的申诉来源：{code}",
            f"Unknown appeal source {code!r}",
            field="source",
            status=422,
        )
    return src


def _past_date(value, field: str, zh: str, en: str, *, required: bool = True) -> date | None:
    d = validate.calendar_date(value if value is not None else "", field)
    if d is None:
        if required:
            raise ServiceError(
                CoreCode.REQUIRED, f"请填写{zh}", f"Please fill in {en}", field=field, status=422
            )
        return None
    if d > timezone.localdate():
        raise ServiceError(
            Code.FUTURE_DATE,
            f"{zh}不能晚于今天（{timezone.localdate():%Y-%m-%d}）",
            f"{en[:1].upper()}{en[1:]} cannot be after today ({timezone.localdate():%Y-%m-%d})",
            field=field,
            status=422,
        )
    return d


def _customer(phone, customer_id) -> tuple[Customer | None, str]:
    contact = normalize_phone(phone) if (phone or "").strip() else ""
    customer = None
    if customer_id not in (None, ""):
        pk = validate.object_id(customer_id)
        customer = Customer.objects.filter(pk=pk).first() if pk is not None else None
        if customer is None:
            raise ServiceError(
                CustomersCode.UNKNOWN_CUSTOMER,
                f"客户 {customer_id} 不存在",
                f"Unknown customer {customer_id}",
                field="customer_id",
                status=422,
            )
    elif contact:
        customer = find_by_phone(contact)
    if customer is None and not contact:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请填写申诉客户的手机号码",
            "Please fill in the customer's phone number",
            field="phone",
            status=422,
        )
    return customer, contact


def _duplicate(source: AppealSource, reference: str) -> Conflict:
    return Conflict(
        Code.DUPLICATE_APPEAL,
        f"{source.name_zh}的申诉单号 {reference} 已登记",
        f"{source.name_en} reference {reference} is registered already",
        field="reference",
    )


def register_appeal(
    user,
    *,
    source,
    reference,
    received_on,
    matter_on,
    matter,
    subject: str = "",
    phone: str | None = None,
    customer_id=None,
    billing_dispute: bool = False,
    materials_due=None,
    complaints=(),
    confirm_warnings: bool = False,
) -> Case:
    """Register an appeal (P2). Returns its case. See the module's docstring."""
    require_perm(user, PERM, "登记申诉", "register appeals")
    src = _source(source)
    # one reference whatever the letters' case: "race-1" is "RACE-1" (probe finding)
    reference = _required(
        reference, "reference", "申诉单号", "the reference number", REFERENCE_MAX
    ).upper()
    received = _past_date(received_on, "received_on", "收到申诉的日期", "the date received")
    matter_date = _past_date(matter_on, "matter_on", "争议发生日期", "the date of the matter")
    if matter_date is not None and matter_date > received:  # the matter came before the appeal
        raise ServiceError(
            CoreCode.INVALID_DATE,
            "争议发生日期不能晚于收到申诉的日期",
            "The date of the matter cannot be after the date received",
            field="matter_on",
            status=422,
        )
    materials = validate.calendar_date(materials_due or "", "materials_due")
    if materials is not None and materials < received:
        raise ServiceError(
            CoreCode.INVALID_DATE,
            "申诉机构要求提供材料的日期不能早于收到申诉的日期",
            "The date the centre wants our materials cannot be before the date received",
            field="materials_due",
            status=422,
        )
    customer, contact = _customer(phone, customer_id)
    matter = _required(matter, "matter", "申诉内容", "what the customer appeals about", 4000)
    candidates = {c.pk: c for c in linkable_complaints(user, customer)}
    linked = []
    for raw in complaints or ():
        pk = validate.object_id(raw)
        if pk not in candidates:
            raise ServiceError(
                CoreCode.INVALID_CHOICE,
                f"投诉 {raw} 不是该客户的投诉",
                f"Complaint {raw} is not one of this customer's complaints",
                field="complaints",
                status=422,
            )
        linked.append(candidates[pk])
    if Appeal.objects.filter(source=src, reference=reference).exists():
        raise _duplicate(src, reference)
    warnings = intake_warnings(
        customer=customer,
        phone=contact,
        billing_dispute=billing_dispute,
        matter_on=matter_date,
        received_on=received,
    )
    if warnings and not confirm_warnings:
        raise ServiceError(
            Code.UNCONFIRMED_WARNINGS,
            "请核对以下提示并勾选确认后再登记：" + "；".join(WARNINGS[w][0] for w in warnings),
            "Check these warnings and confirm them to register: "
            + "; ".join(WARNINGS[w][1] for w in warnings),
            field="confirm_warnings",
            status=422,
            extra={"warnings": warnings},
        )
    accept, answer, reply = deadlines(src, received, materials)
    newest = max(linked, key=lambda c: (c.created_at, c.pk)) if linked else None
    hall = (
        newest.hall
        if newest and newest.hall_id
        else getattr(getattr(user, "staff", None), "hall", None)
    )
    try:
        with write_transaction():
            case = cases.open_case(
                user,
                kind="appeal",
                channel=Channel.HOTLINE,
                category="complaint",
                description=matter,
                subject=subject or f"{src.name_zh}申诉 {reference}",
                phone=contact or None,
                customer_id=customer.pk if customer else None,
            )
            now = timezone.now()
            warn = now + (reply - now) * 0.8 if reply > now else None
            Case.objects.filter(pk=case.pk).update(
                due_at=reply, next_escalation_at=reply, warn_at=warn
            )
            case.due_at = reply
            appeal = Appeal.objects.create(
                case=case,
                source=src,
                reference=reference,
                hall=hall,
                received_on=received,
                matter_on=matter_date,
                billing_dispute=bool(billing_dispute),
                materials_due=materials,
                accept_due=accept,
                answer_due=answer,
                reply_due=reply,
                warnings=warnings,
                registered_by=user,
            )
            appeal.complaints.set(linked)
            cases.record_event(
                case,
                "appeal_registered",
                user,
                source=src.code,
                reference=reference,
                reply_due=reply.isoformat(),
                warnings=warnings,
                complaints=[c.number for c in linked],
            )
    except IntegrityError:  # the same reference registered at the same moment by someone else
        raise _duplicate(src, reference) from None
    return case


# --- the liability decision (P3) ---------------------------------------------------------


def _choice(value, choices, field: str, zh: str, en: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        raise ServiceError(
            CoreCode.REQUIRED, f"请选择{zh}", f"Please choose {en}", field=field, status=422
        )
    if value not in choices.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"“{str(value)[:30]}”不是可选的{zh}",
            f"{str(value)[:30]!r} is not one of the choices for {en}",
            field=field,
            status=422,
        )
    return value


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "on", "yes")


def clean_liability(case: Case, user, payload: dict) -> tuple[dict, None]:
    """The check of `decide_liability` (CHECKS["appeal_liability"])."""
    liability = _choice(payload.get("liability"), Liability, "liability", "责任认定", "liability")
    clean = {"liability": liability, "company_fault": "", "withdrawal": ""}
    if liability == Liability.COMPANY:
        clean["company_fault"] = _choice(
            payload.get("company_fault"),
            CompanyFault,
            "company_fault",
            "企业责任的具体原因",
            "the company liability's sub-reason",
        )
    elif payload.get("company_fault"):
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "只有企业责任才填写具体原因",
            "A sub-reason is given only for a company liability",
            field="company_fault",
            status=422,
        )
    if liability == Liability.WITHDRAWN:
        clean["withdrawal"] = _choice(
            payload.get("withdrawal"), Withdrawal, "withdrawal", "撤销的原因", "why it is withdrawn"
        )
    elif payload.get("withdrawal"):
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "只有撤销才填写撤销的原因",
            "A withdrawal ground is given only when the appeal is withdrawn",
            field="withdrawal",
            status=422,
        )
    clean["reason"] = validate.text(
        payload.get("reason"), "reason", "定责理由", "the reason", limit=2000, meaningful=4
    )
    clean["evidence"] = validate.text(
        payload.get("evidence"), "evidence", "证据", "the evidence", limit=2000
    )
    clean["major"] = _flag(payload.get("major"))
    clean["major_reason"] = validate.text(
        payload.get("major_reason"),
        "major_reason",
        "重大申诉的原因",
        "why it is a major appeal",
        limit=500,
        required=clean["major"],
    )
    if not clean["major"]:
        clean["major_reason"] = ""
    return clean, None


def _decided(case: Case, actor, now: datetime, payload: dict) -> None:
    cases.EFFECTS["respond"](case, actor, now, {})
    appeal = Appeal.objects.get(case=case)
    Appeal.objects.filter(pk=appeal.pk).update(
        liability=payload["liability"],
        company_fault=payload["company_fault"],
        withdrawal=payload["withdrawal"],
        liability_reason=payload["reason"],
        evidence=payload["evidence"],
        major=payload["major"],
        major_reason=payload["major_reason"],
        decided_by=actor,
        decided_at=now,
        decided_in_time=now <= appeal.reply_due,
    )


def _replied(case: Case, actor, now: datetime, payload: dict) -> None:
    cases.EFFECTS["close"](case, actor, now, payload)
    reply_due = Appeal.objects.filter(case=case).values_list("reply_due", flat=True).get()
    Appeal.objects.filter(case=case).update(replied_at=now, replied_late=now > reply_due)


def plug_into_engine() -> None:
    """Called by ComplaintsConfig.ready(): the APPEAL workflow's check and effects."""
    from servicehall.cases.selectors import EVENT_LABELS

    EVENT_LABELS["appeal_registered"] = ("登记申诉", "Appeal registered")
    cases.CHECKS["appeal_liability"] = clean_liability
    cases.effect("appeal_decide")(_decided)
    cases.effect("appeal_reply")(_replied)


def decide(user, case_id, *, version, **fields) -> Case:
    """The liability decision (P3) of an appeal, through the engine."""
    require_perm(user, PERM, "申诉定责", "decide appeals")
    keys = ("liability", "company_fault", "withdrawal", "reason", "evidence", "major")
    payload = {k: fields[k] for k in (*keys, "major_reason") if fields.get(k) not in (None, "")}
    case, _ = cases.act(user, case_id, "decide_liability", version=version, **payload)
    return case
