"""Rate limits (docs/ARCHITECTURE.md, README "Limits"): one counter per (scope, subject) — a
phone number, a conversation, a client address, a username — counting hits in a window that
opens at the first hit and lasts `seconds`. Beyond `count` hits in the window the caller is
refused with a `RateLimited` (429, `rate_limited`) saying in both languages how long to wait;
the API also sends the `Retry-After` header.

Where the counts live: Redis (one Lua script: INCR and EXPIRE at once) when REDIS_URL is set,
so every web process shares them; else the `core.RateCounter` table (one atomic
`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on SQLite and PostgreSQL alike). Either way two
requests racing for the last place never both get it (tests/core/test_ratelimit.py: 20 threads).
If Redis is configured but away, the database counts instead: a limit never fails open.

A limit with `lock` (sign-in failures) holds the subject for `lock` seconds from the hit that
reached the count, however early in the window that was.

Counts are not part of the caller's transaction: call `hit` outside `write_transaction()` so a
refusal later in the request does not roll the count back.

Settings: `RATE_LIMITS` (Django setting or the env `SERVICEHALL_RATE_LIMITS`,
"scope=count/seconds,scope=off") overrides the shipped numbers per scope — a load test turns
`queue.device` off, an operator behind a carrier-grade NAT may raise `chat.start.address`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import random
import time
from dataclasses import dataclass, replace
from functools import cache

from django.conf import settings
from django.db import connection

from .db import write_transaction
from .errors import Code, RateLimited

log = logging.getLogger("servicehall.ratelimit")
REDIS_PREFIX = "servicehall:rl:"


@dataclass(frozen=True)
class Limit:
    scope: str  # what is counted, e.g. "chat.code.number"
    count: int  # hits allowed in a window
    seconds: int  # the window, from its first hit
    what_zh: str  # what was done too often, for the message: "获取验证码"; or the whole
    # message with "{wait}" where the time goes: "密码连续输错5次，请{wait}后再试"
    what_en: str  # "codes requested"; or "… try again in {wait}"
    lock: int = 0  # seconds the subject stays refused from the hit that reached `count`
    field: str | None = None  # the field the refusal names (the phone, the username…)


def _overrides() -> dict[str, tuple[int, int] | None]:
    raw = getattr(settings, "RATE_LIMITS", None)
    if raw is not None:
        return raw
    out: dict[str, tuple[int, int] | None] = {}
    for part in os.environ.get("SERVICEHALL_RATE_LIMITS", "").split(","):
        scope, _, value = part.strip().partition("=")
        if not scope:
            continue
        if value.strip() == "off":
            out[scope] = None
        else:
            n, _, s = value.partition("/")
            out[scope] = (int(n), int(s))
    return out


def effective(limit: Limit) -> Limit | None:
    """The limit as configured here: the shipped one, another count/window, or None (off)."""
    overrides = _overrides()
    if limit.scope not in overrides:
        return limit
    value = overrides[limit.scope]
    if value is None:
        return None
    return replace(limit, count=value[0], seconds=value[1])


def _wait_words(seconds: int) -> tuple[str, str]:
    if seconds < 60:
        return f"{seconds}秒", f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)  # rounded up: never tell someone to come back too early
    return f"{minutes}分钟", f"{minutes} minute{'s' if minutes != 1 else ''}"


def refusal(limit: Limit, retry_after: int) -> RateLimited:
    zh, en = _wait_words(max(1, int(retry_after)))
    if "{wait}" in limit.what_zh:
        message_zh, message_en = limit.what_zh.format(wait=zh), limit.what_en.format(wait=en)
    else:
        message_zh = f"{limit.what_zh}过于频繁，请{zh}后再试"
        message_en = f"Too many {limit.what_en}; try again in {en}"
    return RateLimited(
        Code.RATE_LIMITED,
        message_zh,
        message_en,
        retry_after=retry_after,
        field=limit.field,
    )


def _subject(subject: str) -> str:
    """What is counted is a phone number, a username, an address: stored as a keyed hash, so
    neither Redis nor the counters table holds the numbers themselves (V2)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), str(subject).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


# ------------------------------------------------------------------ Redis

_HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if tonumber(ARGV[2]) > 0 and n == tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {n, redis.call('TTL', KEYS[1])}
"""


@cache
def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return client, client.register_script(_HIT_SCRIPT)


def _key(limit: Limit, subject: str) -> str:
    return f"{REDIS_PREFIX}{limit.scope}:{_subject(subject)}"


# ------------------------------------------------------------------ database

_UPSERT = """
INSERT INTO {table} (scope, subject, count, window_end) VALUES (%s, %s, 1, %s)
ON CONFLICT (scope, subject) DO UPDATE SET
  count = CASE WHEN {table}.window_end <= %s THEN 1 ELSE {table}.count + 1 END,
  window_end = CASE
    WHEN {table}.window_end <= %s THEN %s
    WHEN %s > 0 AND {table}.count + 1 = %s THEN %s
    ELSE {table}.window_end END
RETURNING count, window_end
"""


def _table() -> str:
    from .models import RateCounter

    return connection.ops.quote_name(RateCounter._meta.db_table)


def _db_hit(limit: Limit, subject: str) -> tuple[int, int]:
    now = int(time.time())
    end = now + limit.seconds
    with write_transaction(), connection.cursor() as cursor:
        cursor.execute(
            _UPSERT.format(table=_table()),
            [
                limit.scope,
                _subject(subject),
                end,
                now,
                now,
                end,
                limit.lock,
                limit.count,
                now + limit.lock,
            ],
        )
        count, window_end = cursor.fetchone()
        if random.random() < 0.01:  # now and then, forget the windows that have ended
            cursor.execute(f"DELETE FROM {_table()} WHERE window_end < %s", [now - 60])
    return count, max(1, window_end - now)


def _db_peek(limit: Limit, subject: str) -> tuple[int, int]:
    from .models import RateCounter

    now = int(time.time())
    row = (
        RateCounter.objects.filter(scope=limit.scope, subject=_subject(subject), window_end__gt=now)
        .values_list("count", "window_end")
        .first()
    )
    return (row[0], row[1] - now) if row else (0, 0)


# ------------------------------------------------------------------ the calls


def _count(limit: Limit, subject: str, *, add: bool) -> tuple[int, int]:
    """(hits in the current window, seconds until it ends), counting one more when `add`."""
    if settings.REDIS_URL:
        try:
            client, script = _redis()
            if add:
                n, ttl = script(
                    keys=[_key(limit, subject)], args=[limit.seconds, limit.lock, limit.count]
                )
                return int(n), max(1, int(ttl))
            key = _key(limit, subject)
            pipe = client.pipeline()
            pipe.get(key)
            pipe.ttl(key)
            value, ttl = pipe.execute()
            return (int(value), max(1, int(ttl))) if value is not None else (0, 0)
        except Exception:  # Redis away: the database counts rather than nobody
            log.warning("rate limit %s counted in the database: Redis failed", limit.scope)
    return _db_hit(limit, subject) if add else _db_peek(limit, subject)


def hit(limit: Limit, subject: str) -> int:
    """Count one hit for `subject`; refuse (RateLimited) beyond the limit. Returns the count."""
    limit = effective(limit)
    if limit is None:
        return 0
    count, retry_after = _count(limit, subject, add=True)
    if count > limit.count:
        raise refusal(limit, retry_after)
    return count


def check(limit: Limit, subject: str) -> None:
    """Refuse (RateLimited) while `subject` has used up its limit; counts nothing."""
    limit = effective(limit)
    if limit is None:
        return
    count, retry_after = _count(limit, subject, add=False)
    if count >= limit.count:
        raise refusal(limit, retry_after)


def reset(limit: Limit, subject: str) -> None:
    """Forget `subject`'s count (a successful sign-in clears the failures of that username)."""
    from .models import RateCounter

    if settings.REDIS_URL:
        try:
            _redis()[0].delete(_key(limit, subject))
        except Exception:
            log.warning("rate limit %s not reset in Redis", limit.scope)
    if RateCounter.objects.filter(scope=limit.scope, subject=_subject(subject)).exists():
        with write_transaction():
            RateCounter.objects.filter(scope=limit.scope, subject=_subject(subject)).delete()


def forget_redis() -> None:
    """Every count kept in Redis (a rolled-back test leaves its database counts behind it, not
    these: the suite starts each test from none)."""
    if settings.REDIS_URL:
        client = _redis()[0]
        keys = list(client.scan_iter(REDIS_PREFIX + "*", count=1000))
        if keys:
            client.delete(*keys)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR. Behind a reverse proxy, `servicehall serve` lets
    uvicorn take it from X-Forwarded-For only for the proxies in SERVICEHALL_TRUSTED_PROXIES,
    so a client cannot choose its own address by sending the header."""
    return request.META.get("REMOTE_ADDR") or "unknown"
