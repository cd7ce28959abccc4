"""The live streams are bounded, because some are public (a chat's, its token the key): a
capped number open per channel and per process (then a clear 429), and none open for ever —
the browser reconnects by itself. Through Redis, every stream of a process shares one
subscription instead of a connection each."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient, Client

from servicehall.core.events import bus
from servicehall.web import streams

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    r = Client().post(
        "/api/chat/conversations", {"channel": "web"}, content_type="application/json"
    )
    return r.json()["token"]


async def _next_event(chunks):
    """The next event of a stream, keepalives skipped."""
    while (chunk := (await anext(chunks)).decode()).startswith(": keepalive"):
        pass
    return chunk


async def _open(url):
    r = await AsyncClient().get(url)
    if r.status_code != 200:
        return r, None
    first = (await anext(aiter(r.streaming_content))).decode()
    assert "event: ready" in first
    return r, first


def test_streams_per_channel_are_capped_with_a_clear_429(token, monkeypatch):
    monkeypatch.setattr(streams, "MAX_PER_CHANNEL", 2)
    monkeypatch.setattr(streams, "MAX_STREAM_S", 0.5)
    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.1)
    url = f"/chat/{token}/events"

    async def run():
        a, _ = await _open(url)
        b, _ = await _open(url)
        refused, _ = await _open(url)
        async for _chunk in a.streaming_content:  # a stream that ends frees its place
            pass
        c, _ = await _open(url)
        for r in (b, c):
            async for _chunk in r.streaming_content:
                pass
        return refused, c

    refused, again = async_to_sync(run)()
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_streams" and body["field"] == "events"
    assert "实时连接过多" in body["message"] and body["message_en"]
    assert again.status_code == 200
    # every stream that ended was counted out (other tests' streams may still be counted)
    assert streams._open[f"chat.{token}"] == 0


def test_a_stream_ends_after_its_lifetime_and_says_how_soon_to_reconnect(token, monkeypatch):
    monkeypatch.setattr(streams, "MAX_STREAM_S", 0.3)
    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.1)

    async def run():
        r = await AsyncClient().get(f"/chat/{token}/events")
        chunks = [c.decode() async for c in r.streaming_content]  # ends by itself
        return chunks

    chunks = async_to_sync(run)()
    assert chunks[0].startswith("retry: 2000")  # the browser comes back in 2 s
    assert 1 <= len(chunks) <= 6


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis bus needs REDIS_URL")
def test_through_redis_many_streams_share_one_subscription(token):
    import redis

    admin = redis.Redis.from_url(settings.REDIS_URL)

    def subscribers() -> int:  # connections subscribed to a channel or a pattern
        return sum(1 for c in admin.client_list() if int(c["sub"]) + int(c["psub"]) > 0)

    tokens = [
        Client().post("/api/chat/conversations", content_type="application/json").json()["token"]
        for _ in range(5)  # five pages of five chats
    ]

    async def run():
        before = subscribers()
        streams = [(await _open(f"/chat/{t}/events"))[0] for t in tokens]
        during = subscribers()
        bus().publish(f"chat.{token}", {"type": "message"})  # nobody of these listens there
        await asyncio.sleep(0.05)
        for r in streams:
            await r.streaming_content.aclose()
        return before, during

    before, during = async_to_sync(run)()
    assert during - before <= 1, (before, during)


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis bus needs REDIS_URL")
def test_through_redis_a_lost_subscription_comes_back_and_pages_catch_up(token, monkeypatch):
    """Redis restarted or the connection cut: the process subscribes again, each open stream
    gets `ready` (the page then fetches what it missed) and the events flow again."""
    import redis

    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)
    admin = redis.Redis.from_url(settings.REDIS_URL)

    async def run():
        r, _ = await _open(f"/chat/{token}/events")
        chunks = aiter(r.streaming_content)
        admin.client_kill_filter(_type="pubsub")  # cut every subscription
        caught_up = await asyncio.wait_for(_next_event(chunks), 10)
        bus().publish(f"chat.{token}", {"type": "message", "sender": "agent"})
        after = await asyncio.wait_for(_next_event(chunks), 10)
        await r.streaming_content.aclose()
        return caught_up, after

    caught_up, after = async_to_sync(run)()
    assert caught_up.startswith("event: ready")
    assert after.startswith("event: message") and '"sender": "agent"' in after


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis bus needs REDIS_URL")
def test_through_redis_a_subscription_gone_quiet_is_made_again(token, monkeypatch):
    """A connection that stops answering without closing (a proxy dropping it) is found out
    by its unanswered pings and made again; the pages then catch up (`ready`)."""
    import redis

    from servicehall.core.events import RedisBus

    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)
    monkeypatch.setattr(RedisBus, "PING_S", 0.2)
    admin = redis.Redis.from_url(settings.REDIS_URL)

    async def run():
        bus()._listeners.clear()  # a listener of its own, with the short ping
        r, _ = await _open(f"/chat/{token}/events")
        chunks = aiter(r.streaming_content)
        admin.execute_command("CLIENT", "PAUSE", "1500", "ALL")  # Redis goes quiet
        caught_up = await asyncio.wait_for(_next_event(chunks), 10)
        await r.streaming_content.aclose()
        return caught_up

    assert async_to_sync(run)().startswith("event: ready")


def test_a_stream_the_bus_cannot_serve_is_a_clear_503(token, monkeypatch):
    async def away():
        raise TimeoutError

    monkeypatch.setattr(bus(), "ready", away)
    public = streams._open["budget:public"]
    r = Client().get(f"/chat/{token}/events")
    assert r.status_code == 503 and r.json()["code"] == "events_unavailable"
    assert streams._open[f"chat.{token}"] == 0  # the refused stream holds no place
    assert streams._open["budget:public"] == public


def test_q4_a_stream_asked_for_while_redis_is_away_is_refused_at_once(token, monkeypatch):
    """Redis not there (a port nobody listens on): the stream is a 503 in words within a
    second — the first time and every time after — not a page left hanging."""
    import time

    from servicehall.core.events import RedisBus
    from servicehall.testing import free_port

    away = RedisBus(f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(streams, "bus", lambda: away)

    async def run():
        answers = []
        for _ in range(3):
            t = time.monotonic()
            r = await AsyncClient().get(f"/chat/{token}/events")
            answers.append((r.status_code, r.json()["code"], time.monotonic() - t))
        return answers

    answers = async_to_sync(run)()
    assert [(s, c) for s, c, _ in answers] == [(503, "events_unavailable")] * 3
    assert max(t for _, _, t in answers) < 1, answers
