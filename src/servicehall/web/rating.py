"""The counter's rating device (评价器, S1): a tablet or second screen beside a counter, signed
in as a hall device account. Idle it shows the counter and the clerk signed in; when that
counter finishes a service it asks "请为本次服务评价" with the ticket number and the clerk's name
(live, from the hall's event stream); the customer taps 1–5 overall and, if they like, the five
dimensions; after submitting it thanks and returns to idle. The rules (which ticket, how long,
once) are the surveys services'."""

from django.shortcuts import redirect, render
from django.urls import reverse

from servicehall.core.errors import ServiceError
from servicehall.org.models import staff_name
from servicehall.queueing import selectors as queue_selectors
from servicehall.queueing.models import CounterSession
from servicehall.surveys import selectors, services
from servicehall.surveys.models import DIMENSIONS

from .access import page
from .forms import error_text


def _state(counter) -> dict:
    session = (
        CounterSession.objects.filter(counter=counter, signed_out_at__isnull=True)
        .select_related("staff__staff")
        .first()
    )
    ticket = selectors.rating_prompt(counter)
    return {
        "counter": counter,
        "hall": counter.hall,
        "clerk": staff_name(session.staff) if session else None,
        "paused": queue_selectors.open_pause(counter) is not None if session else False,
        "ticket": ticket,
        "served_by": staff_name(ticket.served_by) if ticket else None,
        "state_key": f"t{ticket.pk}" if ticket else ("idle" if session else "closed"),
        "dimensions": DIMENSIONS,
        "scores": range(1, 6),
    }


@page(services.RATE)
def rate(request, counter_id):
    counter = services.counter_for_device(request.user, counter_id)
    ctx = _state(counter)
    if request.method == "POST":
        values = request.POST
        try:
            services.rate_service(
                request.user,
                counter,
                values.get("ticket", ""),
                scores={k: values.get(k) for k in ("overall", *(d[0] for d in DIMENSIONS))},
                comment=values.get("comment", ""),
            )
        except ServiceError as exc:
            ctx |= {"error": error_text(exc), "error_field": exc.field, "values": values}
            return render(request, "web/rating/rate.html", ctx, status=exc.status)
        return redirect(reverse("web:rate", kwargs={"counter_id": counter.pk}) + "?thanks=1")
    ctx["thanks"] = request.GET.get("thanks") == "1"
    return render(request, "web/rating/rate.html", ctx)


@page(services.RATE)
def rate_partial(request, counter_id):
    """The device's state again (idle or asking), fetched on the hall's events."""
    counter = services.counter_for_device(request.user, counter_id)
    return render(request, "web/rating/_state.html", _state(counter))
