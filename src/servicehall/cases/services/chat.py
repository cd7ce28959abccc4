"""Chat routing (K2, C8): where a customer's message goes — to the assistant, or to the person
who took the chat over (`say`) — the hand-over, asked for with the button (`open_from_chat`) or
in so many words, who gets it, the customer's messages on the case's timeline and the reply in
the chat (`reply_in_chat`).

This is the case engine's side of the chat: the assistant and the conversation's storage are
the knowledge app's (knowledge/assistant.py, knowledge/chat.py); the case a chat is handed over
to, its locks and its timeline are here.
"""

from __future__ import annotations

import dataclasses
import re

from django.conf import settings
from django.contrib.auth import get_user_model

from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError
from servicehall.core.events import publish_on_commit
from servicehall.core.masking import mask_free_text
from servicehall.customers.services import find_by_phone, normalize_phone
from servicehall.knowledge import assistant, chat
from servicehall.knowledge.models import Conversation, Message
from servicehall.org import regions
from servicehall.org.models import staff_name

from ...core.errors import Code as CoreCode
from ..errors import Code
from ..models import Case, CaseEvent, Channel
from ..selectors import case_conversation, chat_assignee, desks_for, get_case, holds_chat
from ..workflows import WORKFLOWS
from .common import (
    MAX_TEXT,
    _bad,
    _check_handler,
    _now,
    _require_handle,
    _tell,
    check_open,
    check_texts,
    desk_people,
    record_event,
)
from .engine import _respond
from .intake import _text, open_case

# "我要投诉", "投诉你们", "我想投诉一下你们营业厅…": the customer wants to complain, and the
# hand-over opens a complaint (the complaints app registers the case type at runtime: this app
# never imports it) at the complaint desk, not a consultation.
COMPLAINT_RE = re.compile(r"(我要|我想|要)投诉|投诉你们|我投诉")


def wants_to_complain(conversation) -> bool:
    """Did the customer say, in any message of the chat, that they want to complain?"""
    if "complaint" not in WORKFLOWS:
        return False
    texts = conversation.messages.filter(sender=Message.Sender.CUSTOMER).values_list(
        "text", flat=True
    )
    return any(COMPLAINT_RE.search(t) for t in texts)


@dataclasses.dataclass(frozen=True)
class Intent:
    """Words that hand a chat over at once, as a case of a type an app above this one registers
    in its AppConfig.ready() (retention: "我要销户", "携号转网"): the kind, its category, the
    desk (blank: the chat desk) and the subject the person taking it reads first."""

    kind: str
    pattern: re.Pattern
    category: str
    subject: str
    desk: str = ""


INTENTS: list[Intent] = []


def intent_of(texts) -> Intent | None:
    """The first registered intent any of the customer's texts says, whose type is registered."""
    for intent in INTENTS:
        if intent.kind in WORKFLOWS and any(intent.pattern.search(t) for t in texts):
            return intent
    return None


def _customer_texts(conversation) -> list[str]:
    return list(
        conversation.messages.filter(sender=Message.Sender.CUSTOMER).values_list("text", flat=True)
    )


def _complaint_desk(channel_user) -> str:
    """The complaint desk where the deployment has one, else the chat desk."""
    code = settings.COMPLAINT_DESK
    return code if desks_for(channel_user).filter(code=code).exists() else settings.CHAT_DESK


