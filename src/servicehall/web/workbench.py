"""The counter workbench (柜台工作台, Q2): sign in at a counter, call, recall, no-show, start,
finish with the business category, transfer, move to the quiet area; the customer masked (V2)
with an audited reveal for roles that need it; issue a ticket for a customer at the counter."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicehall.core.errors import ServiceError
from servicehall.customers import services as customer_services
from servicehall.customers.models import Customer
from servicehall.org.models import BusinessCategory, Hall, ServiceType
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket

from .access import page
from .forms import attempt, error_text

SERVE = "queueing.serve_counter"


def _hall_of(user) -> Hall | None:
    return (
        getattr(getattr(user, "staff", None), "hall", None) or Hall.objects.order_by("pk").first()
    )


def _context(request, revealed=None):
    user = request.user
    session = selectors.open_session_of(user)
    ctx = {"session": session, "revealed": revealed}
    if session is None:
        hall = _hall_of(user)
        ctx["hall"] = hall
        ctx["counters"] = selectors.board(hall)["counters"] if hall else []
        return ctx
    counter = session.counter
    current = selectors.current_ticket(counter)
    ctx.update(
        hall=counter.hall,
        counter=counter,
        current=current,
        waiting=selectors.waiting_for_counter(counter),
        waited_min=selectors.waited_minutes(current) if current else None,
        customer=customer_services.present(current.customer, user)
        if current and current.customer
        else None,
        can_reveal=user.has_perm("customers.view_unmasked_pii"),
        categories=BusinessCategory.objects.filter(
            is_active=True, parent__isnull=False
        ).select_related("parent"),
        service_types=ServiceType.objects.filter(
            is_active=True, counters__hall=counter.hall
        ).distinct(),
        other_counters=counter.hall.counters.filter(is_active=True).exclude(pk=counter.pk),
        allowed=services.ALLOWED[current.status] if current else (),
        events=current.events.select_related("actor", "counter") if current else (),
    )
    return ctx


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
@require_POST
def sign_in(request, counter_id):
    attempt(request, lambda: services.sign_in(request.user, services.get_counter(counter_id)))
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def sign_out(request):
    session = selectors.open_session_of(request.user)
    if session:
        attempt(request, lambda: services.sign_out(request.user, session.counter))
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def call_next(request):
    session = selectors.open_session_of(request.user)
    if session is None:
        messages.error(request, _("Sign in at a counter first."), extra_tags="field-counter")
    else:
        attempt(request, lambda: services.call_next(request.user, session.counter))
    return redirect("web:workbench")


ACTIONS = {
    "recall": lambda user, tid, post: services.recall(user, tid),
    "no_show": lambda user, tid, post: services.no_show(user, tid),
    "start": lambda user, tid, post: services.start_service(user, tid),
    "finish": lambda user, tid, post: services.finish_service(
        user, tid, post.get("category"), post.get("note", "")
    ),
    "transfer": lambda user, tid, post: services.transfer(
        user,
        tid,
        service_type_code=post.get("service_type") or None,
        counter_id=post.get("counter") or None,
        note=post.get("note", ""),
    ),
    "quiet": lambda user, tid, post: services.move_to_quiet(user, tid, post.get("note", "")),
}


@page(SERVE)
@require_POST
def ticket_action(request, ticket_id, action):
    handler = ACTIONS.get(action)
    if handler is None:
        messages.error(request, f"未知操作 / Unknown action: {action}")
    else:
        attempt(request, lambda: handler(request.user, ticket_id, request.POST))
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def issue_for_customer(request):
    hall = _hall_of(request.user)
    t = attempt(
        request,
        lambda: services.issue_ticket(
            request.user,
            hall,
            request.POST.get("service_type", ""),
            phone=request.POST.get("phone") or None,
            channel=Ticket.Channel.COUNTER,
        ),
    )
    if t is not None:
        messages.success(request, _("Ticket %(number)s issued.") % {"number": t.number})
    return redirect("web:workbench")


@page(SERVE)
@require_POST
def reveal(request, customer_id):
    customer = Customer.objects.filter(pk=customer_id).first()
    revealed = None
    if customer is None:
        messages.error(request, "客户不存在 / Unknown customer")
    else:
        try:
            revealed = customer_services.present(
                customer,
                request.user,
                reveal=True,
                reason=request.POST.get("reason", ""),
                ip=request.META.get("REMOTE_ADDR"),
            )
        except ServiceError as exc:
            messages.error(request, error_text(exc), extra_tags=f"field-{exc.field}")
    return render(request, "web/workbench/workbench.html", _context(request, revealed=revealed))
