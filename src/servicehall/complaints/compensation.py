"""Compensation on a complaint (P6): every offer with its policy basis (有根有据) and amount,
the customer's answer, and — above the approval threshold — the decision of a hall manager of
the case's hall, who is never the clerk who made the offer. Each step is a case event.

"Compensation paid" is an offer the customer accepted that was within the clerk's limit or
approved (models.PAID_Q, the report counts it in SQL)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.cases.selectors import EVENT_LABELS, get_case, may_handle, unknown_case
from servicehall.cases.services import record_event
from servicehall.cases.services.common import check_open, check_texts
from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Conflict, Forbidden, NotFound, ServiceError, require_perm
from servicehall.core.masking import mask_free_text
from servicehall.org.roles import hall_ids_of

from .errors import Code
from .models import DEFAULT_APPROVAL_ABOVE, Approval, CompensationOffer, CustomerAnswer

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("50000.00")  # beyond a hall's remedies: that is a matter for the company
MAX_BASIS = 1000

EVENT_LABELS.update(
    {
        "compensation_offered": ("提出补偿方案", "Compensation offered"),
        "compensation_answered": ("客户答复补偿方案", "Customer answered the offer"),
        "compensation_approved": ("营业厅经理批准补偿", "Compensation approved"),
        "compensation_rejected": ("营业厅经理驳回补偿", "Compensation rejected"),
        "upgraded": ("标记为升级投诉", "Marked as an upgraded complaint"),
        "upgraded_again": ("客户再次投诉（升级）", "Complained again (upgraded)"),
    }
)


def approval_threshold() -> Decimal:
    """The amount above which an offer needs a hall manager's approval (a setting: the
    environment's SERVICEHALL_COMPENSATION_APPROVAL_ABOVE; default 100 yuan)."""
    try:
        value = Decimal(str(getattr(settings, "COMPENSATION_APPROVAL_ABOVE", "")))
    except InvalidOperation:
        return DEFAULT_APPROVAL_ABOVE
    if not value.is_finite() or value < 0:
        return DEFAULT_APPROVAL_ABOVE
    return value.quantize(Decimal("0.01"))


def complaint_for(user, case_id, *, for_update: bool = False) -> Case:
    """A complaint the user works on (404 for one they may not see); 409 for another type."""
    case = get_case(case_id, for_update=for_update)
    if not may_handle(user, case):
        raise unknown_case(case_id)
    if case.kind != "complaint":
        raise Conflict(
            Code.NOT_A_COMPLAINT,
            f"{case.number} 不是投诉单，不能登记补偿或升级",
            f"{case.number} is not a complaint: no compensation or upgrade on it",
            field="case",
        )
    return case


def _amount(value) -> Decimal:
    if value is None or str(value).strip() == "":
        raise ServiceError(
            CoreCode.REQUIRED,
            "请填写补偿金额",
            "Please fill in the amount",
            field="amount",
            status=422,
        )
    amount = validate.decimal_number(value, "amount", places=2, max_digits=9, unit="元")
    if amount is None or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise ServiceError(
            CoreCode.INVALID_NUMBER,
            f"补偿金额须在 {MIN_AMOUNT} 至 {MAX_AMOUNT} 元之间",
            f"The amount must be between {MIN_AMOUNT} and {MAX_AMOUNT} yuan",
            field="amount",
            status=422,
        )
    return amount


def offer(user, case_id, *, amount, basis: str, remedy: str = "") -> CompensationOffer:
    """Record an offer (P6). Its basis is required: every remedy rests on a policy."""
    require_perm(user, "cases.handle_case", "处理工单", "work on cases")
    require_perm(user, "complaints.offer_compensation", "提出补偿", "offer compensation")
    money = _amount(amount)
    basis = validate.text(basis, "basis", "政策依据", "the policy basis", limit=MAX_BASIS)
    remedy = validate.text(
        remedy, "remedy", "补偿内容", "what is offered", limit=200, required=False
    )
    check_texts(basis=basis, remedy=remedy)  # the handbook's forbidden phrases (P1)
    limit = approval_threshold()
    with write_transaction():
        case = complaint_for(user, case_id, for_update=True)
        check_open(case)
        now = timezone.now()
        row = CompensationOffer.objects.create(
            case=case,
            amount=money,
            basis=basis,
            remedy=remedy,
            offered_by=user,
            offered_at=now,
            threshold=limit,
            approval=Approval.PENDING if money > limit else Approval.NOT_NEEDED,
        )
        record_event(
            case,
            "compensation_offered",
            user,
            note=basis,
            offer=row.pk,
            amount=str(money),
            remedy=mask_free_text(remedy),  # the timeline's data reaches the API as it is (V2)
            approval=row.approval,
        )
    return row


