"""The counter workbench (柜台工作台, Q2): sign in at a counter, call, recall, no-show, start,
finish with the business category, transfer with a summary the next counter reads (C8), move
to the quiet area; pause and resume service with a reason (暂停服务); call a number out of
turn (特呼); the live list of what this counter may call, in calling order, and why; the customer masked (V2)
with an audited reveal for roles that need it; issue a ticket for a customer at the counter;
the plan recommendation for the customer being served, with the customer's answer (M2, M3);
the knowledge assistant's panel (知识助手, K3): the customer's question, the assistant's reply.

Every action is a POST calling one service, then a redirect back here; a refusal is flashed in
Chinese and English and shown beside the form it came from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicehall.catalog import selectors as catalog_selectors
from servicehall.catalog import services as catalog_services
from servicehall.catalog.explain import summary
from servicehall.catalog.models import RecommendationOffer
from servicehall.core.errors import ServiceError
from servicehall.core.ratelimit import client_address
from servicehall.customers import services as customer_services
from servicehall.customers.models import Tier
from servicehall.org.models import BusinessCategory, ServiceType
from servicehall.queueing import rules, selectors, services
from servicehall.queueing.models import CounterPause, Ticket

from .access import page
from .forms import attempt, error_text, sort_messages, words
from .knowledge import ask_panel
from .names import localize_board

SERVE = "queueing.serve_counter"
OFFER = catalog_services.OFFER


def _customer(customer, user, revealed=None) -> dict | None:
    """The current ticket's customer, masked unless just revealed (V2)."""
    if customer is None:
        return None
    shown = revealed or customer_services.present(customer, user)
    return shown | {"tier_label": Tier(shown["tier"]).label}


def _forms_on_page(ctx) -> list[str]:
    if not ctx["session"]:
        return ["signin"]
    forms = ["signout", "issue"]
    if ctx["current"] is None:
        forms += ["call", "callnum", "pause"]
    else:
        forms.append("ticket")
        forms += [f for f in ("finish", "transfer") if f in ctx["allowed"]]
        if ctx["customer"] and ctx["can_reveal"]:
            forms.append("reveal")
        if ctx.get("offer"):
            forms.append("offer")
    return forms


def _offer(user, ticket) -> dict | None:
    """The plan recommendation for the customer at the counter (M2), for roles that offer plans."""
    customer = ticket.customer if ticket else None
    if customer is None or not user.has_perm(OFFER):
        return None
    number = catalog_selectors.primary_number(customer)
    if number is None:
        return None
    rec = catalog_services.recommend_for_number(user, number)
    answers = catalog_selectors.offers_of(number, limit=1)
    return summary(rec) | {
        "moment": catalog_services.moment_of_visit(ticket.service_type.code),
        "last_answer": answers[0] if answers else None,
    }


def _context(request, revealed=None):
    user = request.user
    session = selectors.open_session_of(user)
    ctx = {"session": session, "current": None, "customer": None, "allowed": ()}
    if session is None:
        hall = services.default_hall(user)
        ctx["hall"] = hall
        ctx["counters"] = localize_board(selectors.board(hall))["counters"] if hall else []
    else:
        counter = session.counter
        current = selectors.current_ticket(counter)
        ctx.update(
            hall=counter.hall,
            counter=counter,
            current=current,
            waiting=selectors.waiting_for_counter(counter),
            waited_min=selectors.waited_minutes(current) if current else None,
            customer=_customer(current.customer if current else None, user, revealed),
            revealed=revealed is not None,
            can_reveal=user.has_perm("customers.view_unmasked_pii"),
            recalls_needed=rules.policy_for(counter.hall).recalls_before_no_show,
            categories=BusinessCategory.objects.filter(
                is_active=True, parent__isnull=False, parent__is_active=True
            ).select_related("parent"),
            service_types=ServiceType.objects.filter(
                is_active=True, counters__hall=counter.hall, counters__is_active=True
            ).distinct(),
            other_counters=counter.hall.counters.filter(is_active=True).exclude(pk=counter.pk),
            allowed=services.ALLOWED[current.status] if current else (),
            events=current.events.select_related("counter") if current else (),
            offer=_offer(user, current),
            transfer_note=selectors.transfer_note(current) if current else None,
            **_queue_context(counter, current),
        )
    ctx["form_messages"], ctx["top_messages"] = sort_messages(request, _forms_on_page(ctx))
    ctx["assist"] = ask_panel(user)
    return ctx