def open_from_chat(token: str, *, phone: str | None = None) -> Case:
    """The assistant hands a chat over to a person (K2, C8): a consultation case for the chat
    desk — a complaint for the complaint desk when the customer said they want to complain
    (`wants_to_complain`) — with the whole conversation attached, opened in the name of the online channel account.
    Asking twice gives the same case while a person is on it; once that case is resolved, asking
    again opens a new one."""
    conversation = chat.get(token)
    taken = chat_case(conversation)
    if taken is not None:
        return taken
    channel_user = get_user_model().objects.filter(username=settings.CHAT_CHANNEL_USER).first()
    if channel_user is None:
        raise ServiceError(
            Code.CHAT_NOT_CONFIGURED,
            "人工客服暂不可用（未配置在线渠道账号），请拨打10086",
            "No person is available: the online channel account is not configured",
            field="token",
            status=503,
        )
    verified = conversation.phone or ""
    callback = normalize_phone(phone) if phone else verified or None
    product = chat.last_product(conversation)
    problem = chat.customer_problem(conversation)
    intent = intent_of(_customer_texts(conversation))
    complaint = intent is None and wants_to_complain(conversation)
    transcript = chat.transcript(conversation) or "（客户未留言，直接请求人工）"
    if len(transcript) > MAX_TEXT - 100:  # the latest messages matter most
        transcript = "……\n" + transcript[-(MAX_TEXT - 100) :]
    with write_transaction():
        locked = type(conversation).objects.select_for_update().get(pk=conversation.pk)
        taken = chat_case(locked)
        if taken is not None:
            return taken
        kind = intent.kind if intent else "complaint" if complaint else "consultation"
        category = "complaint" if complaint else "order-change" if product else "other"
        desk = _complaint_desk(channel_user) if complaint else settings.CHAT_DESK
        if intent is not None:  # a type registered above: its category, its desk
            category, desk = intent.category, intent.desk or settings.CHAT_DESK
        case = open_case(
            channel_user,
            kind=kind,
            channel={"app": Channel.APP, "sms": Channel.SMS}.get(conversation.channel, Channel.WEB),
            category=category,
            # what the person taking it over reads first: the customer's words
            subject=(intent.subject if intent else "")
            or problem
            or (f"在线咨询：{product}" if product else "在线咨询转人工"),
            description=f"{chat.TRANSCRIPT_HEADER}\n{transcript}",
            phone=callback,
            # only a number the customer proved theirs (a texted code, V2) says who they are
            phone_identifies=bool(verified) and callback == verified,
            desk=desk,
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
            to=staff_name(person),
            rule="fewest_open_chats",
        )
    _tell(
        [person.pk] if person is not None else desk_people(case.desk),
        {
            "type": "handover",
            "case_id": case.pk,
            "number": case.number,
            "subject": mask_free_text(case.subject),  # V2: on every staff page
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
    check_texts(text=text)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        check_open(case)
        conversation = case_conversation(case)
        if conversation is None:
            raise _bad(
                Code.NOT_A_CHAT,
                "该工单不是由在线对话转来的，无法在对话中回复客户",
                "This case did not come from a chat: there is no chat to reply in",
                "text",
                409,
            )
        if not holds_chat(case, conversation):
            # answered (the assistant has the chat back) or moved on to a newer case: the
            # customer would not see this reply where they are talking now
            raise _bad(
                Code.CHAT_NOT_HELD,
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


def say(token: str, text: str) -> tuple[Message, assistant.Reply]:
    """The customer says something: the assistant answers, or, once a person has taken the chat
    over, the message goes to that person's case.

    Who has the chat is decided with the conversation and its case locked, so a message never
    lands on a case that was answered a moment before (it goes to the assistant instead)."""
    if not isinstance(text, str):
        raise ServiceError(
            CoreCode.REQUIRED, "请输入文字", "Text is required", field="text", status=422
        )

    with write_transaction():
        conversation, case = _locked(token)
        count = conversation.messages.count()
        if case is not None:
            # A person has taken the chat over: the message is theirs to answer, not the
            # assistant's. Nothing is cut short here: a person reads every word.
            _check_for_person(text, count)
            message = Message.objects.create(
                conversation=conversation, sender=Message.Sender.CUSTOMER, text=text
            )
            note_chat_message(case, text)
            return message, assistant.Reply(
                kind="with_agent",
                text=f"已转人工客服（服务单号 {case.number}），工作人员会在这里回复您。",
                text_en=f"A person has your question (reference {case.number}) and will reply "
                "here.",
                confidence=1.0,
            )
        if count >= chat.MAX_MESSAGES:
            raise ServiceError(
                Code.CONVERSATION_FULL,
                "本次对话消息过多，请转人工或开始新的对话",
                "This conversation is full; ask for a person or start a new one",
                field="text",
                status=409,
            )
    # The assistant answers outside the lock: it may take a moment the first time (learning).
    reply = assistant.reply(text, phone=conversation.phone or None)
    with write_transaction():
        if text.strip():  # nothing typed: no empty bubble, only the assistant's prompt
            Message.objects.create(
                conversation=conversation,
                sender=Message.Sender.CUSTOMER,
                text=text[: chat.MAX_TEXT],
            )  # longer than the assistant reads: it has said so, politely; the rest is not kept
        _place(conversation, text)
        answer = Message.objects.create(
            conversation=conversation,
            sender=Message.Sender.ASSISTANT,
            text=reply.text,
            kind=reply.kind,
            confidence=reply.confidence,
            product=reply.product or "",
        )
    if reply.kind == "handover" or intent_of([text]) is not None:
        # asked for a person, or said what only a person handles ("我要销户": retention)
        reply = _hand_over(token, answer, reply)
    return answer, reply


def _place(conversation, text: str) -> None:
    """The chat's region, once known (P5, E1): a place the customer names, else their verified
    line's address — the same order as a case's (org.regions.locate)."""
    if conversation.region_id:
        return
    customer = find_by_phone(conversation.phone) if conversation.phone else None
    place, how = regions.locate(text=text, address_region=customer.region_id if customer else None)
    if place is not None:
        type(conversation).objects.filter(pk=conversation.pk).update(
            region=place, region_source=how
        )
        conversation.region_id, conversation.region_source = place.pk, how


def _hand_over(token: str, answer: Message, reply: assistant.Reply) -> assistant.Reply:
    """The customer asked for a person in so many words ("转人工"): the case is opened at once,
    so nobody waits for a button they did not press. Where no person can be reached the
    assistant's answer stands, with its button and its error."""

    try:
        case = open_from_chat(token)
    except ServiceError:
        return reply
    reply = dataclasses.replace(
        reply,
        text=f"好的，已为您转接人工客服（服务单号 {case.number}），工作人员会在这里回复您。"
        "您的对话记录已一并转给工作人员。",
        text_en=f"A person will answer you here (reference {case.number}); they see this "
        "conversation.",
        offer_handover=False,
    )
    answer.text = reply.text
    answer.save(update_fields=["text"])
    return reply


def _locked(token: str):
    """The conversation and the case that has it, both locked, in the order the case engine
    takes them (the case, then the conversation: converting a case moves its chat), so the two
    never deadlock. NO KEY on the conversation: a reply being written (a message row pointing
    at it) is not held up. If the chat moved to another case while we waited, look again."""

    for _ in range(3):
        seen = chat.get(token)
        case = chat_case(seen, for_update=True)
        conversation = Conversation.objects.select_for_update(no_key=True).get(pk=seen.pk)
        if conversation.case_number == seen.case_number:
            break
    return conversation, case if case is not None and holds_chat(case, conversation) else None


def _check_for_person(text: str, count: int) -> None:
    if not text.strip():
        raise ServiceError(
            CoreCode.REQUIRED, "请输入文字", "Text is required", field="text", status=422
        )
    if len(text) > chat.MAX_TEXT:
        raise ServiceError(
            CoreCode.TOO_LONG,
            f"消息过长（{len(text)} 字），每条最多 {chat.MAX_TEXT} 字，请分几条发送",
            f"The message is too long ({len(text)} characters); at most {chat.MAX_TEXT} a "
            "message, send it in parts",
            field="text",
            status=422,
        )
    if count >= chat.MAX_MESSAGES_WITH_PERSON:
        raise ServiceError(
            Code.CONVERSATION_FULL,
            "本次对话消息过多，请开始新的对话",
            "This conversation is full; start a new one",
            field="text",
            status=409,
        )
