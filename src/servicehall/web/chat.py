"""The customer's chat page (K2): phone-sized, no sign-in, works without JavaScript.

`/chat/` starts a conversation and redirects to `/chat/<token>/`, whose URL is the customer's key
to it. Each question is a form post answered by the assistant (post → redirect → page), and
"转人工" hands the conversation over: a case at the chat desk with the conversation attached;
the person who takes it answers on this page, and what the customer writes meanwhile goes to
them. A
customer who verifies their number with a texted code may ask about their own plan and bills."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from servicehall.cases.services.chat import chat_case, open_from_chat, say
from servicehall.core.errors import ServiceError
from servicehall.core.masking import mask_phone
from servicehall.core.ratelimit import client_address
from servicehall.knowledge import chat
from servicehall.knowledge.models import Message

from .forms import error_text
from .streams import stream_channel


def start(request):
    conversation = chat.start("web", client=client_address(request))
    return redirect("web:chat", token=conversation.token)


@require_http_methods(["GET", "POST"])
def conversation(request, token):
    try:
        conv = chat.get(token)
    except ServiceError as exc:
        return render(request, "web/chat/chat.html", {"fatal": error_text(exc)}, status=404)
    ctx = {"conversation": conv}
    if request.method == "POST":
        try:
            if "handover" in request.POST:
                open_from_chat(token, phone=request.POST.get("phone") or None)
            elif "send_code" in request.POST:
                chat.send_code(
                    token, request.POST.get("verify_phone", ""), client=client_address(request)
                )
            elif "verify" in request.POST:
                chat.verify(token, request.POST.get("code", ""))
            else:
                say(token, request.POST.get("text", ""))
        except ServiceError as exc:
            ctx |= {"error": error_text(exc), "error_field": exc.field}
            return _render(request, ctx, status=exc.status)
        return redirect("web:chat", token=token)
    return _render(request, ctx)


def _render(request, ctx, status=200):
    conv = ctx["conversation"]
    messages = list(conv.messages.all())
    last = messages[-1] if messages else None
    ctx |= {
        "messages": messages,
        "customer": Message.Sender.CUSTOMER,
        "agent": Message.Sender.AGENT,
        "with_agent": chat_case(conv) is not None,
        "offer_handover": bool(
            last and last.kind in ("handover", "clarify", "not_ours", "article", "polite")
        ),
        "ask_verify": bool(last and last.kind == "identify") or bool(conv.code_hash),
        "verified": mask_phone(conv.phone) if conv.phone else "",
    }
    return render(request, "web/chat/chat.html", ctx, status=status)


async def events(request, token):
    """The conversation's events (a person wrote), for the open chat page; the token is the key,
    as for the page itself."""
    from asgiref.sync import sync_to_async

    try:
        conv = await sync_to_async(chat.get)(token)
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return await stream_channel(chat.channel_name(conv.token), public=True)
