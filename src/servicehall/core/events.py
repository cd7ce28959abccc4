"""Live events (DESIGN.md): services publish, server-sent-event views subscribe.

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
from collections.abc import AsyncIterator
from functools import cache

from django.conf import settings
from django.db import transaction

log = logging.getLogger("servicehall.events")
PREFIX = "servicehall:"


class LocalBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}

    def publish(self, channel: str, event: dict) -> None:
        with self._lock:
            subs = list(self._subs.get(channel, ()))
        for loop, queue in subs:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(queue.put_nowait, event)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._subs.setdefault(channel, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subs.get(channel, set()).discard(entry)


class RedisBus:
    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url)

    def publish(self, channel: str, event: dict) -> None:
        try:
            self._client.publish(PREFIX + channel, json.dumps(event, ensure_ascii=False))
        except Exception:  # a lost screen update must never undo a committed call
            log.exception("publishing %s to Redis failed", channel)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        import redis.asyncio as aredis

        client = aredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(PREFIX + channel)
        queue: asyncio.Queue = asyncio.Queue()

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    queue.put_nowait(json.loads(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await pubsub.aclose()
            await client.aclose()


@cache
def bus() -> LocalBus | RedisBus:
    return RedisBus(settings.REDIS_URL) if settings.REDIS_URL else LocalBus()


def publish_on_commit(channel: str, event: dict) -> None:
    """Publish `event` on `channel` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: bus().publish(channel, event))
