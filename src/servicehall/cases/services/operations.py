"""The common operations on any open case: `comment`, `transfer` (C8), `escalate` (C7),
`promise` (C4), `update`; `contact_number`, the number to text about a case; `reveal_text`,
the audited unmasked view of the numbers typed into a case (V2)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, require_perm
from servicehall.core.sms import queue_sms
from servicehall.customers.services import authorize_reveal

from .. import sla
from ..errors import Code
from ..models import Area, Case, CaseEvent, Priority
from ..selectors import get_case, get_visible
from ..workflows import MAX_LEVEL, workflow_of
from .common import (
    _bad,
    _check_handler,
    _check_version,
    _choice,
    _future_time,
    _now,
    _require_handle,
    _tell,
    check_open,
    check_texts,
    desk_people,
    record_event,
)
from .engine import _raise_level, _respond
from .intake import _category, _desk, _text


def _for_edit(user, case_id, version) -> Case:
    _require_handle(user)
    case = get_case(case_id, for_update=True)
    _check_handler(user, case)
    check_open(case)
    _check_version(case, version)
    return case


def comment(user, case_id, *, note: str) -> CaseEvent:
    """A note on the timeline. Notes only add, so they need no version: nothing can be lost."""
    _require_handle(user)
    note = _text(note, "note")
    check_texts(note=note)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        if case.first_responded_at is None:
            _respond(case, user, _now(), {})
            case.save(update_fields=["first_responded_at", "first_response_watch", "updated_at"])
        return record_event(case, "commented", user, note=note)


def transfer(user, case_id, *, version, desk: str, summary: str, handler: str | None = None):
    """Hand the case to another desk (C8) with a summary, so the customer never repeats the
    story. The owner stays accountable (C4)."""
    _require_handle(user)
    summary = _text(summary, "summary")
    the_desk = _desk(desk, user)
    new_handler = None
    if handler:
        new_handler = get_user_model().objects.filter(username=handler, is_active=True).first()
        if new_handler is None or not the_desk.members.filter(pk=new_handler.pk).exists():
            raise _bad(
                Code.UNKNOWN_HANDLER,
                f"{handler} 不是{the_desk.name_zh}的成员",
                f"{handler} is not a member of {the_desk.name_en}",
                "handler",
            )
    with write_transaction():
        case = _for_edit(user, case_id, version)
        before = case.desk.code if case.desk_id else None
        case.desk, case.handler = the_desk, new_handler
        case.version += 1
        case.save()
        record_event(
            case,
            "transferred",
            user,
            note=summary,
            from_desk=before,
            to_desk=the_desk.code,
            handler=handler,
        )
        _tell(desk_people(the_desk), {"type": "case", "case_id": case.pk, "number": case.number})
    return case


def escalate(user, case_id, *, version, reason: str) -> Case:
    """Escalate one level by hand (C7): beyond the handler's authority, or on the customer's
    insistence."""
    _require_handle(user)
    reason = _text(reason, "reason")
    with write_transaction():
        case = _for_edit(user, case_id, version)
        if case.escalation_level >= MAX_LEVEL:
            raise Conflict(
                Code.TOP_LEVEL,
                "工单已升级到最高级别",
                "The case is already at the top escalation level",
                field="case",
            )
        _raise_level(case, user, _now(), reason, "manual")
        case.version += 1
        case.save()
        wf = workflow_of(case.kind)
        phone = contact_number(case)
        if wf.escalation_notice and phone:  # C9: tell the proposer it went up
            queue_sms(phone, wf.escalation_notice.format(number=case.number), "escalation")
            record_event(case, "customer_told", user, note=wf.escalation_notice)
    return case


def contact_number(case: Case) -> str | None:
    """The number to text about a case: the one given at intake, else the customer's primary."""
    if case.contact_phone:
        return case.contact_phone
    if case.customer_id:
        phone = case.customer.phones.order_by("-is_primary", "pk").first()
        return phone.number if phone else None
    return None


def promise(user, case_id, *, version, promised_at) -> Case:
    """Record the reply time told to the customer (C4)."""
    _require_handle(user)
    at = _future_time(promised_at)
    with write_transaction():
        case = _for_edit(user, case_id, version)
        case.promised_at = at
        case.version += 1
        case.save()
        record_event(case, "promised", user, promised_at=at.isoformat())
    return case


def update(user, case_id, *, version, **fields) -> Case:
    """Edit the subject, description, priority, category or area; deadlines follow."""
    _require_handle(user)
    allowed = {"subject", "description", "priority", "category", "area"}
    unknown = set(fields) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise _bad(Code.UNKNOWN_FIELD, f"不能修改 {name}", f"{name} cannot be changed", name)
    with write_transaction():
        case = _for_edit(user, case_id, version)
        changed = {}
        if "subject" in fields:
            case.subject = changed["subject"] = _text(fields["subject"], "subject", limit=120)
        if "description" in fields:
            case.description = _text(fields["description"], "description")
            changed["description"] = True
        if "priority" in fields:
            case.priority = changed["priority"] = _choice(fields["priority"], Priority, "priority")
        if "area" in fields:
            case.area = changed["area"] = _choice(fields["area"], Area, "area")
        if "category" in fields:
            case.category = _category(fields["category"])
            changed["category"] = case.category.code
        if {"priority", "area", "category"} & changed.keys() and case.resolved_at is None:
            sla.start_clock(case, case.created_at, first_response=False)
        case.version += 1
        case.save()
        record_event(case, "updated", user, **changed)
    return case


def reveal_text(user, case_id, *, reason: str, ip=None) -> Case:
    """The phone and ID numbers typed into a case's texts and chat, unmasked (V2): a case the
    user may see (else 404), then the one reveal check of customers.services — the role's
    permission, a reason, the per-person limit — and the same audit row as a customer's reveal.
    The caller renders selectors.detail(case, user, unmasked=True) once; nothing is kept."""
    require_perm(
        user, "customers.view_unmasked_pii", "查看未脱敏的客户信息", "view unmasked personal data"
    )
    case = get_visible(user, case_id)
    authorize_reveal(
        user, "case", case.number, ["subject", "description", "notes", "chat"], reason, ip=ip
    )
    return case