def _queue_context(counter, current) -> dict:
    """The counter's pause and its waiting list (what it may call, in calling order)."""
    pause = selectors.open_pause(counter)
    return {
        "pause": pause,
        "pause_reasons": CounterPause.Reason.choices,
        "queue": selectors.waiting_list(counter),
        "can_call": current is None and pause is None,
    }


@page(SERVE)
def workbench(request):
    return render(request, "web/workbench/workbench.html", _context(request))


@page(SERVE)
def workbench_partial(request):
    """The waiting count, refreshed live."""
    session = selectors.open_session_of(request.user)
    n = selectors.waiting_for_counter(session.counter) if session else 0
    return render(request, "web/workbench/_waiting.html", {"waiting": n})


@page(SERVE)
def queue_partial(request):
    """The counter's waiting list, refreshed live."""
    session = selectors.open_session_of(request.user)
    if session is None:
        return render(request, "web/workbench/_queue.html", {"queue": None})
    counter = session.counter
    ctx = _queue_context(counter, selectors.current_ticket(counter))
    return render(request, "web/workbench/_queue.html", ctx)


def _session_or_flash(request, form: str):
    session = selectors.open_session_of(request.user)
    if session is None:
        messages.error(
            request,
            words("请先在窗口签到", "Sign in at a counter first"),
            extra_tags=f"form-{form} field-counter",
        )
    return session


@page(SERVE)
@require_POST
def pause(request):
    session = _session_or_flash(request, "pause")
    if session:
        attempt(
            request,
            lambda: services.pause_counter(
                request.user,
                session.counter,
                request.POST.get("reason", ""),
                request.POST.get("note", ""),
            ),
            form="pause",
        )
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def resume(request):
    session = _session_or_flash(request, "pause")
    if session:
        attempt(
            request, lambda: services.resume_counter(request.user, session.counter), form="pause"
        )
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def call_number(request):
    """特呼: call a waiting ticket by its number, typed or chosen in the waiting list."""
    session = _session_or_flash(request, "callnum")
    if session:
        attempt(
            request,
            lambda: services.call_number(
                request.user, session.counter, request.POST.get("number", "")
            ),
            form="callnum",
        )
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def sign_in(request, counter_id):
    attempt(
        request,
        lambda: services.sign_in(request.user, services.get_counter(counter_id)),
        form="signin",
    )
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def sign_out(request):
    session = selectors.open_session_of(request.user)
    if session:
        attempt(request, lambda: services.sign_out(request.user, session.counter), form="signout")
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def call_next(request):
    session = selectors.open_session_of(request.user)
    if session is None:
        messages.error(
            request,
            words("请先在窗口签到", "Sign in at a counter first"),
            extra_tags="form-signin field-counter",
        )
    else:
        attempt(request, lambda: services.call_next(request.user, session.counter), form="call")
    return redirect("web:workbench")


ACTIONS = {  # action in the URL: (the form its errors belong to, the service call)
    "recall": ("ticket", lambda user, tid, post: services.recall(user, tid)),
    "no_show": ("ticket", lambda user, tid, post: services.no_show(user, tid)),
    "start": ("ticket", lambda user, tid, post: services.start_service(user, tid)),
    "quiet": (
        "ticket",
        lambda user, tid, post: services.move_to_quiet(user, tid, post.get("note", "")),
    ),
    "finish": (
        "finish",
        lambda user, tid, post: services.finish_service(
            user, tid, post.get("category"), post.get("note", "")
        ),
    ),
    "transfer": (
        "transfer",
        lambda user, tid, post: services.transfer(
            user,
            tid,
            service_type_code=post.get("service_type") or None,
            counter_id=post.get("counter") or None,
            note=post.get("note", ""),
        ),
    ),
}


