"""Reading cases: who sees which, the lists the desks work from, the SLA overview, the detail
with its timeline. Customers are shown masked (V2) through customers.services.present."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servicehall.core.errors import NotFound
from servicehall.core.events import bus, staff_channel
from servicehall.core.masking import has_personal_numbers, mask_free_text, mask_phone
from servicehall.core.validate import object_id
from servicehall.customers.services import present
from servicehall.knowledge.models import Conversation
from servicehall.org import regions
from servicehall.org.models import Desk, Hall, staff_name
from servicehall.org.roles import hall_ids_of, in_halls

from .errors import Code
from .models import (
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseConfirmation,
    ConfirmationMethod,
    ReviewState,
)
from .workflows import ESCALATION_LEVELS, WORKFLOWS, workflow_of

PAGE = 50
CASE_NUMBER_RE = re.compile(r"^[A-Za-z]{2}\d{12,18}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def unknown_case(case_id) -> NotFound:
    """The one answer for a case that does not exist — and for one the user may not see or
    work on, which must answer exactly the same (docs/ARCHITECTURE.md, "Who sees which hall")."""
    return NotFound(
        Code.UNKNOWN_CASE, f"工单 {case_id} 不存在", f"Unknown case {case_id}", field="case"
    )


def get_case(case_id, *, for_update: bool = False) -> Case:
    qs = Case.objects.select_related("category", "customer", "desk", "owner", "hall")
    if for_update and connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    pk = object_id(case_id)
    case = qs.filter(pk=pk).first() if pk is not None else None
    if case is None:
        raise unknown_case(case_id)
    return case


def in_my_halls(user, case: Case) -> bool:
    """Whether the case is in one of the user's halls (org.roles.hall_ids_of): it was opened
    there, or it sits at a desk of that hall now. A case with neither (the hotline's, an
    area desk's) is in no hall: only the roles that span halls see it this way."""
    ids = hall_ids_of(user)
    if ids is None:
        return True
    desk_hall = case.desk.hall_id if case.desk_id else None
    return bool({case.hall_id, desk_hall} & ids)


def may_handle(user, case: Case) -> bool:
    """The owner (C4), the current handler, members and the lead of the case's desk — the case
    was given to them, whatever its hall —, and whoever sees every case of the user's halls
    (a hall manager: their own hall's; an area manager, quality: every hall's)."""
    if user.has_perm("cases.view_all_cases") and in_my_halls(user, case):
        return True
    if not user.has_perm("cases.handle_case"):
        return False
    if user.pk in (case.owner_id, case.handler_id):
        return True
    return case.desk_id is not None and (
        case.desk.lead_id == user.pk or case.desk.members.filter(pk=user.pk).exists()
    )


def visible(user) -> QuerySet:
    """The cases a user may see, as `may_handle` decides for one: every case of their halls for
    managers and quality; their own (as owner or handler) and their desks'."""
    qs = Case.objects.all()
    ids = hall_ids_of(user)
    mine = Q(pk__in=())
    if user.has_perm("cases.view_all_cases"):
        if ids is None:
            return qs
        mine = Q(hall__in=ids) | Q(desk__hall__in=ids)
    if user.has_perm("cases.handle_case"):
        mine |= Q(owner=user) | Q(handler=user) | Q(desk__in=desk_ids(user))
    return qs.filter(mine)


def desks_for(user) -> QuerySet:
    """The desks a user may send a case to: the area's (no hall) and their halls' desks."""
    return Desk.objects.filter(
        Q(hall__isnull=True) | Q(hall__in=in_halls(Hall.objects.all(), user, "pk")),
        is_active=True,
    )


def area_desk_member(user) -> bool:
    """Whether the user works on a desk that serves a whole area rather than a hall (the fault
    desk, the hotline): their place is the desk's queue."""
    return Desk.objects.filter(
        Q(members=user) | Q(lead=user), hall__isnull=True, is_active=True
    ).exists()


def desk_ids(user) -> list[int]:
    """The desks a user leads or belongs to, as a list: filtering on literal ids lets the
    database use the open-cases-by-desk index (a subquery made PostgreSQL scan every case)."""
    return list(
        Desk.objects.filter(Q(members=user) | Q(lead=user)).values_list("id", flat=True).distinct()
    )


def get_visible(user, case_id) -> Case:
    """The case, or 404 for a case the user may not see (its existence is not disclosed)."""
    case = get_case(case_id)
    if not may_handle(user, case):
        raise unknown_case(case_id)
    return case


DIGIT_RUN_RE = re.compile(r"\d(?:[\s-]?\d){4}")  # five digits, spaces or dashes between


def search(
    user,
    *,
    scope: str = "mine",
    status: str | None = None,
    kind: str | None = None,
    desk: str | None = None,
    q: str | None = None,
    state: str = "open",
    overdue: bool = False,
    escalated: bool = False,
    now: datetime | None = None,
    offset: int = 0,
    limit: int = PAGE,
) -> list[Case]:
    """scope: mine (I own or handle it), desk (my desks' queues), all (what I may see).
    state: open, closed or any. Open cases come most urgent first (due soonest); closed ones
    most recent first. One page of at most `limit`."""
    now = now or timezone.now()
    qs = visible(user)
    if scope == "mine":
        qs = qs.filter(Q(owner=user) | Q(handler=user))
    elif scope == "desk":
        qs = qs.filter(desk__in=desk_ids(user))
    if desk:
        qs = qs.filter(desk__code=desk)
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue:
        qs = qs.filter(closed_at__isnull=True, resolved_at__isnull=True, due_at__lt=now)
    if escalated:
        qs = qs.filter(escalation_level__gt=0)
    q = (q or "").strip()
    if CASE_NUMBER_RE.match(q):  # a case number: through its unique index
        qs = qs.filter(number=q.upper())
    elif PHONE_RE.match(q):
        qs = qs.filter(Q(contact_phone=q) | Q(customer__phones__number=q))
    elif DIGIT_RUN_RE.search(q):
        # V2: the texts hold numbers customers typed, shown masked; matching digits in them
        # would rebuild a number digit by digit ("1391", "13912"…). A whole phone number is
        # searched above, on the case's own numbers; parts of numbers find nothing.
        qs = qs.none()
    elif q:
        qs = qs.filter(Q(subject__icontains=q) | Q(description__icontains=q))
    if state == "closed":
        qs = qs.order_by("-closed_at", "-id")
    else:
        qs = qs.order_by(F("due_at").asc(nulls_last=True), "id")
    related = ("category", "desk", "owner", "owner__staff", "customer")
    return list(qs.select_related(*related)[offset : offset + limit])


def number_on_file(case: Case) -> str | None:
    """Where the closing code goes: the identified customer's primary number, else the contact
    number recorded when the case was opened. Never a number typed at closing time."""
    if case.customer_id:
        phone = case.customer.phones.order_by("-is_primary", "pk").first()
        if phone:
            return phone.number
    return case.contact_phone or None


def deadline_state(case: Case, now: datetime) -> str:
    """For colouring lists: closed, waiting (for the customer), breached, at_risk, ok."""
    if case.closed_at:
        return "closed"
    if case.resolved_at:
        return "waiting"
    if case.due_at and case.due_at < now:
        return "breached"
    if case.due_at and case.sla_policy_id and (case.warn_at is None or case.warn_at <= now):
        return "at_risk"
    return "ok"


def row(case: Case, now: datetime, lang: str = "zh") -> dict:
    wf = WORKFLOWS.get(case.kind)
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_name": (wf.name_zh if lang.startswith("zh") else wf.name_en) if wf else case.kind,
        "status": case.status,
        "status_name": wf.state_label(case.status, lang) if wf else case.status,
        "channel": case.channel,
        "channel_name": case.get_channel_display(),  # in the active language
        "priority": case.priority,
        "category": case.category.code,
        "category_name": case.category.name_zh if lang.startswith("zh") else case.category.name_en,
        "subject": mask_free_text(case.subject),  # V2: numbers typed into it masked
        "owner": case.owner.username,
        "owner_name": staff_name(case.owner),
        "desk": case.desk.code if case.desk_id else None,
        "desk_name": (case.desk.name_zh if lang.startswith("zh") else case.desk.name_en)
        if case.desk_id
        else None,
        "due_at": case.due_at,
        "promised_at": case.promised_at,
        # where it comes from and how that was known (P5, E1); the incident it follows
        "region": regions.path(case.region_id),
        "region_source": case.region_source,
        "follows": case.follows,
        "escalation_level": case.escalation_level,
        "deadline_state": deadline_state(case, now),
        "version": case.version,
        "created_at": case.created_at,
        "closed_at": case.closed_at,
    }


