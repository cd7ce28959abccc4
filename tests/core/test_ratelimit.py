"""The one rate limiter (core/ratelimit.py): exact under races, on Redis and on the database,
and a refusal that says how long to wait."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import override_settings

from servicehall.core import ratelimit
from servicehall.core.errors import RateLimited
from servicehall.core.models import RateCounter

LIMIT = ratelimit.Limit("test.race", 7, 60, "测试操作", "test actions", field="phone")


@pytest.fixture(params=["configured", "database"])
def store(request, settings):
    """The store this run is configured with (Redis where REDIS_URL is set), and the database
    whatever the run."""
    if request.param == "database":
        if not settings.REDIS_URL:
            pytest.skip("this run already counts in the database")
        settings.REDIS_URL = None
    return request.param


@pytest.mark.django_db(transaction=True)
def test_v2_twenty_racing_clients_get_exactly_the_limit(store):
    passed, refused, errors = [], [], []
    start = threading.Barrier(20)

    def client():
        try:
            start.wait()
            ratelimit.hit(LIMIT, "13900000020")
            passed.append(1)
        except RateLimited as exc:
            refused.append(exc)
        except Exception as exc:  # a crash must fail the test, not vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(passed) == 7 and len(refused) == 13
    assert all(e.status == 429 and 1 <= e.retry_after <= 60 for e in refused)
    # another subject has its own count
    assert ratelimit.hit(LIMIT, "13900000021") == 1


@pytest.mark.django_db
def test_v2_refusal_says_how_long_to_wait_in_both_languages_and_the_window_ends(store):
    short = ratelimit.Limit("test.short", 2, 1, "获取验证码", "codes requested", field="phone")
    ratelimit.hit(short, "a")
    ratelimit.hit(short, "a")
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(short, "a")
    body = refused.value.as_dict()
    assert body["code"] == "rate_limited" and body["field"] == "phone"
    assert body["retry_after"] == 1
    assert body["message"] == "获取验证码过于频繁，请1秒后再试"
    assert body["message_en"] == "Too many codes requested; try again in 1 second"
    time.sleep(2.1)  # the window (from its first hit) has ended: counting starts again
    assert ratelimit.hit(short, "a") == 1


@pytest.mark.django_db
def test_l5_a_lock_holds_its_full_time_from_the_hit_that_reached_the_count(store):
    locking = ratelimit.Limit("test.lock", 3, 2, "登录失败", "failed sign-ins", lock=900)
    for _ in range(3):
        ratelimit.hit(locking, "wangfang")
    with pytest.raises(RateLimited) as held:
        ratelimit.check(locking, "wangfang")
    assert 890 <= held.value.retry_after <= 900
    assert "15分钟" in held.value.zh and "15 minutes" in held.value.en
    time.sleep(2.1)  # past the 2-second window: still locked
    with pytest.raises(RateLimited):
        ratelimit.check(locking, "wangfang")
    ratelimit.reset(locking, "wangfang")
    ratelimit.check(locking, "wangfang")


@pytest.mark.django_db
def test_v2_redis_away_still_limits_through_the_database(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    ratelimit._redis.cache_clear()
    try:
        for _ in range(7):
            ratelimit.hit(LIMIT, "x")
        with pytest.raises(RateLimited):
            ratelimit.hit(LIMIT, "x")
        assert (
            RateCounter.objects.get(scope="test.race", subject=ratelimit._subject("x")).count == 8
        )
    finally:
        ratelimit._redis.cache_clear()


@pytest.mark.django_db
def test_v2_a_deployment_may_change_or_switch_off_a_limit(monkeypatch):
    with override_settings(RATE_LIMITS={"test.race": None}):
        for _ in range(10):
            ratelimit.hit(LIMIT, "y")
    monkeypatch.setenv("SERVICEHALL_RATE_LIMITS", "test.race=1/60, other=off")
    ratelimit.hit(LIMIT, "z")
    with pytest.raises(RateLimited):
        ratelimit.hit(LIMIT, "z")
