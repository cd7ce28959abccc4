"""Chat conversations with the assistant (K2): start one, say something, read it back.

A conversation is reached by its token alone (a capability: long, random, unguessable), so the
chat page needs no login. Every message and reply is stored: the hand-over attaches them (C8)
and quality supervisors can read what the assistant told customers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from servicehall.core.db import write_transaction
from servicehall.core.errors import NotFound, ServiceError
from servicehall.core.events import publish_on_commit
from servicehall.core.sms import queue_sms
from servicehall.customers.services import normalize_phone

from . import assistant
from .models import Conversation, Message

MAX_MESSAGES = 200  # answered by the assistant, per conversation: a runaway client is stopped
MAX_MESSAGES_WITH_PERSON = 2000  # while a person has the chat the customer is not cut off at 200
MAX_TEXT = 2000  # characters a message, either way (the assistant reads the first 500)
CODE_VALID = timedelta(minutes=5)
CODE_RESEND = timedelta(seconds=60)  # one text a minute per conversation
MAX_CODE_ATTEMPTS = 5  # wrong codes before the code is void and a new one must be sent


def start(channel: str = Conversation.Channel.WEB) -> Conversation:
    if channel not in Conversation.Channel.values:
        raise ServiceError(
            "bad_channel",
            f"未知的渠道：{channel}",
            f"Unknown channel {channel!r}",
            field="channel",
            status=422,
        )
    return Conversation.objects.create(token=secrets.token_hex(16), channel=channel)


def get(token: str) -> Conversation:
    conversation = Conversation.objects.filter(token=str(token)[:32]).first()
    if conversation is None:
        raise NotFound(
            "unknown_conversation", "对话不存在或已过期", "No such conversation", field="token"
        )
    return conversation


def say(token: str, text: str) -> tuple[Message, assistant.Reply]:
    """The customer says something: the assistant answers, or, once a person has taken the chat
    over, the message goes to that person's case.

    Who has the chat is decided with the conversation and its case locked, so a message never
    lands on a case that was answered a moment before (it goes to the assistant instead)."""
    if not isinstance(text, str):
        raise ServiceError("bad_text", "请输入文字", "Text is required", field="text", status=422)
    from servicehall.cases.services import note_chat_message

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
    with transaction.atomic():
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
    from servicehall.cases.services import open_from_chat

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
    from servicehall.cases.selectors import holds_chat
    from servicehall.cases.services import chat_case

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


def channel_name(token: str) -> str:
    """The event channel of one conversation: the chat page learns there that a person wrote."""
    return f"chat.{token}"


def notify(conversation: Conversation, sender: str) -> None:
    publish_on_commit(channel_name(conversation.token), {"type": "message", "sender": sender})


TRANSCRIPT_HEADER = "智能客服对话记录："
_OTHERS_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (智能客服|人工客服)：")
_CUSTOMER_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] 客户：")


def customer_words(text: str) -> str:
    """A case's text as agent assist should read it: from a chat transcript, only what the
    customer wrote (the assistant's answers are about whatever it matched, not the problem);
    anything else, such as a summary added later, as it is."""
    kept = []
    for line in text.splitlines():
        if line.strip() == TRANSCRIPT_HEADER or _OTHERS_LINE.match(line):
            continue
        kept.append(_CUSTOMER_LINE.sub("", line))
    return "\n".join(kept)


def transcript(conversation: Conversation) -> str:
    """The conversation as the person taking it over reads it."""
    who = {
        Message.Sender.CUSTOMER: "客户",
        Message.Sender.ASSISTANT: "智能客服",
        Message.Sender.AGENT: "人工客服",
    }
    lines = []
    for m in conversation.messages.all():
        at = timezone.localtime(m.created_at)  # the hall's time, as on the case timeline
        lines.append(f"[{at:%H:%M:%S}] {who.get(m.sender, m.sender)}：{m.text}")
    return "\n".join(lines)


def last_product(conversation: Conversation) -> str:
    m = conversation.messages.exclude(product="").order_by("-id").first()
    return m.product if m else ""


def _hash(conversation: Conversation, code: str) -> str:
    return hashlib.sha256(f"{conversation.token}:{code}".encode()).hexdigest()


def send_code(token: str, phone: str) -> None:
    """Text a 6-digit code to the number the customer says is theirs (V2: their own plan and
    bills are told only to whoever holds the line)."""
    number = normalize_phone(phone)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=get(token).pk)
        now = timezone.now()
        if conversation.code_sent_at and now - conversation.code_sent_at < CODE_RESEND:
            raise ServiceError(
                "code_too_soon",
                "验证码已发送，请一分钟后再试",
                "A code was just sent; try again in a minute",
                field="phone",
                status=429,
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        conversation.pending_phone = number
        conversation.code_hash = _hash(conversation, code)
        conversation.code_sent_at = now
        conversation.code_attempts = 0
        conversation.save(
            update_fields=["pending_phone", "code_hash", "code_sent_at", "code_attempts"]
        )
        queue_sms(
            number,
            f"【营业厅】您的验证码是 {code}，5分钟内有效。如非本人操作请忽略。",
            purpose="chat_verify",
        )


def verify(token: str, code: str) -> str:
    """Check the code; the conversation then knows the customer's line. Returns the number.
    A wrong code counts (and is saved) before it is refused; the fifth voids the code."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=get(token).pk)
        expired = not conversation.code_hash or (
            timezone.now() - conversation.code_sent_at > CODE_VALID
        )
        right = not expired and hmac.compare_digest(
            conversation.code_hash, _hash(conversation, str(code).strip())
        )
        if right:
            conversation.phone = conversation.pending_phone
            conversation.code_hash = ""
            conversation.save(update_fields=["phone", "code_hash"])
        elif not expired:
            conversation.code_attempts += 1
            if conversation.code_attempts >= MAX_CODE_ATTEMPTS:
                conversation.code_hash = ""
            conversation.save(update_fields=["code_attempts", "code_hash"])
    if expired:
        raise ServiceError(
            "code_expired",
            "验证码已失效，请重新获取",
            "The code has expired; ask for a new one",
            field="code",
            status=422,
        )
    if not right:
        raise ServiceError("wrong_code", "验证码不正确", "Wrong code", field="code", status=422)
    return conversation.phone
