"""Chat conversations with the assistant (K2): start one, say something, read it back.

A conversation is reached by its token alone (a capability: long, random, unguessable), so the
chat page needs no login. Every message and reply is stored: the hand-over attaches them (C8)
and quality supervisors can read what the assistant told customers.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from servicehall.core.errors import NotFound, ServiceError

from . import assistant
from .models import Conversation, Message

MAX_MESSAGES = 200  # per conversation: a runaway client gets a clear error, not a huge table


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
    conversation = get(token)
    if not isinstance(text, str):
        raise ServiceError("bad_text", "请输入文字", "Text is required", field="text", status=422)
    if conversation.messages.count() >= MAX_MESSAGES:
        raise ServiceError(
            "conversation_full",
            "本次对话消息过多，请转人工或开始新的对话",
            "This conversation is full; ask for a person or start a new one",
            field="text",
            status=409,
        )
    reply = assistant.reply(text)
    with transaction.atomic():
        Message.objects.create(
            conversation=conversation, sender=Message.Sender.CUSTOMER, text=text[:2000]
        )
        answer = Message.objects.create(
            conversation=conversation,
            sender=Message.Sender.ASSISTANT,
            text=reply.text,
            kind=reply.kind,
            confidence=reply.confidence,
            product=reply.product or "",
        )
    return answer, reply


def transcript(conversation: Conversation) -> str:
    """The conversation as the person taking it over reads it."""
    lines = []
    for m in conversation.messages.all():
        who = "客户" if m.sender == Message.Sender.CUSTOMER else "智能客服"
        lines.append(f"[{m.created_at:%H:%M:%S}] {who}：{m.text}")
    return "\n".join(lines)


def last_product(conversation: Conversation) -> str:
    m = conversation.messages.exclude(product="").order_by("-id").first()
    return m.product if m else ""
