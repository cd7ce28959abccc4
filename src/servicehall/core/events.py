"""Live events (docs/ARCHITECTURE.md): services publish, server-sent-event views subscribe.

In process by default (one `servicehall serve` process on a hall PC); fanned out through Redis
pub/sub when REDIS_URL is set, so a call made on one web process reaches the display screens
connected to every other process. Events are published only after the transaction that caused
them commits, so a screen never shows a call that was rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator
from functools import cache

from django.conf import settings
from django.db import transaction

log = logging.getLogger("servicehall.events")
PREFIX = "servicehall:"


PRESENCE_S = 45  # a page that has not said it is still open for this long is gone


def staff_channel(user_id: int) -> str:
    """The event channel of one staff member: every staff page they have open listens to it."""
    return f"staff.{user_id}"


class LocalBus:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}  # channel -> when its presence runs out (monotonic)
        self._lock = threading.Lock()
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}

    def publish(self, channel: str, event: dict) -> None:
        with self._lock:
            subs = list(self._subs.get(channel, ()))
        for loop, queue in subs:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(queue.put_nowait, event)

    async def ready(self) -> None:
        """In process there is nothing to wait for."""

    def touch(self, channel: str) -> None:
        """Someone is listening on `channel` now (an open page says so while it stays open)."""
        with self._lock:
            self._seen[channel] = time.monotonic() + PRESENCE_S

    def present(self, channels) -> set[str]:
        """Which of `channels` have a page open now."""
        now = time.monotonic()
        with self._lock:
            for gone in [c for c, until in self._seen.items() if until < now]:
                del self._seen[gone]
            return {c for c in channels if c in self._seen}

    def publish_to_all(self, event: dict) -> None:
        with self._lock:
            channels = list(self._subs)
        for channel in channels:
            self.publish(channel, event)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._subs.setdefault(channel, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                subs = self._subs.get(channel, set())
                subs.discard(entry)
                if not subs:  # chat tokens come and go: no key left behind per token
                    self._subs.pop(channel, None)


class _Listener:
    """One event loop's subscription: its task; set while subscribed; whether its last attempt
    failed (Redis away); `settled`, set when the attempt under way succeeds or fails (then
    replaced for the next); and a nudge that ends the wait before the next attempt."""

    def __init__(self) -> None:
        self.subscribed = asyncio.Event()
        self.settled = asyncio.Event()
        self.wake = asyncio.Event()
        self.failing = False
        self.nudged_at = -1e9
        self.task: asyncio.Task | None = None

    def settle(self, subscribed: bool) -> None:
        self.failing = not subscribed
        done, self.settled = self.settled, asyncio.Event()
        done.set()


class RedisBus:
    """Publishes through Redis. Each process holds one subscription (a pattern on every
    channel) per event loop and hands what arrives to its own streams through a LocalBus, so a
    thousand open pages cost one Redis connection, not a thousand. A lost connection is made
    again (backing off), and every stream then gets `ready` to catch up on what it missed.

    While Redis is away, what is published is lost (pub/sub keeps nothing): the pages catch up
    from the database on the `ready` that follows the return. A new stream asked for meanwhile
    is refused at once (`ready` raises within GRACE_S, and nudges the subscription to try again
    now, so a page coming back right after Redis does is not kept waiting by the backoff)."""

    CONNECT_TIMEOUT_S = 5
    GRACE_S = 0.5  # Redis known away: how long a new stream waits for the subscription
    PING_S = 10  # silence this long: ping; three times this long unanswered: connect again

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        # Short timeouts: a publish follows a committed write in the request's thread, and a
        # Redis that stopped answering must not hold that request.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._local = LocalBus()
        self._listeners: weakref.WeakKeyDictionary = (
            weakref.WeakKeyDictionary()
        )  # loop -> _Listener

    def publish(self, channel: str, event: dict) -> None:
        try:
            self._client.publish(PREFIX + channel, json.dumps(event, ensure_ascii=False))
        except Exception:  # a lost screen update must never undo a committed call
            log.exception("publishing %s to Redis failed", channel)

    def touch(self, channel: str) -> None:
        try:
            self._client.set(f"{PREFIX}present:{channel}", 1, ex=PRESENCE_S)
        except Exception:  # presence is a hint: never fail a page over it
            log.warning("presence of %s not recorded", channel, exc_info=True)

    def present(self, channels) -> set[str]:
        channels = list(channels)
        if not channels:
            return set()
        try:
            found = self._client.mget([f"{PREFIX}present:{c}" for c in channels])
        except Exception:
            log.warning("presence not read", exc_info=True)
            return set()
        return {c for c, v in zip(channels, found, strict=True) if v is not None}

    def _listener(self) -> _Listener:
        loop = asyncio.get_running_loop()
        listener = self._listeners.get(loop)
        if listener is None or listener.task is None or listener.task.done():
            listener = _Listener()
            listener.task = loop.create_task(self._listen(listener))
            self._listeners[loop] = listener
        return listener

    async def _listen(self, listener: _Listener) -> None:
        import redis.asyncio as aredis

        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            client = aredis.Redis.from_url(
                self.url, socket_connect_timeout=self.CONNECT_TIMEOUT_S, socket_keepalive=True
            )
            try:
                pubsub = client.pubsub()
                await pubsub.psubscribe(PREFIX + "*")
                if failures:  # back after a loss: every open stream catches up
                    self._local.publish_to_all({"type": "ready"})
                failures = 0
                listener.subscribed.set()
                listener.settle(True)
                heard = loop.time()
                while True:  # a connection that went quiet (a proxy dropping it) is found out
                    message = await pubsub.get_message(timeout=self.PING_S)
                    if message is not None:
                        heard = loop.time()
                        if message.get("type") == "pmessage":
                            channel = message["channel"].decode()[len(PREFIX) :]
                            self._local.publish(channel, json.loads(message["data"]))
                    elif loop.time() - heard > 3 * self.PING_S:
                        raise ConnectionError("Redis did not answer the pings")
                    else:
                        await pubsub.ping()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the Redis event subscription was lost; reconnecting", exc_info=True)
            finally:
                listener.subscribed.clear()
                with contextlib.suppress(Exception):
                    await client.aclose()
            failures += 1
            listener.settle(False)
            listener.wake.clear()
            with contextlib.suppress(TimeoutError):  # backing off, unless a page nudges
                await asyncio.wait_for(listener.wake.wait(), min(0.25 * 2**failures, 10))

    async def ready(self) -> None:
        """Until this process's subscription is in place (TimeoutError if Redis is away: at
        once — within GRACE_S — when the subscription already knows it is)."""
        listener = self._listener()
        if listener.subscribed.is_set():
            return
        settled = listener.settled  # the outcome of the attempt under way, or of the next
        wait_s = self.CONNECT_TIMEOUT_S
        if listener.failing:
            wait_s = self.GRACE_S
            now = asyncio.get_running_loop().time()
            if now - listener.nudged_at >= 1:  # at most one extra attempt a second
                listener.nudged_at = now
                listener.wake.set()
        await asyncio.wait_for(settled.wait(), wait_s)
        if not listener.subscribed.is_set():
            raise TimeoutError("Redis is away")

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        async with self._local.subscribe(channel) as queue:
            await self.ready()
            yield queue


@cache
def bus() -> LocalBus | RedisBus:
    return RedisBus(settings.REDIS_URL) if settings.REDIS_URL else LocalBus()


def publish_on_commit(channel: str, event: dict) -> None:
    """Publish `event` on `channel` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: bus().publish(channel, event))
