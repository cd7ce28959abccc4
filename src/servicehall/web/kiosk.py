"""The kiosk (取号机, Q1): touch-friendly; take a number for a service type, optionally with a
phone number for VIP priority; appointment check-in by phone (Q3). After a number is taken the
page shows the printed slip: number, service type, people ahead, the wait estimate (or the
honest note that no counter serves it now), the VIP mark."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicehall.core.errors import ServiceError
from servicehall.org.models import ServiceType
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket

from .access import page
from .forms import error_text


def _offered(hall):
    """The service types some active counter of the hall serves: one big button each."""
    return ServiceType.objects.filter(
        is_active=True, counters__hall=hall, counters__is_active=True
    ).distinct()


def _slip(ticket: Ticket) -> dict:
    slip = selectors.ticket_view(ticket, with_estimate=True)
    slip["service_type_obj"] = ticket.service_type
    slip["tier"] = ticket.customer.get_tier_display() if ticket.is_vip and ticket.customer else ""
    return slip


@page("queueing.issue_ticket")
@require_http_methods(["GET", "POST"])
def kiosk(request, hall):
    hall = services.get_hall(hall)
    ctx = {"hall": hall, "service_types": _offered(hall), "error": None, "ticket": None}
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()
        try:
            if request.POST.get("action") == "check_in":
                ticket = services.check_in(request.user, hall, phone)
            else:
                ticket = services.issue_ticket(
                    request.user,
                    hall,
                    request.POST.get("service_type", ""),
                    phone=phone or None,
                    channel=Ticket.Channel.KIOSK,
                )
        except ServiceError as exc:
            ctx["error"] = {"text": error_text(exc), "zh": exc.zh, "en": exc.en, "field": exc.field}
            ctx["phone"] = phone
        else:
            ctx["ticket"] = _slip(ticket)
    return render(request, "web/kiosk/kiosk.html", ctx, status=422 if ctx["error"] else 200)
