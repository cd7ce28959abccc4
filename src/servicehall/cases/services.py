"""Every operation that changes a case (docs/ARCHITECTURE.md: one function per use case, in a transaction,
permission checked at entry, events recorded).

- `open_case`: intake from the workbench, the hotline desk or the API (C1–C4).
- `act`: a workflow transition (workflows.py) — the engine. It refuses an action the case's
  state does not allow with 409 and the actions that are allowed, a stale `version` with 409
  and the current version (two staff editing one case: the second write is refused, nothing is
  lost), a missing required field with 422 naming it.
- Common operations on any open case: `comment`, `transfer` (C8), `escalate` (C7), `promise`
  (C4), `update`.
- `customer_answer`: the customer confirms or disputes the result (C5, from the survey page).
- `sweep`: the periodic SLA sweep (C7): warnings, missed first responses, escalations level by
  level, return visits when the confirmation does not come. Idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import (
    Conflict,
    NotFound,
    ServiceError,
    invalid_transition,
    require_perm,
)
from servicehall.core.events import publish_on_commit
from servicehall.core.sms import queue_sms
from servicehall.customers.models import Customer
from servicehall.customers.services import find_by_phone, normalize_phone
from servicehall.knowledge import chat
from servicehall.knowledge.models import Conversation, Message
from servicehall.org.models import BusinessCategory, Desk, Hall
from servicehall.queueing.models import Ticket

from . import sla
from .models import Area, Case, CaseEvent, CaseSequence, Channel, Priority
from .selectors import case_conversation, chat_assignee, get_case, holds_chat, may_handle
from .workflows import ESCALATION_LEVELS, MAX_LEVEL, WORKFLOWS, Transition, Workflow, workflow_of

# Sent after a case is resolved (on commit): the surveys app sends the survey link.
case_resolved = Signal()

MAX_TEXT = 4000
# C3: an account action needs the customer identified first. These top-level categories (and
# everything under them) are account actions, for the case types that act on accounts.
ACCOUNT_CATEGORIES = ("basic", "billing")


def _now() -> datetime:
    return timezone.now()


def _bad(code: str, zh: str, en: str, field: str, status: int = 422) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=status)


def record_event(case: Case, kind: str, actor, *, from_status: str = "", note: str = "", **data):
    return CaseEvent.objects.create(
        case=case,
        at=_now(),
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=case.status,
        note=note[:MAX_TEXT],
        data=data,
    )


def _require_handle(user) -> None:
    require_perm(user, "cases.handle_case", "处理工单", "work on cases")


def _check_handler(user, case: Case) -> None:
    """A case that is neither the user's nor their desk's answers as if it did not exist."""
    if not may_handle(user, case):
        raise NotFound(
            "unknown_case",
            f"工单 {case.pk} 不存在或不属于您的班组",
            f"Case {case.pk} does not exist or is not your desk's",
            field="case",
        )


def _check_version(case: Case, version) -> None:
    if version is None or str(version) != str(case.version):
        raise Conflict(
            "stale_version",
            f"工单 {case.number} 已被他人修改（当前版本 {case.version}），请刷新后再操作",
            f"Case {case.number} was changed by someone else (now version {case.version}); "
            "reload and try again",
            field="version",
            extra={"current_version": case.version},
        )


def _check_open(case: Case) -> None:
    if case.is_closed:
        raise Conflict(
            "case_closed",
            f"工单 {case.number} 已关闭",
            f"Case {case.number} is closed",
            field="case",
            extra={"allowed": []},
        )


# What each free-text field is called where a user reads an error about it.
FIELD_LABELS = {
    "description": ("问题描述", "the description"),
    "subject": ("主题", "the subject"),
    "resolution": ("处理结果", "the resolution"),
    "confirmation": ("客户确认方式", "how the customer confirmed"),
    "reason": ("原因", "the reason"),
    "summary": ("摘要", "the summary"),
    "note": ("备注", "the note"),
    "text": ("回复内容", "the reply"),
    "desk": ("班组", "the desk"),
    "category": ("业务分类", "the category"),
    "area": ("区域", "the area"),
}


def _text(value, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    zh, en = FIELD_LABELS.get(field, (field, field))
    return validate.text(value, field, zh, en, limit=limit, required=required)


def _future_time(value, field: str = "promised_at") -> datetime:
    at = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
    if at is None:
        raise _bad(
            "invalid_time",
            "时间格式不正确，例：2026-11-24T16:00:00+08:00",
            "Malformed time; e.g. 2026-11-24T16:00:00+08:00",
            field,
        )
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_current_timezone())
    if at <= _now():
        raise _bad(
            "time_in_past",
            "承诺时间不能早于现在",
            "The promised time must be in the future",
            field,
        )
    return at


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise _bad(
            "invalid_choice",
            f"{field} 取值无效：{value}（可选：{'、'.join(choices.values)}）",
            f"Invalid {field} {value!r}; one of {', '.join(choices.values)}",
            field,
        )
    return value


def _category(code: str) -> BusinessCategory:
    cat = BusinessCategory.objects.filter(code=code, is_active=True).first()
    if cat is None:
        raise _bad(
            "unknown_category",
            f"未知的业务分类：{code}",
            f"Unknown category {code!r}",
            "category",
        )
    return cat


def _desk(code: str) -> Desk:
    desk = Desk.objects.filter(code=code, is_active=True).first()
    if desk is None:
        raise _bad("unknown_desk", f"未知的班组：{code}", f"Unknown desk {code!r}", "desk")
    return desk


def _next_number(prefix: str, now: datetime) -> str:
    day = timezone.localtime(now).date()
    seq, _ = CaseSequence.objects.get_or_create(prefix=prefix, day=day)
    CaseSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return f"{prefix}{day:%Y%m%d}{seq.last:04d}"


def _is_account_action(cat: BusinessCategory) -> bool:
    top = cat.parent.code if cat.parent_id else cat.code
    return top in ACCOUNT_CATEGORIES


def open_case(
    user,
    *,
    kind: str,
    channel: str,
    category: str,
    description: str,
    subject: str = "",
    phone: str | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    hall: str | None = None,
    priority: str = Priority.NORMAL,
    area: str = Area.TOWN,
    desk: str | None = None,
    promised_at=None,
    data: dict | None = None,
    parent: Case | None = None,
    phone_identifies: bool = True,
) -> Case:
    """Intake (C1–C4). The staff member who receives it owns it until it is closed.
    `phone_identifies`: the number is the customer's as staff checked it (or a texted code
    proved); False where anyone could have typed it (a chat): then it is only a contact."""
    require_perm(user, "cases.open_case", "登记工单", "open cases")
    wf = workflow_of(kind)
    _choice(channel, Channel, "channel")
    _choice(priority, Priority, "priority")
    _choice(area, Area, "area")
    cat = _category(category)
    description = _text(description, "description")
    subject = _text(subject, "subject", required=False, limit=120) or description[:60]
    contact = normalize_phone(phone) if phone else ""
    customer = None
    if customer_id is not None:
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            raise _bad(
                "unknown_customer",
                f"客户 {customer_id} 不存在",
                f"Unknown customer {customer_id}",
                "customer_id",
                404,
            )
    elif contact and phone_identifies:
        customer = find_by_phone(contact)
    the_hall = None
    ticket = None
    if ticket_id is not None:
        ticket = Ticket.objects.select_related("hall").filter(pk=ticket_id).first()
        if ticket is None or ticket.served_by_id != user.pk:
            raise _bad(
                "unknown_ticket",
                f"号码 {ticket_id} 不是您正在办理的号",
                f"Ticket {ticket_id} is not one you are serving",
                "ticket_id",
            )
        the_hall = ticket.hall
        customer = customer or ticket.customer
    if customer is None and wf.acts_on_account and _is_account_action(cat):
        raise _bad(
            "customer_not_identified",
            f"“{cat.name_zh}”涉及账户操作，须先识别客户身份（C3）：请填写客户的手机号码",
            f"“{cat.name_en}” is an account action: identify the customer first (C3) "
            "by their phone number",
            "phone",
        )
    if hall and the_hall is None:
        the_hall = Hall.objects.filter(code=hall).first()
        if the_hall is None:
            raise _bad("unknown_hall", f"未知的营业厅：{hall}", f"Unknown hall {hall!r}", "hall")
    if the_hall is None and hasattr(user, "staff"):
        the_hall = user.staff.hall
    the_desk = _desk(desk) if desk else None
    promise = _future_time(promised_at) if promised_at else None
    now = _now()
    with write_transaction():
        case = Case(
            kind=kind,
            status=wf.initial,
            channel=channel,
            priority=priority,
            area=area,
            category=cat,
            subject=subject,
            description=description,
            customer=customer,
            contact_phone=contact,
            hall=the_hall,
            ticket=ticket,
            parent=parent,
            owner=user,
            handler=user,
            desk=the_desk,
            promised_at=promise,
            data=data or {},
            created_at=now,
        )
        if user.has_perm("cases.handle_case"):
            # Staff took it in person, on the phone or in chat: that is the first response.
            case.first_responded_at = now
        sla.start_clock(case, now)
        case.number = _next_number(wf.prefix, now)
        case.save()
        record_event(
            case,
            "opened",
            user,
            channel=channel,
            category=cat.code,
            due_at=case.due_at.isoformat() if case.due_at else None,
            parent=parent.number if parent else None,
        )
        if promise:
            record_event(case, "promised", user, promised_at=promise.isoformat())
        # the desk's lists show it at once
        _tell(desk_people(the_desk), {"type": "case", "case_id": case.pk, "number": case.number})
    return case


# --- the engine -------------------------------------------------------------------------------

Effect = Callable[[Case, Any, datetime, dict], "Case | None"]
EFFECTS: dict[str, Effect] = {}


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
    if payload.get("confirmation"):
        case.confirmed_at = now
        case.data = {**case.data, "confirmation": payload["confirmation"]}
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


def _clean_payload(t: Transition, payload: dict) -> dict:
    """The action's required fields (422 naming a missing one) and the optional ones some
    effects read (a promise, the desk and category of a follow-up case), validated."""
    clean = {name: _text(payload.get(name), name) for name in t.requires if name != "promised_at"}
    if "promised_at" in t.requires or payload.get("promised_at"):
        clean["promised_at"] = _future_time(payload.get("promised_at"))
    for name in ("desk", "category", "area", "note"):
        if payload.get(name):
            clean[name] = _text(payload[name], name, limit=200)
    if "desk" in clean:
        _desk(clean["desk"])
    if "category" in clean:
        _category(clean["category"])
    if "area" in clean:
        _choice(clean["area"], Area, "area")
    return clean


def _refuse(case: Case, wf: Workflow, action: str) -> Conflict:
    allowed = [(t.action, t.label_zh, t.label_en) for t in wf.allowed(case.status)]
    return invalid_transition(
        f"工单 {case.number} 当前为“{wf.state_label(case.status)}”，不能执行“{action}”；"
        f"可执行：{'、'.join(z for _a, z, _e in allowed) or '无'}",
        f"Case {case.number} is {wf.state_label(case.status, 'en')}: {action!r} is not allowed; "
        f"allowed: {', '.join(e for _a, _z, e in allowed) or 'none'}",
        field="action",
        status=case.status,
        allowed=allowed,
    )


def _apply(case: Case, t: Transition, actor, payload: dict) -> Case | None:
    now = _now()
    before = case.status
    result = EFFECTS[t.effect](case, actor, now, payload) if t.effect else None
    case.status = t.target
    case.version += 1
    case.save()
    texts = ("resolution", "reason", "summary")  # the event's note; the rest its data
    note = next((payload[k] for k in texts if payload.get(k)), "")
    data = {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in payload.items()
        if k not in texts
    }
    if isinstance(result, Case):
        data["follow_up"] = result.number
    record_event(case, t.action, actor, from_status=before, note=note, **data)
    if t.effect == "resolve":
        pk = case.pk
        transaction.on_commit(lambda: case_resolved.send(sender=Case, case_id=pk))
    return result


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
        clean = _clean_payload(t, payload)
        follow_up = _apply(case, t, user, clean)
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
            {"confirmation": f"客户通过{via}确认已解决"}
            if satisfied
            else {"reason": note.strip() or "客户表示问题未解决"}
        )
        _apply(case, t, None, payload)
    return case


# --- common operations on any open case ----------------------------------------------------


def _for_edit(user, case_id, version) -> Case:
    _require_handle(user)
    case = get_case(case_id, for_update=True)
    _check_handler(user, case)
    _check_open(case)
    _check_version(case, version)
    return case


def comment(user, case_id, *, note: str) -> CaseEvent:
    """A note on the timeline. Notes only add, so they need no version: nothing can be lost."""
    _require_handle(user)
    note = _text(note, "note")
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
    the_desk = _desk(desk)
    new_handler = None
    if handler:
        new_handler = get_user_model().objects.filter(username=handler, is_active=True).first()
        if new_handler is None or not the_desk.members.filter(pk=new_handler.pk).exists():
            raise _bad(
                "unknown_handler",
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
                "top_level",
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
        raise _bad("unknown_field", f"不能修改 {name}", f"{name} cannot be changed", name)
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


# --- the SLA sweep -------------------------------------------------------------------------

SWEEP_BATCH = 2000


def _due(qs, now: datetime, field: str):
    """Up to a batch of due rows, locked for this sweep (another sweep skips them)."""
    qs = qs.filter(**{f"{field}__lte": now}).order_by(field)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("id", "status", "kind", "escalation_level")[:SWEEP_BATCH])


def _events(rows, kind: str, now: datetime, **data) -> None:
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case_id=pk, at=now, kind=kind, from_status=st, to_status=st, data=data)
            for pk, st, _kind, _level in rows
        ]
    )


def _drain(qs, now: datetime, field: str, step) -> int:
    """Run `step(rows)` over every batch of rows whose `field` time has come; each batch in its
    own write transaction. `step` clears or advances `field`, so the loop ends."""
    done = 0
    while True:
        with write_transaction():
            rows = _due(qs, now, field)
            if not rows:
                return done
            done += step(rows)


def sweep(now: datetime | None = None) -> dict:
    """One pass of the SLA sweep (C7). Each step reads only rows whose watch time has come and
    clears or advances that time as it records the event, so running it twice, or late,
    changes nothing more than running it once on time."""
    now = now or _now()
    open_cases = Case.objects.filter(closed_at__isnull=True)

    def ids(rows) -> list[int]:
        return [r[0] for r in rows]

    def warn(rows) -> int:  # the owner, before the deadline
        Case.objects.filter(pk__in=ids(rows)).update(warn_at=None)
        _events(rows, "sla_warning", now)
        return len(rows)

    def first_response_missed(rows) -> int:
        Case.objects.filter(pk__in=ids(rows)).update(
            first_response_watch=None, first_response_missed=True
        )
        _events(rows, "first_response_missed", now)
        return len(rows)

    def escalate_overdue(rows) -> int:  # one level up per `escalate_every` past the deadline
        by_level: dict[int, list] = {}
        for r in rows:  # a row with a next escalation is below the top level
            by_level.setdefault(r[3] + 1, []).append(r)
        for level, batch in by_level.items():
            Case.objects.filter(pk__in=ids(batch)).update(
                escalation_level=level,
                breached=True,
                next_escalation_at=None
                if level == MAX_LEVEL
                else F("next_escalation_at") + F("escalate_every"),
            )
            zh, en = ESCALATION_LEVELS[level]
            _events(batch, "escalated", now, level=level, to_zh=zh, to_en=en, why="overdue")
        return len(rows)

    def return_visit(rows) -> int:  # the customer did not confirm in time (C5)
        changed = []
        for pk, status, kind, _level in rows:
            wf = WORKFLOWS.get(kind)
            t = wf.transition(status, "start_return_visit") if wf else None
            if t is None:  # this type has no return visit: stop watching
                Case.objects.filter(pk=pk).update(confirm_due=None)
                continue
            Case.objects.filter(pk=pk).update(
                confirm_due=None, status=t.target, version=F("version") + 1
            )
            changed.append(
                CaseEvent(
                    case_id=pk,
                    at=now,
                    kind="start_return_visit",
                    from_status=status,
                    to_status=t.target,
                )
            )
        CaseEvent.objects.bulk_create(changed)
        return len(changed)

    return {
        "warnings": _drain(open_cases, now, "warn_at", warn),
        "first_response_missed": _drain(
            open_cases, now, "first_response_watch", first_response_missed
        ),
        "escalations": _drain(open_cases, now, "next_escalation_at", escalate_overdue),
        "return_visits": _drain(
            open_cases.filter(resolved_at__isnull=False), now, "confirm_due", return_visit
        ),
    }


def open_from_chat(token: str, *, phone: str | None = None) -> Case:
    """The assistant hands a chat over to a person (K2, C8): a consultation case for the chat
    desk with the whole conversation attached, opened in the name of the online channel account.
    Asking twice gives the same case while a person is on it; once that case is resolved, asking
    again opens a new one."""
    conversation = chat.get(token)
    taken = chat_case(conversation)
    if taken is not None:
        return taken
    channel_user = get_user_model().objects.filter(username=settings.CHAT_CHANNEL_USER).first()
    if channel_user is None:
        raise ServiceError(
            "chat_not_configured",
            "人工客服暂不可用（未配置在线渠道账号），请拨打10086",
            "No person is available: the online channel account is not configured",
            field="token",
            status=503,
        )
    verified = conversation.phone or ""
    callback = normalize_phone(phone) if phone else verified or None
    product = chat.last_product(conversation)
    problem = chat.customer_problem(conversation)
    transcript = chat.transcript(conversation) or "（客户未留言，直接请求人工）"
    if len(transcript) > MAX_TEXT - 100:  # the latest messages matter most
        transcript = "……\n" + transcript[-(MAX_TEXT - 100) :]
    with write_transaction():
        locked = type(conversation).objects.select_for_update().get(pk=conversation.pk)
        taken = chat_case(locked)
        if taken is not None:
            return taken
        case = open_case(
            channel_user,
            kind="consultation",
            channel={"app": Channel.APP, "sms": Channel.SMS}.get(conversation.channel, Channel.WEB),
            category="order-change" if product else "other",
            # what the person taking it over reads first: the customer's words
            subject=problem or (f"在线咨询：{product}" if product else "在线咨询转人工"),
            description=f"{chat.TRANSCRIPT_HEADER}\n{transcript}",
            phone=callback,
            # only a number the customer proved theirs (a texted code, V2) says who they are
            phone_identifies=bool(verified) and callback == verified,
            desk=settings.CHAT_DESK,
            data={"conversation": conversation.token},
        )
        _assign_chat(case)
        locked.case_number = case.number
        locked.handed_over_at = case.created_at
        locked.save(update_fields=["case_number", "handed_over_at"])
    return case


def staff_channel(user_id: int) -> str:
    """The event channel of one staff member: every staff page they have open listens to it
    (the hand-over notice, their desks' lists)."""
    return f"staff.{user_id}"


def _tell(user_ids, event: dict) -> None:
    for uid in set(user_ids):
        publish_on_commit(staff_channel(uid), event)


def desk_people(desk: Desk | None) -> set[int]:
    if desk is None:
        return set()
    ids = set(desk.members.values_list("id", flat=True))
    return ids | {desk.lead_id} if desk.lead_id else ids


def _assign_chat(case: Case) -> None:
    """A chat handed over goes to a person at once (C8): the desk's member with the fewest open
    chats (selectors.chat_assignee) owns and handles it, not the channel account; they get the
    live notice on every staff page they have open. With nobody on the desk it waits in the
    desk's queue and every desk member is told."""
    person = chat_assignee(case.desk)
    if person is not None:
        Case.objects.filter(pk=case.pk).update(owner=person, handler=person)
        case.owner = case.handler = person
        record_event(
            case,
            "assigned",
            None,
            to=getattr(getattr(person, "staff", None), "full_name", person.username),
            rule="fewest_open_chats",
        )
    _tell(
        [person.pk] if person is not None else desk_people(case.desk),
        {
            "type": "handover",
            "case_id": case.pk,
            "number": case.number,
            "subject": case.subject,
            "assigned": person is not None,
        },
    )


def chat_case(conversation, *, for_update: bool = False) -> Case | None:
    """The case a chat was handed over to, while a person is on it (not yet resolved): the
    customer's messages then go to that person instead of the assistant. `for_update` locks
    the case row (inside a transaction), so it cannot be resolved while a message lands."""
    if not conversation.case_number:
        return None
    cases = Case.objects.select_for_update() if for_update else Case.objects
    case = cases.filter(number=conversation.case_number).first()
    return case if case is not None and holds_chat(case, conversation) else None


def channel_name(case_id: int) -> str:
    """The event channel of one case: its open page learns there that the chat moved on."""
    return f"case.{case_id}"


def note_chat_message(case: Case, text: str) -> CaseEvent:
    """What the customer wrote in the chat after the hand-over, on the case's timeline (and at
    once on the case page of whoever has it open)."""
    event = record_event(case, "chat_message", None, note=text)
    publish_on_commit(channel_name(case.pk), {"type": "chat", "sender": "customer"})
    return event


def reply_in_chat(user, case_id, *, text: str) -> CaseEvent:
    """The person who took a chat over answers the customer in it (C8): the reply shows on the
    customer's chat page (and through the chat API) and on the case timeline, and counts as the
    first response."""
    _require_handle(user)
    text = _text(text, "text", limit=chat.MAX_TEXT)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        _check_open(case)
        conversation = case_conversation(case)
        if conversation is None:
            raise _bad(
                "not_a_chat",
                "该工单不是由在线对话转来的，无法在对话中回复客户",
                "This case did not come from a chat: there is no chat to reply in",
                "text",
                409,
            )
        if not holds_chat(case, conversation):
            # answered (the assistant has the chat back) or moved on to a newer case: the
            # customer would not see this reply where they are talking now
            raise _bad(
                "chat_not_held",
                "该对话已不在本工单（工单已答复，或客户已转到新的服务单），无法在对话中回复",
                "This case no longer has the chat (it was answered, or the customer moved on "
                "to a newer case): a reply here would not reach the customer",
                "text",
                409,
            )
        if case.first_responded_at is None:
            _respond(case, user, _now(), {})
            case.save(update_fields=["first_responded_at", "first_response_watch", "updated_at"])
        Message.objects.create(
            conversation=conversation,
            sender=Message.Sender.AGENT,
            author=user,
            text=text,
            kind="agent",
        )
        chat.notify(conversation, Message.Sender.AGENT)  # the open chat page shows it at once
        publish_on_commit(channel_name(case.pk), {"type": "chat", "sender": "agent"})
        return record_event(case, "chat_reply", user, note=text)
