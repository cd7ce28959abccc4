"""Closing a case on the customer's word (C5): how the customer confirmed, checked before the
case closes, and quality's review of every closure made by staff on the customer's behalf.

- The customer's own answer to the survey text closes the case by itself (engine.customer_answer,
  method `customer_reply`): no member of staff is involved and nothing is reviewed.
- Staff close with a structured confirmation (`clean_confirmation`, the close transition's
  check): a recorded phone call with the call's time (not in the future, not before the case was
  opened), or in person at the hall with the one-time code `send_closure_code` texted to the
  customer's number on file — the customer tells the clerk the code. Free text alone closes
  nothing. Each such closure waits for quality (`review_closure`: in order / not in order with
  a note, an event each).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import F

from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, ServiceError, require_perm
from servicehall.core.sms import queue_sms

from ...core.errors import Code as CoreCode
from ..errors import Code
from ..models import (
    STAFF_METHODS,
    Case,
    CaseConfirmation,
    ClosureCode,
    ConfirmationMethod,
    ReviewState,
)
from ..selectors import get_case, get_visible, number_on_file
from ..workflows import workflow_of
from .common import (
    _bad,
    _check_handler,
    _now,
    _parse_time,
    _refuse,
    _require_handle,
    check_open,
    record_event,
)

CODE_VALID = timedelta(minutes=10)  # the customer is at the counter: ten minutes is plenty
CODE_RESEND = timedelta(minutes=1)
MAX_CODE_ATTEMPTS = 5  # wrong codes before the code is void and a new one must be sent
MAX_NOTE = 1000
REVIEW = "cases.review_closure"


def _hash(code_row_id: int, case_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{case_id}:{code_row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _closable(case: Case) -> None:
    wf = workflow_of(case.kind)
    if wf.transition(case.status, "close") is None:
        raise _refuse(case, wf, "close")


def send_closure_code(user, case_id) -> ClosureCode:
    """Text a 6-digit code to the customer's number on file; the customer at the counter tells
    it to the clerk, which proves they confirmed in person. One a minute; a new code voids the
    previous one."""
    _require_handle(user)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        check_open(case)
        _closable(case)
        phone = number_on_file(case)
        if phone is None:
            raise _bad(
                Code.NO_NUMBER_ON_FILE,
                "该工单没有登记客户号码，无法发送确认码；请以录音电话方式确认",
                "No customer number is on file for this case, so no code can be texted; "
                "confirm by a recorded phone call",
                "method",
            )
        now = _now()
        last = ClosureCode.objects.filter(case=case).first()
        if last and now - last.sent_at < CODE_RESEND:
            raise ServiceError(
                CoreCode.CODE_TOO_SOON,
                "确认码刚刚已发送，请一分钟后再试",
                "A code was just sent; try again in a minute",
                field="code",
                status=429,
            )
        ClosureCode.objects.filter(case=case, used_at__isnull=True).update(void=True)
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = ClosureCode.objects.create(
            case=case, phone=phone, code_hash="", sent_by=user, sent_at=now
        )
        row.code_hash = _hash(row.pk, case.pk, code)
        row.save(update_fields=["code_hash"])
        queue_sms(
            phone,
            f"【营业厅】您的工单（{case.number}）处理结果确认码是 {code}，10分钟内有效。"
            "如您确认问题已解决，请将确认码告知营业厅工作人员；未解决请勿告知。",
            "closure_code",
        )
        record_event(case, "closure_code_sent", user)
    return row


def _required(field: str, zh: str, en: str) -> ServiceError:
    return _bad(CoreCode.REQUIRED, zh, en, field)


def clean_confirmation(case: Case, user, payload: dict) -> tuple[dict, ServiceError | None]:
    """The close transition's check (C5): the structured confirmation, or a 422 naming the
    field at fault. Returns the clean payload and, for a wrong code, the refusal to raise once
    the wrong try has been counted (the caller commits the count and writes nothing else)."""
    method = str(payload.get("method") or "").strip()
    if not method:
        raise _required("method", "请选择客户确认方式", "Please choose how the customer confirmed")
    if method == ConfirmationMethod.CUSTOMER_REPLY:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            "客户本人回复回访短信后工单会自动关闭，工作人员不能代选此方式；"
            "代客户确认请选择“录音电话”或“到厅当面（短信确认码）”",
            "The customer's own reply to the survey text closes the case by itself; staff "
            "closing on the customer's behalf choose a recorded phone call or in person with "
            "the texted code",
            "method",
        )
    if method not in STAFF_METHODS:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            "客户确认方式无效：请选择“录音电话”或“到厅当面（短信确认码）”",
            "Unknown confirmation method: choose a recorded phone call or in person with the "
            "texted code",
            "method",
        )
    clean: dict = {"method": method}
    if method == ConfirmationMethod.PHONE_CALL:
        if not payload.get("call_at"):
            raise _required(
                "call_at", "请填写录音电话的通话时间", "Please give the time of the recorded call"
            )
        call_at = _parse_time(payload["call_at"], "call_at")
        if call_at > _now():
            raise _bad(
                Code.TIME_IN_FUTURE,
                "通话时间不能晚于现在",
                "The time of the call cannot be in the future",
                "call_at",
            )
        if call_at < case.created_at.replace(second=0, microsecond=0):
            raise _bad(
                Code.BEFORE_CASE_OPENED,
                "通话时间早于工单受理时间，请核对录音记录",
                "The call was before the case was opened; check the recording",
                "call_at",
            )
        clean["call_at"] = call_at
    note = validate.text(
        payload.get("note"),
        "note",
        "客户确认情况说明",
        "a note of what the customer said",
        limit=MAX_NOTE,
        meaningful=4,  # "." is not the customer's words (the probe closed a case with it)
    )
    clean["note"] = note
    if method == ConfirmationMethod.IN_PERSON:
        code = str(payload.get("code") or "").strip()
        if not code:
            raise _required(
                "code",
                "请填写客户收到的短信确认码",
                "Please enter the code the customer received by text",
            )
        row = ClosureCode.objects.filter(case=case).first()
        now = _now()
        if row is None or row.void or row.used_at or now - row.sent_at > CODE_VALID:
            raise _bad(
                CoreCode.CODE_EXPIRED,
                "确认码已失效或尚未发送，请先给客户发送确认码",
                "The code has expired or was never sent; text the customer a code first",
                "code",
            )
        if not hmac.compare_digest(row.code_hash, _hash(row.pk, case.pk, code)):
            attempts = row.attempts + 1
            ClosureCode.objects.filter(pk=row.pk).update(
                attempts=F("attempts") + 1, void=attempts >= MAX_CODE_ATTEMPTS
            )
            return clean, _bad(
                CoreCode.WRONG_CODE,
                "确认码不正确" + ("，已失效，请重新发送" if attempts >= MAX_CODE_ATTEMPTS else ""),
                "Wrong code"
                + ("; it is void now, send a new one" if attempts >= MAX_CODE_ATTEMPTS else ""),
                "code",
            )
        clean["code_id"] = row.pk
    return clean, None


def record_confirmation(case: Case, actor, now, payload: dict) -> CaseConfirmation:
    """The close effect's record of how the customer confirmed. A code is used once: a second
    closing racing with the same code finds it used and is refused whole."""
    method = payload["method"]
    by_staff = method != ConfirmationMethod.CUSTOMER_REPLY
    code_phone = ""
    if payload.get("code_id"):
        row = ClosureCode.objects.get(pk=payload["code_id"])
        taken = ClosureCode.objects.filter(pk=row.pk, used_at__isnull=True, void=False).update(
            used_at=now
        )
        if not taken:
            raise _bad(
                CoreCode.CODE_EXPIRED,
                "确认码已被使用，请重新发送",
                "The code has been used; send a new one",
                "code",
            )
        code_phone = row.phone
    return CaseConfirmation.objects.create(
        case=case,
        method=method,
        by_staff=by_staff,
        confirmed_by=actor if by_staff and actor is not None else None,
        call_at=payload.get("call_at"),
        code_phone=code_phone,
        note=payload.get("note", ""),
        at=now,
        review=ReviewState.PENDING if by_staff else ReviewState.NOT_NEEDED,
    )


VERDICTS = {ReviewState.OK: ("合格", "in order"), ReviewState.NOT_OK: ("不合格", "not in order")}


def review_closure(user, case_id, *, verdict: str, note: str = "") -> CaseConfirmation:
    """Quality's review of a closure made by staff on the customer's behalf: in order, or not
    in order with a note. Once per closure; two reviewers at once: the second is refused."""
    require_perm(user, REVIEW, "质检代客确认", "review closures confirmed by staff")
    if verdict not in VERDICTS:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            "请选择质检结论：合格或不合格",
            "Choose the verdict: in order or not in order",
            "verdict",
        )
    note = validate.text(
        note,
        "note",
        "不合格的原因",
        "why it is not in order",
        limit=MAX_NOTE,
        required=verdict == ReviewState.NOT_OK,
    )
    get_visible(user, case_id)  # a case of the reviewer's halls (404 otherwise, as unknown)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        confirmation = CaseConfirmation.objects.filter(case=case).first()
        if confirmation is None or not confirmation.by_staff:
            raise Conflict(
                Code.NOT_A_STAFF_CLOSURE,
                f"工单 {case.number} 不是工作人员代客户确认关闭的，无需质检",
                f"Case {case.number} was not closed by staff on the customer's behalf",
                field="case",
            )
        now = _now()
        taken = CaseConfirmation.objects.filter(
            pk=confirmation.pk, review=ReviewState.PENDING
        ).update(review=verdict, reviewed_by=user, reviewed_at=now, review_note=note)
        if not taken:
            raise Conflict(
                Code.ALREADY_REVIEWED,
                f"工单 {case.number} 的代客确认已质检过",
                f"The closure of case {case.number} has already been reviewed",
                field="case",
            )
        record_event(case, "closure_reviewed", user, note=note, verdict=verdict)
    confirmation.refresh_from_db()
    return confirmation


def customer_disputes_closure(case_id, *, note: str = "") -> CaseConfirmation | None:
    """The customer answered the survey text "not solved" after staff had closed the case on
    their behalf (C5): the closure is flagged, back in quality's queue if it had been passed,
    with an event. A case the customer closed, or one not closed, is left alone."""
    with write_transaction():
        case = get_case(case_id, for_update=True)
        confirmation = CaseConfirmation.objects.filter(case=case, by_staff=True).first()
        if confirmation is None or confirmation.disputed_at is not None:
            return confirmation
        confirmation.disputed_at = _now()
        if confirmation.review == ReviewState.OK:
            confirmation.review = ReviewState.PENDING
        confirmation.save(update_fields=["disputed_at", "review"])
        record_event(case, "closure_disputed", None, note=note or "客户回访表示问题未解决")
    return confirmation
