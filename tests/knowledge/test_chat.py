"""K2 + C8: the assistant in a conversation, through the public API, and the hand-over."""

import pytest
from django.test import Client

from servicehall.cases.models import Case
from servicehall.catalog import triples
from servicehall.knowledge.models import Conversation
from tests import factories
from tests.knowledge.kb_fixture import SYNONYMS, TRIPLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(hall):
    """Our small graph, the online channel account and the front desk chats are handed to."""
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    factories.make_staff("channel", hall, username="online")
    factories.make_desk("front", hall, lead=factories.make_staff("hall_manager", hall))


def start(client) -> str:
    r = client.post("/api/chat/conversations", {"channel": "web"}, content_type="application/json")
    assert r.status_code == 201
    return r.json()["token"]


def say(client, token, text):
    return client.post(
        f"/api/chat/conversations/{token}/messages", {"text": text}, content_type="application/json"
    )


def test_k2_answers_a_plan_question_with_value_and_unit(kb):
    c = Client()
    token = start(c)
    r = say(c, token, "20元的畅游包有多少流量？")
    body = r.json()
    assert r.status_code == 200 and body["kind"] == "answer"
    assert body["product"] == "畅游流量包" and body["values"] == ["10240"]
    assert "10GB" in body["text"]
    r = say(c, token, "畅游流量包年包怎么开通，多少钱")
    assert "营业厅办理" in r.json()["text"] and "200元" in r.json()["text"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "polite"),
        ("嗯" * 600, "polite"),
        ("what is the price", "polite"),
        ("啊啊啊哦哦哦", "clarify"),
        ("你好", "polite"),
        ("我要转人工", "handover"),
    ],
)
def test_k2_bad_or_odd_input_gets_a_polite_reply_never_an_error(kb, text, kind):
    c = Client()
    r = say(c, start(c), text)
    assert r.status_code == 200
    assert r.json()["kind"] == kind
    assert r.json()["text"]


def test_k2_unknown_conversation_and_bad_body_are_clear_4xx(kb):
    c = Client()
    r = say(c, "nope", "你好")
    assert r.status_code == 404 and r.json()["field"] == "token"
    r = c.post(f"/api/chat/conversations/{start(c)}/messages", {}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "text"
    r = c.post("/api/chat/conversations", {"channel": "fax"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "channel"


def test_c8_handover_opens_one_case_at_the_chat_desk_with_the_conversation(kb):
    c = Client()
    token = start(c)
    say(c, token, "悦听彩铃多少钱")
    say(c, token, "我要人工")
    r = c.post(
        f"/api/chat/conversations/{token}/handover",
        {"phone": "13900000020"},
        content_type="application/json",
    )
    assert r.status_code == 201
    number = r.json()["case_number"]
    case = Case.objects.get(number=number)
    assert case.desk.code == "front" and case.channel == "web" and case.kind == "consultation"
    assert "悦听彩铃多少钱" in case.description and "5元" in case.description
    assert case.first_responded_at is None  # a person has yet to answer: the 30 s SLA runs
    again = c.post(f"/api/chat/conversations/{token}/handover", content_type="application/json")
    assert again.json()["case_number"] == number
    assert Case.objects.filter(data__conversation=token).count() == 1
    assert Conversation.objects.get(token=token).case_number == number


def test_k2_chat_page_asks_and_hands_over_without_javascript(kb):
    c = Client()
    page = c.get("/chat/", follow=True)
    assert page.status_code == 200
    url = page.redirect_chain[-1][0]
    page = c.post(url, {"text": "畅游流量包最便宜的多少钱"}, follow=True)
    assert "10元" in page.content.decode()
    page = c.post(url, {"handover": "1", "phone": ""}, follow=True)
    assert 'id="chat-handed-over"' in page.content.decode()
    assert c.get("/chat/unknown/").status_code == 404