def detail(case: Case, user, lang: str = "zh", *, unmasked: bool = False) -> dict:
    """The case as its page and the API show it. Phone and ID numbers typed into its texts
    (description, resolution, notes, the chat) are masked (V2); `unmasked` only after
    services.reveal_text has checked and audited the reveal."""
    now = timezone.now()
    wf = workflow_of(case.kind)
    out = row(case, now, lang)
    shown = (lambda text: text) if unmasked else mask_free_text
    may = user.has_perm("cases.handle_case") and may_handle(user, case)
    events = timeline(case, lang, unmasked=unmasked)
    out.update(
        {
            "subject": shown(case.subject),
            "description": shown(case.description),
            "resolution": shown(case.resolution),
            "area": case.area,
            "customer": present(case.customer, user) if case.customer_id else None,
            "contact_phone": _masked_phone(case.contact_phone),
            "hall": case.hall.code if case.hall_id else None,
            "ticket_id": case.ticket_id,
            "parent": case.parent.number if case.parent_id else None,
            "children": list(case.children.values_list("number", flat=True)),
            "first_response_due": case.first_response_due,
            "first_responded_at": case.first_responded_at,
            "first_response_missed": case.first_response_missed,
            "resolved_at": case.resolved_at,
            "confirm_due": case.confirm_due,
            "confirmed_at": case.confirmed_at,
            "breached": case.breached,
            "sla_policy": case.sla_policy.name if case.sla_policy_id else None,
            "script": wf.script_zh.get(case.status, ""),
            "allowed": [
                {
                    "action": t.action,
                    "label": t.label_zh if lang.startswith("zh") else t.label_en,
                    "requires": list(t.requires),
                }
                for t in wf.allowed(case.status)
                if user.has_perm(t.perm)  # an action the user may not take is not offered
            ]
            if may and not case.is_closed
            else [],
            "can_edit": may and not case.is_closed,
            # the chat is this case's now: the handler answers the customer there (C8)
            "chat": holds_chat(case, case_conversation(case)),
            "timeline": events,
            # V2: the page offers "show full numbers" only where something is masked
            "unmasked": unmasked,
            "numbers_masked": not unmasked and has_hidden_numbers(case),
            "confirmation": confirmation_view(case),
            # where a closing code would go, masked (C5): in person needs a number on file
            "code_number": _masked_phone(number_on_file(case) or ""),
            "attachments": attachments(case, user, lang),
        }
    )
    # the satisfaction text went out (its link is the customer's alone: never shown, C5)
    sent = [e["at"] for e in out["timeline"] if e["kind"] == "survey_sent"]
    out["survey_sent_at"] = sent[-1] if sent else None
    return out


