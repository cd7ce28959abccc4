"""The assistant's chat API (K2): public — a customer's web/app client needs no staff login.

A conversation is started, then addressed by its token (unguessable, 128 bits); asking for a
person hands it over as a case at the chat desk with the conversation attached (C8)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status

from servicehall.cases.services import chat as routing
from servicehall.core.masking import mask_phone
from servicehall.core.ratelimit import client_address
from servicehall.knowledge import chat

from .errors import ErrorOut
from .queueing import ERRORS

router = Router(tags=["chat 智能客服"])


class StartIn(Schema):
    channel: str = "web"


class ConversationOut(Schema):
    token: str
    channel: str
    case_number: str


class ChatMessageOut(Schema):
    sender: str  # customer / assistant / agent (the person who took the chat over)
    text: str
    kind: str
    at: datetime


class TranscriptOut(Schema):
    token: str
    channel: str
    case_number: str
    with_agent: bool  # a person has the chat: they, not the assistant, answer what is said
    messages: list[ChatMessageOut]


class MessageIn(Schema):
    # Longer text is answered politely by the assistant ("too long"), not refused here.
    text: str = Field(..., max_length=5000)


class SuggestedArticleOut(Schema):
    id: int
    title: str
    snippet: str


class ReplyOut(Schema):
    kind: str
    text: str
    text_en: str
    confidence: float
    product: str | None
    attributes: list[str]
    values: list[str]
    articles: list[SuggestedArticleOut]  # the article that answers, when the reply is one
    related: list[SuggestedArticleOut]  # about the subject, not the answer ("you may also want")
    offer_handover: bool


class HandoverIn(Schema):
    phone: str | None = Field(None, max_length=20)


class HandoverOut(Schema):
    case_number: str
    message: str
    message_en: str


@router.post("/conversations", auth=None, response={201: ConversationOut, 429: ErrorOut, **ERRORS})
def start(request, payload: StartIn | None = None):
    """Start a conversation; keep its token. A client address may start 30 an hour (429 with
    `Retry-After` beyond)."""
    conversation = chat.start((payload or StartIn()).channel, client=client_address(request))
    return Status(
        201, ConversationOut(token=conversation.token, channel=conversation.channel, case_number="")
    )


@router.get("/conversations/{token}", auth=None, response={200: TranscriptOut, **ERRORS})
def read(request, token: str):
    """The conversation so far: a client polls this for the replies of the person who took the
    chat over."""
    conversation = chat.get(token)
    return TranscriptOut(
        token=conversation.token,
        channel=conversation.channel,
        case_number=conversation.case_number,
        with_agent=routing.chat_case(conversation) is not None,
        messages=[
            ChatMessageOut(sender=m.sender, text=m.text, kind=m.kind, at=m.created_at)
            for m in conversation.messages.all()
        ],
    )


@router.post("/conversations/{token}/messages", auth=None, response={200: ReplyOut, **ERRORS})
def say(request, token: str, payload: MessageIn):
    """Ask the assistant; the reply says whether it answered, found an article, or offers a
    person. Once a person has the chat (`with_agent`), the message goes to them and the reply's
    kind is `with_agent`."""
    _message, reply = routing.say(token, payload.text)
    return reply.as_dict()


@router.post(
    "/conversations/{token}/handover",
    auth=None,
    response={201: HandoverOut, 503: ErrorOut, **ERRORS},
)
def handover(request, token: str, payload: HandoverIn | None = None):
    """Hand the conversation over to a person: a case at the chat desk (asking twice gives the
    same case)."""
    case = routing.open_from_chat(token, phone=(payload.phone if payload else None) or None)
    return Status(
        201,
        HandoverOut(
            case_number=case.number,
            message=f"已为您转接人工客服，服务单号 {case.number}，工作人员会尽快回复您。",
            message_en=f"A person will answer you shortly; your reference is {case.number}.",
        ),
    )


class VerifyIn(Schema):
    phone: str = Field(..., max_length=20)


class CodeIn(Schema):
    code: str = Field(..., max_length=10)


class VerifiedOut(Schema):
    phone: str  # masked (V2)
    message: str
    message_en: str


@router.post(
    "/conversations/{token}/verify", auth=None, response={202: VerifiedOut, 429: ErrorOut, **ERRORS}
)
def send_code(request, token: str, payload: VerifyIn):
    """Text a code to the customer's number, so they can ask about their own plan and bills
    (V2). Only a line on file gets a text, but every number gets this same answer. Limits
    (429 with `Retry-After`): one text a minute per conversation and per number, 5 an hour per
    number, 3 per conversation, 20 an hour per client address."""
    chat.send_code(token, payload.phone, client=client_address(request))
    return Status(
        202,
        VerifiedOut(
            phone=mask_phone(payload.phone.strip()[-11:]),
            message="验证码已发送，请查看短信",
            message_en="A code is on its way by SMS",
        ),
    )


@router.post(
    "/conversations/{token}/verify/confirm", auth=None, response={200: VerifiedOut, **ERRORS}
)
def confirm_code(request, token: str, payload: CodeIn):
    """Confirm the code; the conversation then answers about that line."""
    number = chat.verify(token, payload.code)
    return VerifiedOut(
        phone=mask_phone(number),
        message="验证成功，您可以查询本人的套餐和账单了",
        message_en="Verified: ask about your own plan and bills",
    )
