"""The engine: a workflow transition (workflows.py) on a case, with its effect.

`act` refuses an action the case's state does not allow with 409 and the actions that are
allowed, a stale `version` with 409 and the current version, a missing required field with 422
naming it. `customer_answer`: the customer confirms or disputes the result (C5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError, require_perm
from servicehall.knowledge.models import Conversation

from .. import sla
from ..models import Area, Case, ConfirmationMethod
from ..selectors import get_case
from ..workflows import ESCALATION_LEVELS, MAX_LEVEL, Transition, workflow_of
from .closure import clean_confirmation, record_confirmation
from .common import (
    _check_handler,
    _check_version,
    _choice,
    _future_time,
    _now,
    _refuse,
    _require_handle,
    check_texts,
    record_event,
)
from .intake import _category, _desk, _text, open_case

# Sent after a case is resolved (on commit): the surveys app sends the survey link.
case_resolved = Signal()


Effect = Callable[[Case, Any, datetime, dict], "Case | None"]
EFFECTS: dict[str, Effect] = {}
# A transition's own check of its payload (Transition.check), run after the state and version
# checks: the clean payload, and a refusal to raise after committing what the check counted.
Check = Callable[[Case, Any, dict], "tuple[dict, ServiceError | None]"]
CHECKS: dict[str, Check] = {"confirmation": clean_confirmation}


def effect(name: str):
    def register(fn: Effect) -> Effect:
        EFFECTS[name] = fn
        return fn

    return register


@effect("respond")
def _respond(case: Case, actor, now: datetime, payload: dict) -> None:
    if case.first_responded_at is None:
        case.first_responded_at = now
        case.first_response_watch = None
    if payload.get("promised_at"):
        case.promised_at = payload["promised_at"]


@effect("resolve")
def _resolve(case: Case, actor, now: datetime, payload: dict) -> None:
    _respond(case, actor, now, {})
    case.resolution = payload["resolution"]
    case.resolved_at = now
    if case.due_at and now > case.due_at:
        case.breached = True
    confirm_within = case.sla_policy.confirm_within if case.sla_policy else None
    case.confirm_due = now + confirm_within if confirm_within else None
    sla.stop_clock(case)


@effect("close")
def _close(case: Case, actor, now: datetime, payload: dict) -> None:
    _respond(case, actor, now, {})
    if payload.get("resolution"):
        case.resolution = payload["resolution"]
    if payload.get("method"):  # the customer's confirmation (C5), how it was given
        record_confirmation(case, actor, now, payload)
        case.confirmed_at = now
    if case.due_at and now > case.due_at:
        case.breached = True
    case.closed_at = now
    case.confirm_due = None
    sla.stop_clock(case)


@effect("reopen")
def _reopen(case: Case, actor, now: datetime, payload: dict) -> None:
    """A dispute (C5) reopens the case with a fresh deadline and escalates it (C7)."""
    case.resolved_at = case.confirm_due = None
    sla.start_clock(case, now, first_response=False)
    _raise_level(case, actor, now, f"客户有异议：{payload['reason']}", "dispute")


@effect("return_visit")
def _return_visit(case: Case, actor, now: datetime, payload: dict) -> None:
    case.confirm_due = None


@effect("convert")
def _convert(case: Case, actor, now: datetime, payload: dict) -> Case:
    """A consultation that cannot be answered at once becomes a work order (C4), owned by the
    same person, carrying the summary (C8)."""
    case.closed_at = now
    sla.stop_clock(case)
    child = open_case(
        actor,
        kind="work_order",
        channel=case.channel,
        category=payload.get("category") or case.category.code,
        description=f"{case.description}\n\n【转工单摘要】{payload['summary']}",
        subject=case.subject,
        customer_id=case.customer_id,
        phone=case.contact_phone or None,
        # who the customer is was settled at intake (staff, or a texted code): the number is
        # only a contact here, or a number typed in a chat would identify its owner
        phone_identifies=False,
        hall=case.hall.code if case.hall_id else None,
        priority=case.priority,
        area=payload.get("area") or case.area,
        desk=payload.get("desk") or None,
        promised_at=payload.get("promised_at"),
        parent=case,
        data={"conversation": token} if (token := (case.data or {}).get("conversation")) else None,
    )
    if token:  # a chat handed over goes on with the work order: its handler answers there
        Conversation.objects.filter(token=token).update(case_number=child.number)
    if case.ticket_id:
        Case.objects.filter(pk=child.pk).update(ticket_id=case.ticket_id)
        child.ticket_id = case.ticket_id
    return child


def _raise_level(case: Case, actor, now: datetime, reason: str, why: str) -> None:
    if case.escalation_level >= MAX_LEVEL:
        return
    case.escalation_level += 1
    zh, en = ESCALATION_LEVELS[case.escalation_level]
    record_event(
        case,
        "escalated",
        actor,
        note=reason,
        level=case.escalation_level,
        to_zh=zh,
        to_en=en,
        why=why,
    )


def _clean_payload(t: Transition, payload: dict, actor) -> dict:
    """The action's required fields (422 naming a missing one) and the optional ones some
    effects read (a promise, the desk and category of a follow-up case), validated."""
    checked = t.check is not None  # the check cleans the transition's own fields
    clean = {
        name: _text(payload.get(name), name)
        for name in t.requires
        if name != "promised_at" and not checked
    }
    if "promised_at" in t.requires or payload.get("promised_at"):
        clean["promised_at"] = _future_time(payload.get("promised_at"))
    for name in ("desk", "category", "area", "note"):
        if payload.get(name) and not (checked and name in t.requires):
            clean[name] = _text(payload[name], name, limit=200)
    if "desk" in clean:
        _desk(clean["desk"], actor)
    if "category" in clean:
        _category(clean["category"])
    if "area" in clean:
        _choice(clean["area"], Area, "area")
    return clean


def _apply(case: Case, t: Transition, actor, payload: dict) -> Case | None:
    now = _now()
    before = case.status
    result = EFFECTS[t.effect](case, actor, now, payload) if t.effect else None
    case.status = t.target
    case.version += 1
    case.save()
    texts = ("resolution", "reason", "summary", "note")  # the event's note; the rest its data
    note = next((payload[k] for k in texts if payload.get(k)), "")
    data = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in payload.items()
        if k not in texts and k != "code_id"
    }
    if isinstance(result, Case):
        data["follow_up"] = result.number
    record_event(case, t.action, actor, from_status=before, note=note, **data)
    if t.effect == "resolve":
        pk = case.pk
        transaction.on_commit(lambda: case_resolved.send(sender=Case, case_id=pk))
    return result


def resolve_together(case: Case, actor, resolution: str, **data) -> bool:
    """A case settled by something larger than itself — the incident it follows is fixed (E1) —
    without its own workflow's stages: a type with the closed loop goes to "resolved" (the
    customer still confirms, C5: the survey follows), one without it (a consultation) is
    answered and closed. Called inside the caller's `write_transaction` with the case locked
    (`select_for_update`). False, and nothing written, for a case already resolved or closed,
    or of a type neither way fits (an appeal answers to its appeal centre)."""
    wf = workflow_of(case.kind)
    if case.closed_at or case.resolved_at or case.status in wf.closed:
        return False
    now = _now()
    before = case.status
    if "resolved" in wf.states:
        _resolve(case, actor, now, {"resolution": resolution})
        case.status = "resolved"
    else:
        t = next((t for t in wf.allowed(case.status) if t.effect == "close"), None)
        if t is None:
            return False
        _close(case, actor, now, {"resolution": resolution})
        case.status = t.target
    case.version += 1
    case.save()
    record_event(case, "resolved_together", actor, from_status=before, note=resolution, **data)
    if case.status == "resolved":
        pk = case.pk
        transaction.on_commit(lambda: case_resolved.send(sender=Case, case_id=pk))
    return True


def act(user, case_id, action: str, *, version, **payload) -> tuple[Case, Case | None]:
    """Take a workflow action on a case. Returns the case and, for `convert`, the new case."""
    _require_handle(user)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        _check_version(case, version)  # a stale view first: the state it saw has changed
        wf = workflow_of(case.kind)
        t = wf.transition(case.status, action)
        if t is None or t.system:
            raise _refuse(case, wf, action)
        require_perm(user, t.perm, t.label_zh, t.label_en)
        check_texts(**payload)  # what the action's texts say (TEXT_CHECKS), before any write
        clean = _clean_payload(t, payload, user)
        refusal = None
        if t.check:
            checked, refusal = CHECKS[t.check](case, user, payload)
            clean |= checked
        if refusal is None:
            follow_up = _apply(case, t, user, clean)
    if refusal is not None:  # e.g. a wrong code: the try is counted, nothing else written
        raise refusal
    return case, follow_up


def customer_answer(case_id, *, satisfied: bool, note: str = "", via: str = "survey") -> Case:
    """The customer's own answer to "is it solved?" (C5): closes the case, or reopens it."""
    with write_transaction():
        case = get_case(case_id, for_update=True)
        wf = workflow_of(case.kind)
        action = "close" if satisfied else "dispute"
        t = wf.transition(case.status, action)
        if t is None:
            raise _refuse(case, wf, action)
        payload = (
            {"method": ConfirmationMethod.CUSTOMER_REPLY, "note": f"客户通过{via}确认已解决"}
            if satisfied
            else {"reason": note.strip() or "客户表示问题未解决"}
        )
        _apply(case, t, None, payload)
    return case
