"""The customer's "my ticket" page (Q1), reached by the slip's QR code and the "two ahead" text:
no sign-in, the link's token is the only key. It shows the number, the service, the state in
words, the people ahead and the estimate, refreshes itself, and lets the customer give up
their place. No personal data: no phone number, no name, no tier."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from servicehall.core.errors import ServiceError
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket

from .forms import error_text

TEMPLATE = "web/ticket/my_ticket.html"


def _context(ticket: Ticket) -> dict:
    estimate = selectors.estimate_wait(ticket) if ticket.status == Ticket.Status.WAITING else None
    return {"ticket": ticket, "estimate": estimate, "hall": ticket.hall}


def _not_found(request, exc: ServiceError):
    return render(request, TEMPLATE, {"fatal": error_text(exc)}, status=404)


@never_cache
@require_GET
def my_ticket(request, token):
    try:
        ticket = selectors.ticket_by_token(token)
    except ServiceError as exc:
        return _not_found(request, exc)
    return render(request, TEMPLATE, _context(ticket))


@never_cache
@require_GET
def my_ticket_partial(request, token):
    """The changing part of the page, fetched again every few seconds by my-ticket.js."""
    try:
        ticket = selectors.ticket_by_token(token)
    except ServiceError as exc:
        return _not_found(request, exc)
    return render(request, "web/ticket/_state.html", _context(ticket))


@never_cache
@require_POST
def cancel(request, token):
    try:
        ticket = services.cancel_by_customer(token)
    except ServiceError as exc:
        try:
            ticket = selectors.ticket_by_token(token)
        except ServiceError:
            return _not_found(request, exc)
        ctx = _context(ticket) | {"error": error_text(exc)}
        return render(request, TEMPLATE, ctx, status=exc.status)
    return render(request, TEMPLATE, _context(ticket) | {"cancelled_now": True})
