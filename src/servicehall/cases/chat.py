"""Chat routing (K2, C8): where a customer's message goes — to the assistant, or to the person
who took the chat over — and the hand-over the customer asks for in so many words.

This is the case engine's side of the chat: the assistant and the conversation's storage are
the knowledge app's (knowledge/assistant.py, knowledge/chat.py); the case a chat is handed over
to, its locks and its timeline are here.
"""

from __future__ import annotations

import dataclasses

from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError
from servicehall.knowledge import assistant
from servicehall.knowledge.chat import MAX_MESSAGES, MAX_MESSAGES_WITH_PERSON, MAX_TEXT, get
from servicehall.knowledge.models import Conversation, Message

from .selectors import holds_chat
from .services import chat_case, note_chat_message, open_from_chat


def say(token: str, text: str) -> tuple[Message, assistant.Reply]:
    """The customer says something: the assistant answers, or, once a person has taken the chat
    over, the message goes to that person's case.

    Who has the chat is decided with the conversation and its case locked, so a message never
    lands on a case that was answered a moment before (it goes to the assistant instead)."""
    if not isinstance(text, str):
        raise ServiceError("bad_text", "请输入文字", "Text is required", field="text", status=422)

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
        if count >= MAX_MESSAGES:
            raise ServiceError(
                "conversation_full",
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
                conversation=conversation, sender=Message.Sender.CUSTOMER, text=text[:MAX_TEXT]
            )  # longer than the assistant reads: it has said so, politely; the rest is not kept
        answer = Message.objects.create(
            conversation=conversation,
            sender=Message.Sender.ASSISTANT,
            text=reply.text,
            kind=reply.kind,
            confidence=reply.confidence,
            product=reply.product or "",
        )
    if reply.kind == "handover":
        reply = _hand_over(token, answer, reply)
    return answer, reply


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
        seen = get(token)
        case = chat_case(seen, for_update=True)
        conversation = Conversation.objects.select_for_update(no_key=True).get(pk=seen.pk)
        if conversation.case_number == seen.case_number:
            break
    return conversation, case if case is not None and holds_chat(case, conversation) else None


def _check_for_person(text: str, count: int) -> None:
    if not text.strip():
        raise ServiceError("bad_text", "请输入文字", "Text is required", field="text", status=422)
    if len(text) > MAX_TEXT:
        raise ServiceError(
            "text_too_long",
            f"消息过长（{len(text)} 字），每条最多 {MAX_TEXT} 字，请分几条发送",
            f"The message is too long ({len(text)} characters); at most {MAX_TEXT} a message, "
            "send it in parts",
            field="text",
            status=422,
        )
    if count >= MAX_MESSAGES_WITH_PERSON:
        raise ServiceError(
            "conversation_full",
            "本次对话消息过多，请开始新的对话",
            "This conversation is full; start a new one",
            field="text",
            status=409,
        )
