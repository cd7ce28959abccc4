"""Server-sent events: one channel of the event bus (core.events) as a stream for a page — the
hall's display, board, workbench and kiosk, a case page, a customer's chat. The `ready` event is
sent once the subscription is in place, so a client that waits for it misses nothing after; a
comment line every KEEPALIVE_S keeps proxies from closing an idle stream.

A stream holds no database connection while it waits: whatever the view and the middleware read
(the session, the user, the hall, the case) is read before the first byte, and the connection
is handed back to the pool in the thread that used it before the stream starts — otherwise
every open page would keep one of the process's pooled PostgreSQL connections for as long as
it stays open, and some 16 screens would stop every other request."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from enum import StrEnum

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from servicehall.core.errors import ServiceError
from servicehall.core.events import bus

from ..core.errors import Code as CoreCode

log = logging.getLogger(__name__)
KEEPALIVE_S = 15
MAX_STREAM_S = 30 * 60
MAX_PER_CHANNEL = 64  # a big hall's screens, kiosks and counters on its one channel
MAX_STREAMS = 1000  # per budget (staff, public) and web process
_open: Counter[str] = Counter()  # open streams per channel and per budget (this process)


def sse(event: dict) -> str:
    return (
        f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
    )


class _Slot:
    """One open stream counted against its channel and its budget (staff or public) from the
    moment the view accepts it; released once, whichever comes first: the stream ending, or
    Django closing the response (a client gone before the first byte)."""

    def __init__(self, channel: str, budget: str) -> None:
        self.keys = (channel, budget)
        self.held = True
        for key in self.keys:
            _open[key] += 1

    def release(self) -> None:
        if self.held:
            self.held = False
            for key in self.keys:
                _open[key] -= 1
                if _open[key] <= 0:
                    del _open[key]


class _EventStream(StreamingHttpResponse):
    def __init__(self, content, slot: _Slot) -> None:
        super().__init__(content, content_type="text/event-stream")
        self.slot = slot
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"

    def close(self) -> None:
        self.slot.release()
        super().close()


def _let_go_of_the_database() -> None:
    """Hand this thread's database connections back (to the pool on PostgreSQL). Run through
    sync_to_async, it runs in the request's own thread — where Django opened them for the
    session, the user and the view's reads. Never inside a transaction (a test's, for one)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def _refused(code: StrEnum, zh: str, en: str, status: int) -> JsonResponse:
    err = ServiceError(code, zh, en, field="events", status=status)
    return JsonResponse(err.as_dict(), status=err.status)


async def stream_channel(
    channel: str, *, public: bool = False, presence: bool = False
) -> HttpResponse:
    """One channel of the event bus as server-sent events.

    Bounded, because some streams are public (a chat's, its token the key): at most
    MAX_PER_CHANNEL open on one channel and MAX_STREAMS per budget in the process — public
    streams have their own, so chats cannot crowd out the halls' screens — then 429; none
    longer than MAX_STREAM_S (the browser's EventSource then reconnects by itself). Where the
    bus cannot subscribe (Redis away) the answer is 503 at once, not a stream that breaks.
    `presence`: while the stream is open the bus knows someone listens on the channel
    (core.events: a staff member with a page open is at work and sees a notice)."""
    budget = "budget:public" if public else "budget:staff"
    if _open[channel] >= MAX_PER_CHANNEL or _open[budget] >= MAX_STREAMS:
        return _refused(
            CoreCode.TOO_MANY_STREAMS,
            "实时连接过多，请稍后刷新页面",
            "Too many live connections; reload the page later",
            429,
        )
    slot = _Slot(channel, budget)  # taken now: requests arriving together cannot overshoot
    try:
        await bus().ready()
    except Exception:
        slot.release()
        log.warning("live events unavailable for %s", channel, exc_info=True)
        return _refused(
            CoreCode.EVENTS_UNAVAILABLE,
            "实时推送暂不可用，请稍后刷新页面",
            "Live updates are unavailable; reload the page later",
            503,
        )

    async def stream():
        try:
            # The view and the middleware are done with the database: nothing below reads it.
            await sync_to_async(_let_go_of_the_database)()
            async with bus().subscribe(channel) as queue:
                yield "retry: 2000\n\nevent: ready\ndata: {}\n\n"
                deadline = time.monotonic() + MAX_STREAM_S
                while (left := deadline - time.monotonic()) > 0:
                    if presence:
                        await asyncio.to_thread(bus().touch, channel)
                    try:
                        event = await asyncio.wait_for(queue.get(), min(KEEPALIVE_S, left))
                    except TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    yield sse(event)
        finally:
            slot.release()

    return _EventStream(stream(), slot)
