"""Chat routing (K2, C8), the case engine's side of a chat: the hand-over to a person
(`open_from_chat`), who gets it, the customer's messages on the case's timeline and the reply
in the chat."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError
from servicehall.core.events import publish_on_commit
from servicehall.customers.services import normalize_phone
from servicehall.knowledge import chat
from servicehall.knowledge.models import Message

from ..models import Case, CaseEvent, Channel
from ..selectors import case_conversation, chat_assignee, get_case, holds_chat
from .common import (
    MAX_TEXT,
    _bad,
    _check_handler,
    _check_open,
    _now,
    _require_handle,
    _tell,
    desk_people,
    record_event,
)
from .engine import _respond
from .intake import _text, open_case


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
