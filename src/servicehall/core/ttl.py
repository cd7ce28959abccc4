"""A small per-process memo with expiry, for read-mostly facts that many requests a second ask
for: who a token belongs to, a year's holidays, which counters of a hall are open. Each entry
lives `seconds`; `forget()` drops entries at once when this process changes what they
remember. Other processes see a change within `seconds` — every user of this class says why
that is acceptable for what it caches."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class TTLCache(Generic[T]):
    _all: weakref.WeakSet[TTLCache] = weakref.WeakSet()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        TTLCache._all.add(self)

    @classmethod
    def forget_everywhere(cls) -> None:
        """Empty every cache of the process (tests start each from a clean slate)."""
        for cache in list(cls._all):
            cache.forget()

    def get(self, key: Hashable, compute: Callable[[], T | None]) -> T | None:
        """The remembered value, or compute() remembered (None is not remembered)."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        if value is not None:
            with self._lock:
                self._entries[key] = (now + self.seconds, value)
        return value

    def forget(self, key: Hashable | None = None, **_signal_kwargs) -> None:
        """Drop one key, or everything (usable as a signal receiver)."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)