def has_hidden_numbers(case: Case) -> bool:
    texts = [case.subject, case.description, case.resolution]
    texts += list(case.events.exclude(note="").values_list("note", flat=True))
    conversation = case_conversation(case)
    if conversation is not None:
        texts += list(conversation.messages.values_list("text", flat=True))
    return any(has_personal_numbers(t) for t in texts)


def confirmation_view(case: Case) -> dict | None:
    """How the customer confirmed the closing (C5), for the case page and the API."""
    c = (
        CaseConfirmation.objects.filter(case=case)
        .select_related("confirmed_by__staff", "reviewed_by__staff")
        .first()
    )
    return _confirmation_row(c) if c else None


def _confirmation_row(c: CaseConfirmation) -> dict:
    return {
        "method": c.method,
        "method_name": str(ConfirmationMethod(c.method).label),
        "by_staff": c.by_staff,
        "confirmed_by": staff_name(c.confirmed_by) if c.confirmed_by_id else None,
        "call_at": c.call_at,
        "code_phone": _masked_phone(c.code_phone),
        "note": c.note,
        "at": c.at,
        "review": c.review,
        "review_name": str(ReviewState(c.review).label),
        "reviewed_by": staff_name(c.reviewed_by) if c.reviewed_by_id else None,
        "reviewed_at": c.reviewed_at,
        "review_note": c.review_note,
        "disputed_at": c.disputed_at,
    }


