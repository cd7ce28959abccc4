"""The kiosk (取号机, Q1): touch-friendly; take a number for a service type, optionally with a
phone number for VIP priority; appointment check-in by phone (Q3)."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicehall.core.errors import ServiceError
from servicehall.org.models import ServiceType
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket

from .access import page
from .forms import error_text


def _offered(hall):
    return ServiceType.objects.filter(
        is_active=True, counters__hall=hall, counters__is_active=True
    ).distinct()


@page("queueing.issue_ticket")
@require_http_methods(["GET", "POST"])
def kiosk(request, hall):
    hall = services.get_hall(hall)
    ctx = {"hall": hall, "service_types": _offered(hall), "error": None, "ticket": None}
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip() or None
        try:
            if request.POST.get("action") == "check_in":
                t = services.check_in(request.user, hall, phone or "")
            else:
                t = services.issue_ticket(
                    request.user,
                    hall,
                    request.POST.get("service_type", ""),
                    phone=phone,
                    channel=Ticket.Channel.KIOSK,
                )
        except ServiceError as exc:
            ctx["error"] = {"text": error_text(exc), "field": exc.field}
            ctx["phone"] = phone or ""
        else:
            ctx["ticket"] = selectors.ticket_view(t, with_estimate=True)
    return render(request, "web/kiosk/kiosk.html", ctx, status=422 if ctx["error"] else 200)
