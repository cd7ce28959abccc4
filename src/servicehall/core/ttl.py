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
MAX_BACKOFF_S = 60.0  # a failing refresh is tried again at least this often
log = logging.getLogger(__name__)


class TTLCache(Generic[T]):
    _all: weakref.WeakSet[TTLCache] = weakref.WeakSet()

    def __init__(self, seconds: float, *, max_stale: float | None = None) -> None:
        """`max_stale` (with `get(stale_ok=True)`): how long past its expiry a value may still
        be served while background refreshes keep failing; after that the caller computes."""
        self.seconds = seconds
        self.max_stale = max_stale
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by forget(): what was computed before is not kept
        self._refreshing: dict[Hashable, threading.Thread] = {}
        self._failures: dict[Hashable, tuple[int, float]] = {}  # key -> (in a row, next try)
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
        makes the next call compute afresh, and a value computed across a forget() is used
        but not remembered."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        if hit is not None and stale_ok:
            if self.max_stale is None or now - hit[0] < self.max_stale:
                self._refresh_in_background(key, compute, now)
                return hit[1]
            log.error("%r is %.0f s past its expiry: computing it in the caller", key, now - hit[0])
        generation = self._generation
        value = compute()
        self._store(key, value, generation)
        return value

    def refresh(self, key: Hashable, compute: Callable[[], T | None]) -> None:
        """Compute `key` again in the background now, though it has not expired (the caller
        learnt that what it was computed from changed); the current value serves meanwhile."""
        self._refresh_in_background(key, compute, time.monotonic())

    def _store(self, key: Hashable, value: T | None, generation: int) -> None:
        if value is None:
            return
        with self._lock:
            if generation == self._generation:
                self._entries[key] = (time.monotonic() + self.seconds, value)
                self._failures.pop(key, None)

    def _refresh_in_background(
        self, key: Hashable, compute: Callable[[], T | None], now: float
    ) -> None:
        with self._lock:
            failed = self._failures.get(key)
            if key in self._refreshing or (failed is not None and now < failed[1]):
                return  # one refresh at a time; after a failure, wait before the next
            thread = threading.Thread(
                target=self._refresh, args=(key, compute, self._generation), daemon=True
            )
            self._refreshing[key] = thread
        try:
            thread.start()
        except RuntimeError:  # no thread to be had (interpreter shutting down, limits)
            with self._lock:
                self._refreshing.pop(key, None)
            log.exception("could not start refreshing %r", key)

    def _refresh(self, key: Hashable, compute: Callable[[], T | None], generation: int) -> None:
        try:
            self._store(key, compute(), generation)
        except Exception:  # the stale value stays; retried after a growing pause
            with self._lock:
                count = self._failures.get(key, (0, 0.0))[0] + 1
                pause = min(2.0**count, MAX_BACKOFF_S, self.seconds)
                self._failures[key] = (count, time.monotonic() + pause)
            log.exception("refreshing %r in the background failed (%d in a row)", key, count)
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
                self._failures.clear()
            else:
                self._entries.pop(key, None)
                self._failures.pop(key, None)