def closure_reviews(
    user, *, state: str = ReviewState.PENDING, limit: int = 100, lang: str = "zh"
) -> list[dict]:
    """Closures made by staff on the customer's behalf for quality (C5), of the cases the user
    may see (their halls): the queue waiting for review (oldest first), or the reviewed ones
    (newest first)."""
    qs = CaseConfirmation.objects.filter(by_staff=True, case__in=visible(user)).select_related(
        "case", "confirmed_by__staff", "reviewed_by__staff"
    )
    if state == ReviewState.PENDING:
        qs = qs.filter(review=ReviewState.PENDING).order_by("at", "id")
    else:
        qs = qs.exclude(review=ReviewState.PENDING).order_by("-reviewed_at", "-id")
    out = []
    for c in qs[:limit]:
        wf = WORKFLOWS.get(c.case.kind)
        row = _confirmation_row(c)
        row |= {"case_id": c.case_id, "number": c.case.number, "kind": c.case.kind}
        row["kind_name"] = (wf.name_zh if lang.startswith("zh") else wf.name_en) if wf else ""
        row["subject"] = c.case.subject
        out.append(row)
    return out


def closure_figures(user, since: datetime, until: datetime | None = None) -> dict:
    """Closures confirmed by the customer and by staff on the customer's behalf, counted apart
    (C5), of the cases the user may see: the closed-loop figures never take a clerk's word for
    the customer's."""
    qs = CaseConfirmation.objects.filter(at__gte=since, case__in=visible(user))
    if until:
        qs = qs.filter(at__lt=until)
    staff = Q(by_staff=True)
    agg = qs.aggregate(
        total=Count("id"),
        customer_confirmed=Count("id", filter=Q(by_staff=False)),
        staff_confirmed=Count("id", filter=staff),
        phone_call=Count("id", filter=Q(method=ConfirmationMethod.PHONE_CALL)),
        in_person=Count("id", filter=Q(method=ConfirmationMethod.IN_PERSON)),
        pending=Count("id", filter=staff & Q(review=ReviewState.PENDING)),
        reviewed_ok=Count("id", filter=staff & Q(review=ReviewState.OK)),
        reviewed_not_ok=Count("id", filter=staff & Q(review=ReviewState.NOT_OK)),
        disputed=Count("id", filter=staff & Q(disputed_at__isnull=False)),
    )
    total = agg["total"]
    rate = agg["customer_confirmed"] / total if total else None
    agg["customer_confirmed_rate"] = round(rate, 3) if rate is not None else None
    return agg


def holds_chat(case: Case, conversation) -> bool:
    """The one test of who has a chat: the conversation was handed to this case (not moved on
    to a newer one) and the case is not answered yet. Only then does what the customer writes
    reach the case, and only then can its handler reply in the chat (C8)."""
    return (
        conversation is not None
        and conversation.case_number == case.number
        and case.resolved_at is None
        and not case.is_closed
    )


def case_conversation(case: Case):
    """The chat this case was opened from, or None."""
    token = (case.data or {}).get("conversation")
    return Conversation.objects.filter(token=str(token)).first() if token else None


def _masked_phone(number: str) -> str:
    return mask_phone(number) if number else ""


def timeline(case: Case, lang: str = "zh", *, unmasked: bool = False) -> list[dict]:
    """The case's events as its page shows them: labels and desks in words, not codes; numbers
    typed into notes masked unless `unmasked` (V2)."""
    shown = (lambda text: text) if unmasked else mask_free_text
    wf = WORKFLOWS.get(case.kind)
    zh = lang.startswith("zh")
    desks = {d.code: d.name_zh if zh else d.name_en for d in Desk.objects.all()}
    out = []
    for e in case.events.select_related("actor", "actor__staff"):
        label = e.kind
        if wf:
            t = next((t for t in wf.transitions if t.action == e.kind), None)
            if t:
                label = t.label_zh if lang.startswith("zh") else t.label_en
        label = EVENT_LABELS.get(e.kind, (label, label))[0 if lang.startswith("zh") else 1]
        actor = None
        if e.actor:
            actor = staff_name(e.actor)
        # a survey's link is the customer's key (C5): older rows stored it, none shows it
        data = {k: v for k, v in (e.data or {}).items() if k not in HIDDEN_EVENT_DATA}
        out.append(
            {
                "at": e.at,
                "kind": e.kind,
                "label": label,
                "actor": actor,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": shown(e.note),
                "data": {k: shown(v) if k == "subject" else v for k, v in data.items()},
                "detail": _event_detail(e.kind, data),
                "to_desk": desks.get(e.data.get("to_desk"), e.data.get("to_desk")),
            }
        )
    return out


HIDDEN_EVENT_DATA = frozenset({"link", "token"})