@page(SERVE)
@require_POST
def ticket_action(request, ticket_id, action):
    if action not in ACTIONS:
        messages.error(
            request,
            words(f"未知操作：{action}", f"Unknown action: {action}"),
            extra_tags="form-page",
        )
    else:
        form, handler = ACTIONS[action]
        attempt(request, lambda: handler(request.user, ticket_id, request.POST), form=form)
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def issue_for_customer(request):
    session = selectors.open_session_of(request.user)
    hall = session.counter.hall if session else services.default_hall(request.user)
    ticket = attempt(
        request,
        lambda: services.issue_ticket(
            request.user,
            services.get_hall(hall.pk if hall else ""),
            request.POST.get("service_type", ""),
            phone=request.POST.get("phone", "").strip() or None,
            channel=Ticket.Channel.COUNTER,
            client=client_address(request),
        ),
        form="issue",
    )
    if ticket is not None:
        messages.success(
            request,
            _("Ticket %(number)s issued (%(type)s).")
            % {"number": ticket.number, "type": ticket.service_type.name_zh},
            extra_tags="form-issue",
        )
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def reveal(request, customer_id):
    """The full numbers of a customer, for a role that needs them, with a reason; audited.
    Rendered straight into this response, never kept: a reload shows them masked again."""
    session = selectors.open_session_of(request.user)
    current = selectors.current_ticket(session.counter) if session else None
    revealed, refused = None, 422
    if current is None or current.customer_id != customer_id:
        # The workbench shows the customer at the counter, no one else.
        messages.error(
            request,
            words(
                "只能查看当前号码客户的信息",
                "Only the customer of the current ticket is shown here",
            ),
            extra_tags="form-reveal field-customer",
        )
    else:
        try:
            revealed = customer_services.reveal(
                request.user,
                customer_id,
                reason=request.POST.get("reason", ""),
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ServiceError as exc:
            messages.error(
                request, error_text(exc), extra_tags=f"form-reveal field-{exc.field or 'form'}"
            )
            if exc.status == 429:  # the limit of unmasked views: say so with its status
                refused = 429
    ctx = _context(request, revealed=revealed)
    return render(request, "web/workbench/workbench.html", ctx, status=200 if revealed else refused)


# Sent by the panel's script (static/web/kb-ask.js): answer with the panel alone.
ASSIST_PARTIAL_HEADER = "X-ServiceHall-Partial"


@page(SERVE)
@require_POST
def ask(request):
    """K3 at the counter: the customer's question to the knowledge assistant (知识助手). The
    panel alone for its script (no reload); without JavaScript the workbench with the answer.
    A POST that writes nothing: the customer's words stay out of URLs and logs."""
    panel = ask_panel(request.user, request.POST.get("question", ""))
    if panel is None:
        raise PermissionDenied
    status = 422 if panel["error"] else 200
    if request.headers.get(ASSIST_PARTIAL_HEADER):
        return render(request, "web/workbench/_assist.html", {"assist": panel}, status=status)
    ctx = _context(request) | {"assist": panel}
    return render(request, "web/workbench/workbench.html", ctx, status=status)


@page(OFFER)
@require_POST
def offer_answer(request):
    """Record the answer of the customer at the counter to the plan recommended (M3). The
    number is the current ticket's customer's, never one posted by the page."""
    session = selectors.open_session_of(request.user)
    current = selectors.current_ticket(session.counter) if session else None
    number = (
        catalog_selectors.primary_number(current.customer) if current and current.customer else None
    )
    if number is None:
        messages.error(
            request,
            words("当前没有已识别客户的号码", "No identified customer at this counter"),
            extra_tags="form-offer field-customer",
        )
        return redirect("web:workbench")
    offer = attempt(
        request,
        lambda: catalog_services.record_answer(
            request.user,
            phone=number,
            tier=request.POST.get("tier", ""),
            outcome=request.POST.get("outcome", ""),
            moment=request.POST.get("moment")
            or catalog_services.moment_of_visit(current.service_type.code),
            channel=RecommendationOffer.Channel.COUNTER,
            ticket_number=current.number,
            note=request.POST.get("note", ""),
        ),
        form="offer",
    )
    if offer is not None:
        messages.success(
            request,
            _("The customer's answer was recorded: %(outcome)s.")
            % {"outcome": offer.get_outcome_display()},
            extra_tags="form-offer",
        )
    return redirect("web:workbench")
