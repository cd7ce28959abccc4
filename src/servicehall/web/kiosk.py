"""The kiosk (取号机, Q1): touch-friendly; take a number for a service type, optionally with a
phone number for VIP priority; appointment check-in by phone (Q3). After a number is taken the
page shows the printed slip: number, service type, people ahead, the wait estimate (or the
honest note that no counter serves it now), the VIP mark, and a QR code of the customer's
"my ticket" page. The slip page prints itself once (window.print: a kiosk browser started with
--kiosk-printing prints without a dialog) on an 80 mm thermal slip (app.css @media print)."""

import segno
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from servicehall.core.errors import ServiceError
from servicehall.core.ratelimit import client_address
from servicehall.incidents import selectors as incidents_selectors
from servicehall.org.models import ServiceType
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket

from .access import page


def _offered(hall):
    """The service types some active counter of the hall serves: one big button each."""
    return ServiceType.objects.filter(
        is_active=True, counters__hall=hall, counters__is_active=True
    ).distinct()


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (segno, generated here: no image request, no CDN); sized
    by the stylesheet (about 28 mm on the printed slip)."""
    svg = segno.make(url, error="m").svg_inline(border=2, omitsize=True)
    return mark_safe(svg)


def _slip(ticket: Ticket) -> dict:
    slip = selectors.ticket_view(ticket, with_estimate=True)
    slip["service_type_obj"] = ticket.service_type
    slip["tier"] = ticket.customer.get_tier_display() if ticket.is_vip and ticket.customer else ""
    slip["token"] = ticket.token
    slip["qr_svg"] = qr_svg(selectors.my_ticket_url(ticket.token))
    # a number was given and the text is still to come (a ticket near the front is told here)
    slip["will_text"] = bool(ticket.notify_phone and ticket.near_notified_at is None)
    return slip


@page("queueing.issue_ticket")
@require_http_methods(["GET", "POST"])
def kiosk(request, hall):
    hall = services.hall_for(request.user, hall)
    ctx = {"hall": hall, "service_types": _offered(hall), "error": None, "ticket": None}
    ctx["incident_notices"] = incidents_selectors.hall_notices(hall)  # outages around (E1)
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
                    client=client_address(request),
                )
        except ServiceError as exc:
            ctx["error"] = exc
            ctx["phone"] = phone
        else:
            ctx["ticket"] = _slip(ticket)
    status = 200
    if ctx["error"]:
        status = 429 if ctx["error"].status == 429 else 422
    return render(request, "web/kiosk/kiosk.html", ctx, status=status)
