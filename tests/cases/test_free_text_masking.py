"""V2: numbers a customer types are masked where clerks read them. A chat handed over with
"我的号码 13912345678 身份证 110101199003071234" shows masked on the case page, the case list,
the API and the admin; a role that may see them reveals the original through the audited
reveal (the same audit row and limit as a customer's), for that response only."""

import pytest
from django.test import Client

from servicehall.cases import services
from servicehall.cases.models import Case
from servicehall.core.masking import mask_free_text
from servicehall.core.models import AuditLog
from servicehall.knowledge import chat
from tests.factories import make_desk, make_staff

pytestmark = pytest.mark.django_db

TYPED = "我的号码 13912345678 身份证 110101199003071234"
RAW = ("13912345678", "110101199003071234")
MASKED = ("139****5678", "110***********1234")


def test_mask_free_text_shapes():
    assert mask_free_text(TYPED) == "我的号码 139****5678 身份证 110***********1234"
    assert (
        mask_free_text("回电 139 1234 5678 或 139-1234-5678") == "回电 139****5678 或 139****5678"
    )
    assert mask_free_text("+86 13912345678，证件 11010119900307123x") == (
        "139****5678，证件 110***********123X"
    )
    # not personal numbers: a longer digit run, an amount, a short number
    for text in ("订单号 202412010000123456789", "话费 138.50 元", "10086", ""):
        assert mask_free_text(text) == text


@pytest.fixture
def handed_over(hall):
    """The customer typed their numbers in the chat, asked for a person, and wrote more."""
    make_staff("channel", hall, username="online")
    clerk = make_staff("clerk", hall)
    make_desk("front", hall, lead=clerk, members=[clerk])
    conversation = chat.start("web")
    conversation.messages.create(sender="customer", text=TYPED)
    case = services.open_from_chat(conversation.token)
    services.say(conversation.token, "补充：也可以打 139 8765 4321")
    return Case.objects.get(pk=case.pk), clerk


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_v2_chat_numbers_are_masked_for_the_clerk(handed_over):
    case, clerk = handed_over
    c = client(clerk)
    for url in (f"/cases/{case.pk}/", "/cases/?scope=desk", f"/api/cases/{case.pk}", "/api/cases"):
        body = c.get(url).content.decode()
        assert not [raw for raw in (*RAW, "13987654321", "139 8765 4321") if raw in body], url
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert MASKED[0] in page and MASKED[1] in page and "139****4321" in page
    assert 'id="case-masked"' in page and 'id="case-reveal"' not in page  # a clerk may not
    r = c.post(f"/cases/{case.pk}/reveal", {"reason": "核实客户身份"})
    assert r.status_code == 403  # the page is not for this role at all (web.access.page)
    assert not [raw for raw in RAW if raw in r.content.decode()]
    api = c.post(
        f"/api/cases/{case.pk}/reveal", {"reason": "核实客户身份"}, content_type="application/json"
    )
    assert api.status_code == 403
    assert not AuditLog.objects.exists()


def test_v2_reveal_of_a_case_text_is_audited(handed_over, hall):
    case, _clerk = handed_over
    desk = make_staff("complaint_desk", hall)  # sees every case of the hall? give it the case
    Case.objects.filter(pk=case.pk).update(owner=desk, handler=desk)
    c = client(desk)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-reveal"' in page and RAW[0] not in page
    assert c.post(f"/cases/{case.pk}/reveal", {"reason": "."}).status_code == 422
    r = c.post(f"/cases/{case.pk}/reveal", {"reason": "投诉回电核实"})
    body = r.content.decode()
    assert r.status_code == 200 and RAW[0] in body and RAW[1] in body and "13987654321" not in body
    assert "139 8765 4321" in body and 'id="revealed-note"' in body
    log = AuditLog.objects.get()
    assert (log.actor, log.action, log.object_type, log.object_id, log.reason) == (
        desk,
        "pii.view",
        "case",
        case.number,
        "投诉回电核实",
    )
    assert RAW[0] not in c.get(f"/cases/{case.pk}/").content.decode()  # masked again
    api = c.post(
        f"/api/cases/{case.pk}/reveal", {"reason": "投诉回电核实"}, content_type="application/json"
    )
    assert api.status_code == 200 and RAW[0] in api.json()["description"]
    assert api.json()["unmasked"] is True and AuditLog.objects.count() == 2


def test_v2_case_search_cannot_rebuild_a_typed_number(handed_over):
    """Searching the texts for parts of a number would tell, digit by digit, what the page
    masks: digit runs find nothing; words still do."""
    case, clerk = handed_over
    c = client(clerk)
    for probe in ("13912", "1391234", "139 12", "0307123", "1101011990"):
        assert c.get("/api/cases", {"scope": "all", "q": probe}).json() == [], probe
        assert case.number not in c.get("/cases/", {"scope": "all", "q": probe}).content.decode()
    found = c.get("/api/cases", {"scope": "all", "q": "身份证"}).json()
    assert [row["id"] for row in found] == [case.pk]