def _offer_for(case_id, offer_id, *, for_update: bool = True) -> CompensationOffer:
    qs = CompensationOffer.objects.select_related("case")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    pk = validate.object_id(offer_id)
    row = qs.filter(pk=pk, case_id=validate.object_id(case_id)).first() if pk else None
    if row is None:
        raise NotFound(
            Code.UNKNOWN_OFFER,
            f"补偿方案 {offer_id} 不存在",
            f"Unknown compensation offer {offer_id}",
            field="offer",
        )
    return row


def answer(user, case_id, offer_id, *, answer: str, note: str = "") -> CompensationOffer:
    """The customer's answer to an offer: accepted, refused, or still thinking it over. Once
    accepted or refused the answer stands (a new offer is a new row)."""
    require_perm(user, "complaints.offer_compensation", "登记客户答复", "record the answer")
    if answer not in CustomerAnswer.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"客户答复取值无效：{answer}（可选：{'、'.join(CustomerAnswer.values)}）",
            f"Invalid answer {answer!r}; one of {', '.join(CustomerAnswer.values)}",
            field="answer",
            status=422,
        )
    note = validate.text(note, "note", "备注", "the note", limit=1000, required=False)
    check_texts(note=note)
    with write_transaction():
        case = complaint_for(user, case_id, for_update=True)
        check_open(case)
        row = _offer_for(case.pk, offer_id)
        if row.answer != CustomerAnswer.THINKING:
            raise Conflict(
                Code.OFFER_ANSWERED,
                f"客户已答复该方案（{row.get_answer_display()}），如需调整请提出新方案",
                f"The customer has answered this offer ({row.get_answer_display()}); make a "
                "new offer to change it",
                field="answer",
            )
        row.answer = answer
        row.answered_at = timezone.now()
        row.save(update_fields=["answer", "answered_at"])
        record_event(case, "compensation_answered", user, note=note, offer=row.pk, answer=answer)
    return row


def decide(user, case_id, offer_id, *, approve: bool, reason: str = "") -> CompensationOffer:
    """A hall manager of the case's hall approves or rejects an offer above the threshold.
    A rejection says why; nobody decides on their own offer; decided once (two at once: one
    wins, the other is told it is decided)."""
    require_perm(user, "complaints.approve_compensation", "审批补偿", "approve compensation")
    reason = validate.text(
        reason, "reason", "审批意见", "the reason", limit=1000, required=not approve
    )
    with write_transaction():
        case = get_case(case_id, for_update=True)
        halls = hall_ids_of(user)
        if case.kind != "complaint" or (halls is not None and case.hall_id not in halls):
            raise unknown_case(case_id)  # another hall's complaint: as if it did not exist
        row = _offer_for(case.pk, offer_id)
        if row.offered_by_id == user.pk:
            raise Forbidden(
                Code.OWN_OFFER,
                "不能审批自己提出的补偿方案，请由另一位营业厅经理审批",
                "You cannot approve your own offer: another hall manager decides",
                field="offer",
            )
        if row.approval != Approval.PENDING:
            raise Conflict(
                Code.OFFER_NOT_PENDING,
                f"该方案无需审批或已审批（{row.get_approval_display()}）",
                f"This offer is not awaiting a decision ({row.get_approval_display()})",
                field="offer",
            )
        row.approval = Approval.APPROVED if approve else Approval.REJECTED
        row.decided_by = user
        row.decided_at = timezone.now()
        row.decision_reason = reason
        row.save(update_fields=["approval", "decided_by", "decided_at", "decision_reason"])
        record_event(
            case,
            "compensation_approved" if approve else "compensation_rejected",
            user,
            note=reason,
            offer=row.pk,
            amount=str(row.amount),
        )
    return row


def offers_of(case: Case) -> list[CompensationOffer]:
    return list(
        CompensationOffer.objects.filter(case=case).select_related(
            "offered_by", "offered_by__staff", "decided_by", "decided_by__staff"
        )
    )
