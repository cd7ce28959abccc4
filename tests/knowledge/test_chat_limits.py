"""V2 under attack: verification texts and conversations on demand, from anyone. Codes go only to
lines on file, without telling who is a customer; numbers, conversations and client addresses
each have a limit (knowledge/chat.py, README "Limits")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from servicehall.core.models import SmsMessage
from servicehall.knowledge.models import Conversation
from tests import factories

pytestmark = pytest.mark.django_db

CUSTOMER = "13900000020"
STRANGER = "13500000099"  # a well-formed number nobody has on file


def start(c: Client) -> str:
    r = c.post("/api/chat/conversations", {"channel": "web"}, content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()["token"]


def send(c: Client, token: str, phone: str):
    return c.post(
        f"/api/chat/conversations/{token}/verify", {"phone": phone}, content_type="application/json"
    )


def later(token: str) -> None:
    """The conversation's last code was sent two minutes ago (its one-a-minute wait is over)."""
    Conversation.objects.filter(token=token).update(
        code_sent_at=timezone.now() - timedelta(minutes=2)
    )


@pytest.fixture
def customer(db):
    return factories.make_customer(phone=CUSTOMER)


def test_v2_thirty_requests_for_one_number_text_it_once(customer):
    """The issue's attack: 30 codes to one number in a moment, each from a new conversation
    (and a new address): one text goes out, the rest are 429 with Retry-After."""
    answers = []
    for i in range(30):
        c = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")
        answers.append(send(c, start(c), CUSTOMER))
    assert answers[0].status_code == 202
    assert [r.status_code for r in answers[1:]] == [429] * 29
    refused = answers[1].json()
    assert refused["code"] == "rate_limited" and refused["field"] == "phone"
    assert 1 <= int(answers[1]["Retry-After"]) <= 60 and refused["retry_after"] >= 1
    assert "后再试" in refused["message"] and "try again in" in refused["message_en"]
    assert SmsMessage.objects.filter(to=CUSTOMER, purpose="chat_verify").count() == 1


def test_v2_a_number_not_on_file_gets_the_same_answer_and_no_text(customer):
    c = Client()
    to_customer = send(c, start(c), CUSTOMER)
    token = start(c)
    to_stranger = send(c, token, STRANGER)
    assert to_stranger.status_code == to_customer.status_code == 202
    assert to_stranger.json()["message"] == to_customer.json()["message"]
    assert to_stranger.json()["phone"] == "135****0099"
    assert not SmsMessage.objects.filter(to=STRANGER).exists()
    # the page asks for the code as for anyone; no code matches
    wrong = c.post(
        f"/api/chat/conversations/{token}/verify/confirm",
        {"code": "123456"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_code"
    assert Conversation.objects.get(token=token).phone == ""
    # and the limits are the same: asking again at once is refused alike
    assert send(c, start(c), STRANGER).status_code == 429


def test_v2_five_codes_an_hour_per_number():
    factories.make_customer(phone=CUSTOMER)
    with override_settings(RATE_LIMITS={"chat.code.number": None}):  # the minute apart
        codes = [send(c, start(c), CUSTOMER).status_code for c in [Client()] * 6]
    assert codes == [202] * 5 + [429]
    assert SmsMessage.objects.filter(to=CUSTOMER).count() == 5


def test_v2_three_codes_per_conversation():
    c = Client()
    token = start(c)
    numbers = [f"1390000100{i}" for i in range(4)]
    for n in numbers:
        factories.make_customer(phone=n)
    answers = []
    for n in numbers:
        answers.append(send(c, token, n))
        later(token)
    assert [r.status_code for r in answers] == [202, 202, 202, 429]
    assert answers[3].json()["code"] == "rate_limited"
    assert "本次对话获取验证码过于频繁" in answers[3].json()["message"]
    assert SmsMessage.objects.count() == 3


def test_v2_twenty_codes_an_hour_per_client_address():
    c = Client(REMOTE_ADDR="10.1.1.1")
    answers = [send(c, start(c), f"135000{i:05d}") for i in range(21)]
    assert [r.status_code for r in answers] == [202] * 20 + [429]
    other = Client(REMOTE_ADDR="10.1.1.2")
    assert send(other, start(other), "13500000021").status_code == 202


def test_v2_thirty_conversations_an_hour_per_client_address():
    c = Client(REMOTE_ADDR="10.2.2.2")
    for _ in range(30):
        start(c)
    r = c.post("/api/chat/conversations", content_type="application/json")
    assert r.status_code == 429 and int(r["Retry-After"]) > 3000
    assert Conversation.objects.count() == 30
    page = c.get("/chat/")  # the page says it in words, in Chinese by default
    assert page.status_code == 429 and "发起对话过于频繁，请60分钟后再试" in page.content.decode()
    assert Client(REMOTE_ADDR="10.2.2.3").get("/chat/").status_code == 302


def test_v2_the_counters_hold_no_phone_number():
    """The probe found `…:13900000001` in clear in Redis keys: what a limit counts (a number, a
    username, an address) is kept as a keyed hash, in Redis and in the counters table alike."""
    from servicehall.core import ratelimit

    key = ratelimit._subject("13900000001")
    assert "13900000001" not in key and len(key) == 32
    assert key == ratelimit._subject("13900000001") != ratelimit._subject("13900000002")
