"""L5, V2: a NUL character (\\x00) anywhere in a request's text — path, query, form, JSON,
cookie, header — is refused once, in one place (web.middleware.RequestGuardMiddleware), before
a database sees it: 422 with the error body on the API, the 400 page in the house style on
pages. On PostgreSQL a NUL reaching a query was a server error (500), four of them on routes
anyone can reach without signing in. And a body larger than allowed is refused from its
Content-Length (413) before anything reads it. Run on SQLite and on PostgreSQL."""

import json

import pytest
from django.test import Client

from servicehall.knowledge.models import Conversation
from servicehall.queueing import services as queue
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def refused_json(r, field=None):
    assert r.status_code == 422, (r.status_code, r.content[:300])
    body = r.json()
    assert body["code"] == "invalid_character"
    assert "NUL" in body["message"] and "NUL" in body["message_en"]
    if field is not None:
        assert body["field"] == field
    return body


def refused_page(r):
    assert r.status_code == 400, (r.status_code, r.content[:300])
    page = r.content.decode()
    assert 'id="dead-end"' in page and "无法处理此请求" in page  # the house style, in Chinese
    assert "输入中含有不允许的控制字符（NUL）" in page and "invalid_character" not in page
    return page


@pytest.fixture
def conversation():
    r = Client().post("/api/chat/conversations", {}, content_type="application/json")
    return r.json()["token"]


def test_l5_public_routes_refuse_a_nul_without_sign_in(hall, conversation):
    anyone = Client()
    before = Conversation.objects.count()
    # chat: start a conversation (JSON), send a message (JSON), read one (path)
    r = anyone.post(
        "/api/chat/conversations", '{"channel": "web\\u0000"}', content_type="application/json"
    )
    refused_json(r, "channel")
    r = anyone.post(
        f"/api/chat/conversations/{conversation}/messages",
        json.dumps({"text": "宽带\x00多少钱"}),
        content_type="application/json",
    )
    refused_json(r, "text")
    refused_json(anyone.get(f"/api/chat/conversations/{conversation}\x00"), "path")
    assert Conversation.objects.count() == before
    assert not Conversation.objects.get(token=conversation).messages.exists()
    # the chat page's form, the survey's and the customer's ticket page (paths with tokens)
    refused_page(anyone.post(f"/chat/{conversation}/", {"text": "你好\x00"}))
    refused_page(anyone.get("/s/abc\x00def"))
    refused_page(anyone.post("/s/abc\x00def", {"resolved": "yes", "overall": "5"}))
    refused_page(anyone.get("/t/abc\x00def/"))
    refused_page(anyone.get(f"/kiosk/{hall.code}/", {"phone": "139\x00"}))
    assert not Conversation.objects.get(token=conversation).messages.exists()


def test_l5_a_customers_ticket_page_still_works_and_refuses_a_nul_in_its_token(hall):
    device = factories.make_staff("device", hall)
    ticket = queue.issue_ticket(device, hall, "consult")
    assert Client().get(f"/t/{ticket.token}/").status_code == 200
    refused_page(Client().get(f"/t/{ticket.token}\x00/"))
    refused_page(Client().post(f"/t/{ticket.token}\x00/cancel", {}))
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_l5_staff_routes_refuse_a_nul_in_query_form_json_and_cookie(hall, clerk, api_as):
    care = factories.make_staff("care_desk", hall)
    c = client_for(care)
    refused_page(c.get("/cases/", {"q": "宽带\x00"}))
    refused_page(c.post("/cases/new", {"subject": "光猫\x00红灯", "kind": "consultation"}))
    r = c.post(
        "/api/cases",
        json.dumps({"kind": "consultation", "subject": "x", "description": "a\x00b"}),
        content_type="application/json",
    )
    refused_json(r, "description")
    r = c.post(
        "/api/cases",
        '{"kind": "consultation", "data": {"notes": ["ok", "\\u0000"]}}',
        content_type="application/json",
    )
    refused_json(r, "data.notes.1")
    refused_json(c.get("/api/knowledge/search", {"q": "停机\x00"}), "q")
    refused_json(c.get("/api/cases", {"q\x00": "1"}), "query")
    # a form post as the multipart body the browser sends
    refused_page(c.post("/workbench/call-number", {"number": "A\x00001"}))
    # a cookie: the session key would be looked up in the database
    stranger = Client()
    stranger.cookies["sessionid"] = "abcdefgh\x00ijkl"
    refused_page(stranger.get("/cases/"))
    refused_json(stranger.get("/api/cases"), "cookie")
    # a header
    refused_json(api_as(clerk).c.get("/api/cases", HTTP_X_NOTE="a\x00"), "header")
    # what is not a NUL passes: the escaped text "\\u0000" is six characters, not a NUL
    r = api_as(None).c.post(
        "/api/chat/conversations", '{"channel": "web\\\\u0000"}', content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_choice"


def test_l5_english_page_and_no_database_touched_for_a_refused_request(hall, care_page):
    c, user = care_page
    c.cookies["django_language"] = "en"
    r = c.get("/cases/", {"q": "\x00"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "The request cannot be handled" in page
    assert "The input contains a character that is not allowed (NUL)" in page


@pytest.fixture
def care_page(hall):
    user = factories.make_staff("care_desk", hall)
    return client_for(user), user


def test_v4_a_body_over_the_limit_is_refused_from_its_content_length(hall, care_page):
    """A 150 MB upload is refused before a byte of it is read: the test claims the length
    (what a client sends first) and sends almost nothing — were the body read, the request
    would fail on the missing bytes, not answer 413 with the limit in words."""
    c, _ = care_page
    claimed = str(150 * 1024 * 1024)
    boundary = "BoUnDaRy"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'.encode()
    r = c.generic(
        "POST",
        "/imports/bills/upload",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=claimed,
    )
    assert r.status_code == 413
    page = r.content.decode()
    assert "文件过大：最大20MB（本文件150.0MB）" in page and 'id="dead-end"' in page
    r = c.generic(
        "POST",
        "/api/cases/bill-shock/import",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=claimed,
    )
    assert r.status_code == 413
    assert r.json() == {
        "code": "too_large",
        "message": "文件过大：最大20MB（本文件150.0MB）",
        "message_en": "The file is too large: at most 20 MB (this one is 150.0 MB)",
        "field": "file",
    }
    # a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE likewise
    r = c.generic(
        "POST", "/api/cases", b"{}", content_type="application/json", CONTENT_LENGTH="9000000"
    )
    assert r.status_code == 413 and r.json()["code"] == "too_large"