def _event_detail(kind: str, data: dict) -> str:
    """What a closing or its review was, in the active language: the method and the call's
    time; the verdict."""
    if kind == "close" and data.get("method") in ConfirmationMethod.values:
        text = str(ConfirmationMethod(data["method"]).label)
        call_at = parse_datetime(str(data.get("call_at") or ""))
        if call_at:
            text += f" {timezone.localtime(call_at):%Y-%m-%d %H:%M}"
        return text
    if kind == "closure_reviewed" and data.get("verdict") in ReviewState.values:
        return str(ReviewState(data["verdict"]).label)
    if kind in ("attachment_added", "attachment_deleted") and data.get("name"):
        file_kind = data.get("file_kind")
        kind_name = (
            str(AttachmentKind(file_kind).label) if file_kind in AttachmentKind.values else ""
        )
        parts = [mask_free_text(data["name"]), kind_name, size_text(data.get("size") or 0)]
        return " · ".join(p for p in parts if p)
    return ""


EVENT_LABELS = {
    "opened": ("受理登记", "Opened"),
    "resolved_together": ("随故障事件一并办结", "Resolved with the incident"),
    "follows_incident": ("并入故障事件", "Linked to an incident"),
    "leaves_incident": ("移出故障事件", "Unlinked from an incident"),
    "commented": ("备注", "Note"),
    "transferred": ("转派", "Transferred"),
    "escalated": ("升级", "Escalated"),
    "promised": ("承诺回复时间", "Reply time promised"),
    "updated": ("修改", "Edited"),
    "sla_warning": ("即将超时提醒", "Deadline warning"),
    "first_response_missed": ("首次响应超时", "First response missed"),
    "start_return_visit": ("转回访", "Return visit due"),
    "survey_sent": ("已发送满意度回访短信", "Satisfaction text sent to the customer"),
    "closure_code_sent": ("已向客户发送确认码短信", "Confirmation code texted to the customer"),
    "closure_reviewed": ("质检代客确认", "Quality review of the closure"),
    "closure_disputed": ("客户回访称未解决", "Customer says it is not solved"),
    "survey_answered": ("客户提交评价", "Customer answered the survey"),
    "customer_told": ("已短信告知客户", "Customer told by text"),
    "chat_message": ("客户在对话中留言", "Customer wrote in the chat"),
    "chat_reply": ("在对话中回复客户", "Replied in the chat"),
    "assigned": ("转人工，分配给", "Handed over to"),
    "attachment_added": ("上传附件", "Attachment added"),
    "attachment_deleted": ("删除附件", "Attachment deleted"),
}


