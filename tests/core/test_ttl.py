"""The per-process memo: an expired value may keep serving while the next one is computed."""

import threading

from servicehall.core.ttl import TTLCache


def expire(cache, key):
    stamp, value = cache._entries[key]
    cache._entries[key] = (0.0, value)


def test_expired_value_is_recomputed_by_the_caller_by_default():
    cache = TTLCache(60)
    assert cache.get("k", lambda: 1) == 1
    expire(cache, "k")
    assert cache.get("k", lambda: 2) == 2


def test_stale_ok_serves_the_old_value_while_one_background_refresh_runs():
    cache = TTLCache(60)
    cache.get("k", lambda: "old")
    expire(cache, "k")
    release = threading.Event()
    calls = []

    def slow():
        calls.append(1)
        release.wait(5)
        return "new"

    # callers during the rebuild are not kept waiting, and start no second rebuild
    assert cache.get("k", slow, stale_ok=True) == "old"
    assert cache.get("k", slow, stale_ok=True) == "old"
    release.set()
    cache.wait()
    assert calls == [1]
    assert cache.get("k", slow, stale_ok=True) == "new"


def test_a_forget_during_a_background_refresh_discards_what_it_computed():
    cache = TTLCache(60)
    cache.get("k", lambda: "old")
    expire(cache, "k")
    release = threading.Event()

    def slow():
        release.wait(5)
        return "computed before the change"

    cache.get("k", slow, stale_ok=True)
    cache.forget()  # the catalogue changed meanwhile
    release.set()
    cache.wait()
    assert cache.get("k", lambda: "fresh", stale_ok=True) == "fresh"


def test_without_a_value_stale_ok_computes_in_the_caller():
    cache = TTLCache(60)
    assert cache.get("k", lambda: "first", stale_ok=True) == "first"


def test_a_failed_background_refresh_keeps_the_old_value_and_waits_before_retrying():
    cache = TTLCache(60)
    cache.get("k", lambda: "old")
    expire(cache, "k")
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("database away")

    assert cache.get("k", broken, stale_ok=True) == "old"
    cache.wait()
    assert cache.get("k", broken, stale_ok=True) == "old"  # no retry at once: it backs off
    cache.wait()
    assert calls == [1]
    count, _next_try = cache._failures["k"]
    cache._failures["k"] = (count, 0.0)  # the pause is over
    assert cache.get("k", lambda: "again", stale_ok=True) == "old"  # retried in the background
    cache.wait()
    assert cache.get("k", lambda: "never") == "again" and "k" not in cache._failures


def test_stale_beyond_max_stale_is_computed_by_the_caller():
    cache = TTLCache(60, max_stale=300)
    cache.get("k", lambda: "old")
    stamp, value = cache._entries["k"]
    cache._entries["k"] = (stamp - 60 - 301, value)  # expired five minutes and more ago
    assert cache.get("k", lambda: "fresh", stale_ok=True) == "fresh"


def test_a_value_computed_across_a_forget_is_used_but_not_kept():
    cache = TTLCache(60)

    def racing():
        cache.forget()  # the catalogue changed while this was being computed
        return "from the old rows"

    assert cache.get("k", racing) == "from the old rows"
    assert cache.get("k", lambda: "fresh") == "fresh"


def test_a_refresh_thread_that_cannot_start_does_not_block_the_next(monkeypatch):
    cache = TTLCache(60)
    cache.get("k", lambda: "old")
    expire(cache, "k")

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    with monkeypatch.context() as m:
        m.setattr(threading.Thread, "start", no_thread)
        assert cache.get("k", lambda: "new", stale_ok=True) == "old"
    assert cache.get("k", lambda: "new", stale_ok=True) == "old"  # tried again
    cache.wait()
    assert cache.get("k", lambda: "never") == "new"
