"""The calling display (叫号屏, Q4) and the live event stream every surface listens to."""

import asyncio
import json

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.shortcuts import render

from servicehall.core.events import bus
from servicehall.queueing import selectors, services

from .access import page

KEEPALIVE_S = 15


@page("queueing.view_display", "queueing.view_board")
def display(request, hall):
    hall = services.get_hall(hall)
    calls = selectors.recent_calls(hall)
    return render(
        request,
        "web/display/display.html",
        {"hall": hall, "latest": calls[0] if calls else None, "calls": calls},
    )


@page("queueing.view_display", "queueing.view_board", "queueing.serve_counter")
async def events(request, hall):
    """Server-sent events of one hall. The `ready` event is sent once the subscription is in
    place, so a client that waits for it misses nothing after."""
    hall = await sync_to_async(services.get_hall)(hall)
    channel = services.channel_name(hall.pk)

    async def stream():
        async with bus().subscribe(channel) as queue:
            yield "retry: 2000\n\nevent: ready\ndata: {}\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
