"""A small per-process memo with expiry, for read-mostly facts that many requests a second ask
for: who a token belongs to, a year's holidays, which counters of a hall are open. Each entry
lives `seconds`; `forget()` drops entries at once when this process changes what they
remember. Other processes see a change within `seconds` — every user of this class says why
that is acceptable for what it caches."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class TTLCache(Generic[T]):
    _all: weakref.WeakSet[TTLCache] = weakref.WeakSet()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by forget(): a refresh started before is not kept
        self._refreshing: dict[Hashable, threading.Thread] = {}
        TTLCache._all.add(self)

    @classmethod
    def forget_everywhere(cls) -> None:
        """Empty every cache of the process (tests start each from a clean slate)."""
        for cache in list(cls._all):
            cache.forget()

    def get(
        self, key: Hashable, compute: Callable[[], T | None], *, stale_ok: bool = False
    ) -> T | None:
        """The remembered value, or compute() remembered (None is not remembered). With
        `stale_ok`, an expired value is still returned while a background thread computes the
        next one, so no caller waits for a slow rebuild once there is a value; `forget()` still
        makes the next call compute afresh."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        if hit is not None and stale_ok:
            self._refresh_in_background(key, compute)
            return hit[1]
        value = compute()
        if value is not None:
            with self._lock:
                self._entries[key] = (now + self.seconds, value)
        return value

    def _refresh_in_background(self, key: Hashable, compute: Callable[[], T | None]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            thread = threading.Thread(
                target=self._refresh, args=(key, compute, self._generation), daemon=True
            )
            self._refreshing[key] = thread
        thread.start()

    def _refresh(self, key: Hashable, compute: Callable[[], T | None], generation: int) -> None:
        try:
            value = compute()
            if value is not None:
                with self._lock:
                    if generation == self._generation:
                        self._entries[key] = (time.monotonic() + self.seconds, value)
        except Exception:  # the stale value stays; the next call tries again
            log.exception("refreshing %r in the background failed", key)
        finally:
            with self._lock:
                self._refreshing.pop(key, None)
            from django.db import connections

            connections.close_all()  # this thread's own connections

    def wait(self) -> None:
        """Until the background refreshes under way are done (for tests and shutdown)."""
        for thread in list(self._refreshing.values()):
            thread.join()

    def forget(self, key: Hashable | None = None, **_signal_kwargs) -> None:
        """Drop one key, or everything (usable as a signal receiver)."""
        with self._lock:
            self._generation += 1
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)
