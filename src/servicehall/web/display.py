"""The calling display (叫号屏, Q4) and the hall's live event stream (web.streams)."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from servicehall.core.errors import ServiceError
from servicehall.incidents import selectors as incidents_selectors
from servicehall.queueing import selectors, services

from .access import page
from .streams import stream_channel

DISPLAY = ("queueing.view_display", "queueing.view_board")


def _calls(hall) -> dict:
    calls = selectors.recent_calls(hall)
    return {"hall": hall, "latest": calls[0] if calls else None, "calls": calls}


def _waiting(hall) -> dict:
    rows = selectors.waiting_by_type(hall)
    return {"waiting": rows, "waiting_total": sum(r["waiting"] for r in rows)}


@page(*DISPLAY)
def display(request, hall):
    hall = services.hall_for(request.user, hall)
    ctx = _calls(hall) | _waiting(hall) | {"time_zone": settings.TIME_ZONE}
    # the hall's own notice and those of incidents in its district (E1), on one line
    ctx["notice"] = "　".join([hall.notice, *incidents_selectors.hall_notices(hall)]).strip("　")
    return render(request, "web/display/display.html", ctx)


@page(*DISPLAY)
def waiting_partial(request, hall):
    """The waiting counts per service type, fetched again on the hall's events."""
    return render(
        request, "web/display/_waiting.html", _waiting(services.hall_for(request.user, hall))
    )


@page(*DISPLAY)
def display_partial(request, hall):
    """The recent calls again, for a screen that was offline a while (it missed events)."""
    return render(
        request, "web/display/_recent.html", _calls(services.hall_for(request.user, hall))
    )


@page(*DISPLAY, "queueing.serve_counter", "queueing.issue_ticket", "surveys.rate_service")
async def events(request, hall):
    """Server-sent events of one hall (numbers, counters, service types — no personal data),
    for the display, the board, the workbench, the kiosk and the rating device. The `ready` event is sent once the
    subscription is in place, so a client that waits for it misses nothing after; a comment
    line every 15 s keeps proxies from closing an idle stream."""
    user = await request.auser()
    try:
        hall = await sync_to_async(services.hall_for)(user, hall)
    except ServiceError as exc:  # an unknown hall, another hall's: a clear 4xx, not a stream
        return JsonResponse(exc.as_dict(), status=exc.status)
    return await stream_channel(services.channel_name(hall.pk))
