"""Chat conversations with the assistant (K2): their storage, the texted code that proves a
customer's line, the transcript a person reads on hand-over.

A conversation is reached by its token alone (a capability: long, random, unguessable), so the
chat page needs no login. Every message and reply is stored: the hand-over attaches them (C8)
and quality supervisors can read what the assistant told customers. Where a customer's message
goes — the assistant, or the person who took the chat over — is the case engine's routing
(cases/services/chat.py): this app knows nothing of cases.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.utils import timezone

from servicehall.core import ratelimit
from servicehall.core.db import write_transaction
from servicehall.core.errors import NotFound, RateLimited, ServiceError
from servicehall.core.events import publish_on_commit
from servicehall.core.ratelimit import Limit
from servicehall.core.sms import queue_sms
from servicehall.customers.selectors import line_on_file
from servicehall.customers.services import normalize_phone

from ..core.errors import Code as CoreCode
from . import assistant
from .errors import Code
from .models import Conversation, Message

MAX_MESSAGES = 200  # answered by the assistant, per conversation: a runaway client is stopped
MAX_MESSAGES_WITH_PERSON = 2000  # while a person has the chat the customer is not cut off at 200
MAX_TEXT = 2000  # characters a message, either way (the assistant reads the first 500)
CODE_VALID = timedelta(minutes=5)
CODE_RESEND = timedelta(seconds=60)  # one text a minute per conversation
MAX_CODE_ATTEMPTS = 5  # wrong codes before the code is void and a new one must be sent

# Floods (README "Limits"). Whoever asks is a stranger: no sign-in, a new conversation is one
# request away, so the number, the conversation and the client address each have a limit.
CONVERSATIONS_PER_ADDRESS = Limit(
    "chat.start.address", 30, 3600, "发起对话", "conversations started from your address"
)
CODES_PER_NUMBER_MINUTE = Limit(
    "chat.code.number", 1, 60, "向该号码发送验证码", "codes sent to this number", field="phone"
)
CODES_PER_NUMBER_HOUR = Limit(
    "chat.code.number.hour",
    5,
    3600,
    "向该号码发送验证码",
    "codes sent to this number",
    field="phone",
)
CODES_PER_CONVERSATION = Limit(
    "chat.code.conversation",
    3,
    86400,
    "本次对话获取验证码",
    "codes in this conversation",
    field="phone",
)
CODES_PER_ADDRESS = Limit(
    "chat.code.address", 20, 3600, "获取验证码", "codes requested from your address", field="phone"
)


def start(channel: str = Conversation.Channel.WEB, *, client: str | None = None) -> Conversation:
    """A new conversation; `client`: the address asking (a limited number an hour each)."""
    if channel not in Conversation.Channel.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"未知的渠道：{channel}",
            f"Unknown channel {channel!r}",
            field="channel",
            status=422,
        )
    if client:
        ratelimit.hit(CONVERSATIONS_PER_ADDRESS, client)
    return Conversation.objects.create(token=secrets.token_hex(16), channel=channel)


def get(token: str) -> Conversation:
    conversation = Conversation.objects.filter(token=str(token)[:32]).first()
    if conversation is None:
        raise NotFound(
            Code.UNKNOWN_CONVERSATION, "对话不存在或已过期", "No such conversation", field="token"
        )
    return conversation


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


_NOT_THE_PROBLEM = re.compile(r"[\s，。！？!?,.~、…]+")


# Replies that settled what the customer asked: an exact answer from the catalogue or from their
# own plan, or the article that answers it (the assistant gives one only then) — but not a fault:
# self-help read, the fault is still there. Anything else (a question back, a hand-over…) left it
# open.
_SETTLED = {"answer", "own", "article"}


def customer_problem(conversation: Conversation, limit: int = 60) -> str:
    """The customer's problem in their own words, for the subject of the case a person takes
    over. A message is a candidate when it says more than a greeting, a thank-you or a request
    for a person ("没用，转人工" says nothing of the problem; "我要投诉你们乱扣费" does). The
    latest candidate the assistant did not settle wins — "宽带老掉线" stays the problem after
    "畅享5G多少钱" was answered — else the latest candidate; what the assistant found was not for
    it ("打开酷狗") only when nothing else was said. Empty when they said nothing else."""
    recent = list(conversation.messages.order_by("-id").values_list("sender", "text", "kind")[:40])[
        ::-1
    ]
    open_, settled, strays = [], [], []
    for i, (sender, text, _kind) in enumerate(recent):
        if sender != Message.Sender.CUSTOMER:
            continue
        text = " ".join(text.split())
        rest = _NOT_THE_PROBLEM.sub("", assistant.HUMAN_RE.sub("", text))
        rest = re.sub(r"^(没用|不行|算了|好的|帮我|请|麻烦)+|(吧|呢|啊|吗)+$", "", rest)
        if len(rest) < 4 or assistant.GREETING_RE.match(rest) or assistant.THANKS_RE.match(rest):
            continue
        reply = next((k for s, _t, k in recent[i + 1 :] if s != Message.Sender.CUSTOMER), "")
        if reply == "not_ours":
            strays.append(text)
        elif reply in _SETTLED and not assistant.FAULT_RE.search(text):
            settled.append(text)
        else:  # not settled; a fault stays the problem whatever self-help it was given
            open_.append(text)
    chosen = (open_ or settled or strays or [""])[-1]
    return chosen if len(chosen) <= limit else chosen[: limit - 1] + "…"


def last_product(conversation: Conversation) -> str:
    m = conversation.messages.exclude(product="").order_by("-id").first()
    return m.product if m else ""


def _hash(conversation: Conversation, code: str) -> str:
    return hashlib.sha256(f"{conversation.token}:{code}".encode()).hexdigest()


def _too_soon(conversation: Conversation, now) -> None:
    """One text a minute per conversation (whichever number it went to)."""
    if conversation.code_sent_at and now - conversation.code_sent_at < CODE_RESEND:
        wait = CODE_RESEND - (now - conversation.code_sent_at)
        raise RateLimited(
            CoreCode.CODE_TOO_SOON,
            "验证码已发送，请一分钟后再试",
            "A code was just sent; try again in a minute",
            field="phone",
            retry_after=int(wait.total_seconds()) + 1,
        )


def send_code(token: str, phone: str, *, client: str | None = None) -> None:
    """Text a 6-digit code to the number the customer says is theirs (V2: their own plan and
    bills are told only to whoever holds the line). Only a line on file gets a text; for any
    other number everything happens as if it did — the same answer, the same limits, a code
    waiting that nothing can match — so the chat does not tell who is a customer."""
    number = normalize_phone(phone)
    conversation = get(token)
    _too_soon(conversation, timezone.now())  # a second click does not use up the limits below
    if client:
        ratelimit.hit(CODES_PER_ADDRESS, client)
    ratelimit.hit(CODES_PER_CONVERSATION, conversation.token)
    ratelimit.hit(CODES_PER_NUMBER_MINUTE, number)
    ratelimit.hit(CODES_PER_NUMBER_HOUR, number)
    on_file = line_on_file(number)
    with write_transaction():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        now = timezone.now()
        _too_soon(conversation, now)
        code = f"{secrets.randbelow(1_000_000):06d}"
        conversation.pending_phone = number
        conversation.code_hash = _hash(conversation, code)
        conversation.code_sent_at = now
        conversation.code_attempts = 0
        conversation.save(
            update_fields=["pending_phone", "code_hash", "code_sent_at", "code_attempts"]
        )
        if on_file:
            queue_sms(
                number,
                f"【营业厅】您的验证码是 {code}，5分钟内有效。如非本人操作请忽略。",
                purpose="chat_verify",
            )


def verify(token: str, code: str) -> str:
    """Check the code; the conversation then knows the customer's line. Returns the number.
    A wrong code counts (and is saved) before it is refused; the fifth voids the code."""
    with write_transaction():
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
            CoreCode.CODE_EXPIRED,
            "验证码已失效，请重新获取",
            "The code has expired; ask for a new one",
            field="code",
            status=422,
        )
    if not right:
        raise ServiceError(
            CoreCode.WRONG_CODE, "验证码不正确", "Wrong code", field="code", status=422
        )
    return conversation.phone


def of_numbers(numbers, *, limit: int = 10) -> list[Conversation]:
    """Chats where the customer proved one of these lines (the customer page): when, where,
    and the case it became; not what was said (quality reads that in the admin)."""
    if not numbers:
        return []
    return list(
        Conversation.objects.filter(phone__in=list(numbers)).order_by("-started_at")[:limit]
    )
