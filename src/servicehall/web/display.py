"""The calling display (叫号屏, Q4) and the live event stream every surface listens to."""

import asyncio
import json
import time
from collections import Counter

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render

from servicehall.core.errors import ServiceError
from servicehall.core.events import bus
from servicehall.queueing import selectors, services

from .access import page

KEEPALIVE_S = 15
MAX_STREAM_S = 30 * 60
MAX_PER_CHANNEL = 64  # a big hall's screens, kiosks and counters on its one channel
MAX_STREAMS = 2000  # per web process
_open: Counter[str] = Counter()  # open streams per channel (this process's event loop)
DISPLAY = ("queueing.view_display", "queueing.view_board")


def _calls(hall) -> dict:
    calls = selectors.recent_calls(hall)
    return {"hall": hall, "latest": calls[0] if calls else None, "calls": calls}


@page(*DISPLAY)
def display(request, hall):
    hall = services.get_hall(hall)
    ctx = _calls(hall) | {"time_zone": settings.TIME_ZONE}
    return render(request, "web/display/display.html", ctx)


@page(*DISPLAY)
def display_partial(request, hall):
    """The recent calls again, for a screen that was offline a while (it missed events)."""
    return render(request, "web/display/_recent.html", _calls(services.get_hall(hall)))


def sse(event: dict) -> str:
    return (
        f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
    )


@page(*DISPLAY, "queueing.serve_counter", "queueing.issue_ticket")
async def events(request, hall):
    """Server-sent events of one hall (numbers, counters, service types — no personal data),
    for the display, the board, the workbench and the kiosk. The `ready` event is sent once the
    subscription is in place, so a client that waits for it misses nothing after; a comment
    line every 15 s keeps proxies from closing an idle stream."""
    hall = await sync_to_async(services.get_hall)(hall)
    return stream_channel(services.channel_name(hall.pk))


def stream_channel(channel: str) -> StreamingHttpResponse | JsonResponse:
    """One channel of the event bus as server-sent events.

    Bounded, because some streams are public (a chat's, its token the key): at most
    MAX_PER_CHANNEL open on one channel and MAX_STREAMS in the process (then 429), and none
    longer than MAX_STREAM_S — the browser's EventSource then reconnects by itself."""
    if _open[channel] >= MAX_PER_CHANNEL or _open.total() >= MAX_STREAMS:
        busy = ServiceError(
            "too_many_streams",
            "实时连接过多，请稍后刷新页面",
            "Too many live connections; reload the page later",
            field="events",
            status=429,
        )
        return JsonResponse(busy.as_dict(), status=busy.status)

    async def stream():
        _open[channel] += 1
        try:
            async with bus().subscribe(channel) as queue:
                yield "retry: 2000\n\nevent: ready\ndata: {}\n\n"
                deadline = time.monotonic() + MAX_STREAM_S
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        event = await asyncio.wait_for(queue.get(), min(KEEPALIVE_S, left))
                    except TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    yield sse(event)
        finally:
            _open[channel] -= 1
            if _open[channel] <= 0:
                del _open[channel]

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