def size_text(size: int) -> str:
    """A file's size as people read it: 830 B, 35 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def attachments(case: Case, user, lang: str = "zh") -> list[dict]:
    """The case's attachments as its page and the API list them (P1): the name (numbers in it
    masked, V2), kind, type, size, who and when; whether this user may delete it (its uploader
    or a manager, while the case is open) and whether downloading it needs a reason (a signed
    service form holds an ID number: cases.services.attachments)."""
    may_remove = (
        not case.is_closed and user.has_perm("cases.handle_case") and may_handle(user, case)
    )
    manager = user.has_perm("cases.remove_any_attachment")
    out = []
    for a in CaseAttachment.objects.filter(case=case).select_related("uploaded_by__staff"):
        out.append(
            {
                "id": a.pk,
                "name": mask_free_text(a.name),
                "kind": a.kind,
                "kind_name": str(AttachmentKind(a.kind).label),
                "content_type": a.content_type,
                "size": a.size,
                "size_text": size_text(a.size),
                "sha256": a.sha256,
                "note": mask_free_text(a.note),
                "uploaded_by": staff_name(a.uploaded_by),
                "uploaded_at": a.uploaded_at,
                "can_delete": may_remove and (manager or a.uploaded_by_id == user.pk),
                "needs_reason": a.kind == AttachmentKind.SIGNED_FORM,
                "may_download": a.kind != AttachmentKind.SIGNED_FORM
                or user.has_perm("customers.view_unmasked_pii"),
            }
        )
    return out


def sla_overview(user, *, now: datetime | None = None, limit: int = 200) -> dict:
    """The hall manager's SLA page: open cases past their deadline and those at risk (their
    warning time has come), with counts by desk and by escalation level, and the last 30
    days' closures by who confirmed them."""
    now = now or timezone.now()
    running = visible(user).filter(
        closed_at__isnull=True, resolved_at__isnull=True, due_at__isnull=False
    )
    breached = running.filter(due_at__lt=now)
    at_risk = running.filter(due_at__gte=now, warn_at__isnull=True) | running.filter(
        due_at__gte=now, warn_at__lte=now
    )
    by_desk = (
        breached.values("desk__code", "desk__name_zh", "desk__name_en")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    by_level = dict(
        running.filter(escalation_level__gt=0)
        .values_list("escalation_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    related = ("category", "desk", "owner", "owner__staff", "customer")
    return {
        "now": now,
        "breached_count": breached.count(),
        "at_risk_count": at_risk.count(),
        "breached": list(breached.select_related(*related).order_by("due_at")[:limit]),
        "at_risk": list(at_risk.select_related(*related).order_by("due_at")[:limit]),
        "by_desk": list(by_desk),
        "by_level": {
            level: {"n": by_level.get(level, 0), "to_zh": zh, "to_en": en}
            for level, (zh, en) in ESCALATION_LEVELS.items()
        },
        "first_response_missed_today": visible(user)
        .filter(first_response_missed=True, created_at__gte=now - timedelta(days=1))
        .count(),
        # the last 30 days' closures, the customer's own confirmations apart from staff's (C5)
        "closures": closure_figures(user, now - timedelta(days=30)),
    }


# --- chats handed over to a person (C8) -----------------------------------------------------

CHAT_CASE = Q(data__has_key="conversation")


def chat_assignee(desk: Desk | None, now: datetime | None = None):
    """Who on `desk` takes a chat that is handed over (C8): the desk's active members — its
    lead only when no member can — ranked: a staff page open now (they see the notice at once,
    core.events presence), then signed in today, then the fewest open chats (cases from a chat
    not yet resolved), the fewest open cases, the longest on the desk. None when the desk has
    nobody: the case then waits in the desk's queue."""
    if desk is None:
        return None
    members = set(desk.members.values_list("id", flat=True))
    ids = members | ({desk.lead_id} if desk.lead_id else set())
    if not ids:
        return None
    start_of_day = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    open_q = Q(handled_cases__resolved_at__isnull=True, handled_cases__closed_at__isnull=True)
    people = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .annotate(
            open_chats=Count(
                "handled_cases",
                filter=open_q & Q(handled_cases__data__has_key="conversation"),
            ),
            open_cases=Count("handled_cases", filter=open_q),
        )
    )
    watching = bus().present(staff_channel(p.pk) for p in people)
    return min(
        people,
        default=None,
        key=lambda p: (
            p.pk not in members,
            staff_channel(p.pk) not in watching,
            not (p.last_login and p.last_login >= start_of_day),
            p.open_chats,
            p.open_cases,
            p.pk,
        ),
    )


def unanswered_chats(user) -> int:
    """Chats handed over to this user that nobody has answered yet: the badge on staff pages."""
    return Case.objects.filter(
        CHAT_CASE, handler=user, first_responded_at__isnull=True, closed_at__isnull=True
    ).count()


def conversation_view(case: Case, lang: str = "zh", *, unmasked: bool = False) -> list[dict] | None:
    """The chat this case came from as the person taking it over reads it: each message with
    who wrote it (the customer, the assistant, a person) and when. None for a case not from a
    chat."""
    conversation = case_conversation(case)
    if conversation is None:
        return None
    zh = lang.startswith("zh")
    names = {
        "customer": ("客户", "Customer"),
        "assistant": ("智能客服", "Assistant"),
        "agent": ("人工客服", "Agent"),
    }
    out = []
    for m in conversation.messages.select_related("author__staff"):
        who = names.get(m.sender, (m.sender, m.sender))[0 if zh else 1]
        if m.sender == "agent" and m.author_id:
            who = staff_name(m.author)
        text = m.text if unmasked else mask_free_text(m.text)  # V2
        out.append({"sender": m.sender, "who": who, "text": text, "at": m.created_at})
    return out


def kind_for_ticket(ticket) -> str:
    """The case type intake offers first for the ticket being served (the staff member may
    choose another): a customer sent to the quiet area (Q5) or who took a complaint ticket is
    heard as a complaint where that type exists; anyone else as a consultation."""
    if ticket is not None and "complaint" in WORKFLOWS:
        if ticket.area == "quiet" or ticket.service_type.code == "complaint":
            return "complaint"
    return "consultation"


def of_customer(user, customer, *, limit: int = 30) -> list[Case]:
    """The customer's cases this user may see (their halls', their desks'), newest first: on
    the customer page, the open ones and the past."""
    return list(
        visible(user)
        .filter(customer=customer)
        .select_related("category", "desk", "owner", "owner__staff", "hall")
        .order_by("-created_at")[:limit]
    )
