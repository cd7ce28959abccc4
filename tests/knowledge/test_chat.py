"""K2 + C8: the assistant in a conversation, through the public API, and the hand-over."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from servicehall.cases.models import Case
from servicehall.catalog import triples
from servicehall.core.models import SmsMessage
from servicehall.customers.models import Bill
from servicehall.knowledge.models import Conversation, Message
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
        ("啊啊啊哦哦哦", "not_ours"),
        ("你好", "polite"),
        ("我要转人工", "handover"),
    ],
)
def test_k2_bad_or_odd_input_gets_a_polite_reply_never_an_error(kb, text, kind):
    c = Client()
    token = start(c)
    r = say(c, token, text)
    assert r.status_code == 200
    assert r.json()["kind"] == kind
    assert r.json()["text"]
    said = [m for m in c.get(f"/api/chat/conversations/{token}").json()["messages"]]
    assert all(m["text"].strip() for m in said)  # no empty bubble for nothing typed


def test_c8_the_transcript_handed_over_is_in_the_halls_time(handed_over):
    from django.utils import timezone

    _customer, token, case, _staff = handed_over
    sent = Conversation.objects.get(token=token).messages.first().created_at
    assert f"[{timezone.localtime(sent):%H:%M:%S}] 客户：悦听彩铃多少钱" in case.description


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
    r = c.post(
        f"/api/chat/conversations/{token}/handover",
        {"phone": "13900000020"},
        content_type="application/json",
    )
    assert r.status_code == 201
    number = r.json()["case_number"]
    case = Case.objects.get(number=number)
    assert case.contact_phone == "13900000020"
    assert case.desk.code == "front" and case.channel == "web" and case.kind == "consultation"
    assert "悦听彩铃多少钱" in case.description and "5元" in case.description
    assert case.first_responded_at is None  # a person has yet to answer: the 30 s SLA runs
    again = c.post(f"/api/chat/conversations/{token}/handover", content_type="application/json")
    assert again.json()["case_number"] == number
    assert Case.objects.filter(data__conversation=token).count() == 1
    assert Conversation.objects.get(token=token).case_number == number


def test_c8_asking_for_a_person_in_words_hands_over_at_once(kb):
    """ "转人工" typed is as good as the button: nobody is left waiting for a click."""
    c = Client()
    token = start(c)
    say(c, token, "悦听彩铃多少钱")
    r = say(c, token, "我要转人工")
    assert r.status_code == 200 and r.json()["kind"] == "handover"
    conversation = Conversation.objects.get(token=token)
    assert conversation.case_number and conversation.case_number in r.json()["text"]
    case = Case.objects.get(number=conversation.case_number)
    assert "我要转人工" in case.description and case.desk.code == "front"
    assert c.get(f"/api/chat/conversations/{token}").json()["with_agent"] is True
    assert say(c, token, "在吗").json()["kind"] == "with_agent"  # the person has it now


@pytest.mark.parametrize("text", ["你是人工智能吗", "宽带安装要人工费吗", "营业厅工作人员几点下班"])
def test_c8_words_that_only_look_like_asking_for_a_person_open_no_case(kb, text):
    c = Client()
    token = start(c)
    assert say(c, token, text).json()["kind"] != "handover"
    assert not Case.objects.exists() and not Conversation.objects.get(token=token).case_number


def test_v2_a_callback_number_typed_in_the_chat_does_not_say_who_the_customer_is(kb):
    """Anyone can type a number: it is where to call back, not whose account the handler may
    see. Only a number proved by a texted code (V2) links the case to that customer."""
    customer = factories.make_customer(phone="13900000020", name="梁小红")
    c = Client()
    token = start(c)
    r = c.post(
        f"/api/chat/conversations/{token}/handover",
        {"phone": "13900000020"},
        content_type="application/json",
    )
    case = Case.objects.get(number=r.json()["case_number"])
    assert case.contact_phone == "13900000020" and case.customer is None
    # nor once the consultation becomes a work order
    clerk = factories.make_staff("clerk", case.hall)
    case.desk.members.add(clerk)
    staff = Client()
    staff.force_login(clerk)
    r = staff.post(
        f"/api/cases/{case.pk}/actions/convert",
        {"version": case.version, "summary": "需核实", "category": "other"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    order = Case.objects.get(parent=case)
    assert order.customer is None and order.contact_phone == "13900000020"

    c2 = Client()
    token = start(c2)
    c2.post(
        f"/api/chat/conversations/{token}/verify",
        {"phone": "13900000020"},
        content_type="application/json",
    )
    c2.post(
        f"/api/chat/conversations/{token}/verify/confirm",
        {"code": _code("13900000020")},
        content_type="application/json",
    )
    r = c2.post(f"/api/chat/conversations/{token}/handover", content_type="application/json")
    assert Case.objects.get(number=r.json()["case_number"]).customer == customer


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


def _code(number) -> str:
    text = SmsMessage.objects.filter(to=number, purpose="chat_verify").latest("id").text
    return re.search(r"\d{6}", text).group(0)


@pytest.fixture
def billed_line():
    """A line with three months of bills (and the plan billed) from the billing import."""
    number = "13900000077"
    for month, amount in ((8, "158.00"), (9, "162.50"), (10, "159.30")):
        Bill.objects.create(
            number=number,
            month=date(2026, month, 1),
            amount=Decimal(amount),
            voice_minutes=420,
            data_mb=20480,
            plan="畅享5G 129元档",
        )
    return number


def test_k2_v2_own_bill_only_after_the_number_is_verified_and_shown_masked(kb, billed_line):
    c = Client()
    token = start(c)
    r = say(c, token, "我上个月话费多少？")
    assert r.json()["kind"] == "identify" and "159.30" not in r.json()["text"]
    sent = c.post(
        f"/api/chat/conversations/{token}/verify",
        {"phone": billed_line},
        content_type="application/json",
    )
    assert sent.status_code == 202 and sent.json()["phone"] == "139****0077"
    wrong = c.post(
        f"/api/chat/conversations/{token}/verify/confirm",
        {"code": "xx"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "code"
    ok = c.post(
        f"/api/chat/conversations/{token}/verify/confirm",
        {"code": _code(billed_line)},
        content_type="application/json",
    )
    assert ok.status_code == 200
    body = say(c, token, "我上个月话费多少？").json()
    assert body["kind"] == "own"
    assert "139****0077" in body["text"] and billed_line not in body["text"]
    assert "2026年10月账单 159.30元" in body["text"] and "畅享5G 129元档" in body["text"]


def test_v2_codes_are_rate_limited_and_a_fifth_wrong_code_voids_it(kb, billed_line):
    c = Client()
    token = start(c)
    url = f"/api/chat/conversations/{token}/verify"
    assert c.post(url, {"phone": billed_line}, content_type="application/json").status_code == 202
    again = c.post(url, {"phone": billed_line}, content_type="application/json")
    assert again.status_code == 429 and again.json()["field"] == "phone"
    code = _code(billed_line)
    for _ in range(5):
        r = c.post(
            url + "/confirm",
            {"code": "000000" if code != "000000" else "111111"},
            content_type="application/json",
        )
        assert r.json()["code"] == "wrong_code"
    r = c.post(url + "/confirm", {"code": code}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "code_expired"
    assert Conversation.objects.get(token=token).phone == ""
    bad = c.post(url, {"phone": "12345"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "phone"


def test_k2_chat_page_verifies_and_answers_own_bill(kb, billed_line):
    c = Client()
    url = c.get("/chat/", follow=True).redirect_chain[-1][0]
    page = c.post(url, {"text": "查一下我的账单"}, follow=True).content.decode()
    assert 'id="chat-send-code"' in page
    c.post(url, {"send_code": "1", "verify_phone": billed_line})
    page = c.post(url, {"verify": "1", "code": _code(billed_line)}, follow=True).content.decode()
    assert "139****0077" in page
    page = c.post(url, {"text": "查一下我的账单"}, follow=True).content.decode()
    assert "159.30元" in page


@pytest.fixture
def handed_over(kb, hall):
    """A chat handed over to the front desk, and a clerk of that desk signed in."""
    c = Client()
    token = start(c)
    say(c, token, "悦听彩铃多少钱")
    number = c.post(
        f"/api/chat/conversations/{token}/handover", content_type="application/json"
    ).json()["case_number"]
    clerk = factories.make_staff("clerk", hall)
    Case.objects.get(number=number).desk.members.add(clerk)
    staff = Client()
    staff.force_login(clerk)
    return c, token, Case.objects.get(number=number), staff


def test_c8_the_person_who_takes_the_chat_answers_in_it(handed_over):
    customer, token, case, staff = handed_over
    r = staff.post(
        f"/api/cases/{case.pk}/chat-replies",
        {"text": "您好，我是人工客服，彩铃每月5元，需要帮您开通吗？"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["kind"] == "chat_reply"
    body = customer.get(f"/api/chat/conversations/{token}").json()
    assert body["with_agent"] is True and body["case_number"] == case.number
    assert body["messages"][-1]["sender"] == "agent"
    assert "需要帮您开通吗" in body["messages"][-1]["text"]
    case.refresh_from_db()
    assert case.first_responded_at is not None  # the reply is the first response (C4 clock)
    # the customer's answer goes to the person, not the assistant, and onto the timeline
    r = say(customer, token, "好的，帮我开通吧")
    assert r.status_code == 200 and r.json()["kind"] == "with_agent"
    senders = [
        m["sender"] for m in customer.get(f"/api/chat/conversations/{token}").json()["messages"]
    ]
    assert senders[-2:] == ["agent", "customer"]  # no assistant answer in between
    assert case.events.filter(kind="chat_message", note="好的，帮我开通吧").exists()
    # the chat page shows the person's reply
    page = customer.get(f"/chat/{token}/").content.decode()
    assert 'class="bubble agent"' in page and "需要帮您开通吗" in page


def test_c8_once_answered_the_assistant_takes_the_chat_back(handed_over):
    customer, token, case, staff = handed_over
    r = staff.post(
        f"/api/cases/{case.pk}/actions/answer",
        {"version": case.version, "resolution": "已在对话中答复资费"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    r = say(customer, token, "畅游流量包年包多少钱")
    assert r.json()["kind"] == "answer" and "200元" in r.json()["text"]
    assert customer.get(f"/api/chat/conversations/{token}").json()["with_agent"] is False
    # asking for a person again opens a new case
    again = customer.post(
        f"/api/chat/conversations/{token}/handover", content_type="application/json"
    ).json()["case_number"]
    assert again != case.number and Case.objects.get(number=again).closed_at is None


def test_c8_a_chat_turned_into_a_work_order_is_answered_from_the_work_order(handed_over):
    customer, token, case, staff = handed_over
    r = staff.post(
        f"/api/cases/{case.pk}/actions/convert",
        {
            "version": case.version,
            "summary": "客户反映彩铃播放异常，需后台核实",
            "category": "other",
        },
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    order = Case.objects.get(parent=case)
    assert Conversation.objects.get(token=token).case_number == order.number
    say(customer, token, "请尽快")
    assert order.events.filter(kind="chat_message", note="请尽快").exists()
    r = staff.post(
        f"/api/cases/{order.pk}/chat-replies",
        {"text": "已为您核实"},
        content_type="application/json",
    )
    assert r.status_code == 201


def test_c8_chat_replies_refuse_bad_input_and_cases_without_a_chat(handed_over, hall):
    customer, token, case, staff = handed_over
    r = staff.post(
        f"/api/cases/{case.pk}/chat-replies", {"text": "  "}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["field"] == "text"
    r = say(customer, token, "   ")
    assert r.status_code == 422 and r.json()["field"] == "text"
    r = staff.post(
        "/api/cases",
        {
            "kind": "consultation",
            "channel": "walk_in",
            "category": "other",
            "description": "到厅咨询彩铃",
            "desk": "front",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = staff.post(
        f"/api/cases/{r.json()['id']}/chat-replies",
        {"text": "您好"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "not_a_chat"
    # someone of another desk cannot see the case, let alone answer in its chat
    other = Client()
    other.force_login(factories.make_staff("clerk", hall))
    r = other.post(
        f"/api/cases/{case.pk}/chat-replies", {"text": "您好"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert not case.events.filter(kind="chat_reply").exists()


def test_k2_comparisons_are_answered_with_both_sides_values(kb):
    c = Client()
    token = start(c)
    body = say(c, token, "畅游流量包10元和20元的哪个流量多").json()
    assert body["kind"] == "answer" and body["values"] == ["20元"]
    assert "流量更多的是：20元" in body["text"] and "10元 3GB" in body["text"]
    assert "20元 10GB" in body["text"]
    body = say(c, token, "畅游流量包月包和年包的开通方式一样吗").json()
    assert body["values"] == ["no"] and "开通方式不同" in body["text"]
    # nothing named to compare: the tiers as a whole, what each costs and gives
    body = say(c, token, "畅游流量包月包和年包一样吗").json()
    assert body["values"] == ["no"] and "不同" in body["text"] and "价格" in body["text"]
    assert "月包 10元、3GB" in body["text"] and "年包 200元" in body["text"]
    assert "。；" not in body["text"] and "。，" not in body["text"]


def test_c8_the_open_chat_page_hears_of_the_persons_reply(
    handed_over, monkeypatch, django_capture_on_commit_callbacks
):
    """The chat page's event stream (the token is the key): `ready`, then `message` as the
    person's reply commits."""
    from asgiref.sync import async_to_sync, sync_to_async
    from django.test import AsyncClient

    from servicehall.cases import services as case_services
    from servicehall.web import streams

    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)
    customer, token, case, staff = handed_over
    clerk = case.desk.members.get()

    def reply():
        with django_capture_on_commit_callbacks(execute=True):
            case_services.reply_in_chat(clerk, case.pk, text="您好，马上为您处理")

    async def run():
        r = await AsyncClient().get(f"/chat/{token}/events")
        assert r.status_code == 200 and r["Content-Type"] == "text/event-stream"
        chunks = aiter(r.streaming_content)
        assert "event: ready" in (await anext(chunks)).decode()
        await sync_to_async(reply)()
        event = (await anext(chunks)).decode()
        while event.startswith(": keepalive"):
            event = (await anext(chunks)).decode()
        await r.streaming_content.aclose()
        return event

    event = async_to_sync(run)()
    assert event.startswith("event: message\ndata: ") and '"sender": "agent"' in event
    assert Client().get("/chat/not-a-token/events").status_code == 404


def test_c8_the_open_case_page_hears_what_the_customer_writes(
    handed_over, hall, monkeypatch, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync, sync_to_async
    from django.test import AsyncClient

    from servicehall.web import streams

    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)
    customer, token, case, staff = handed_over
    clerk = case.desk.members.get()
    client = AsyncClient()
    client.force_login(clerk)

    def write():
        with django_capture_on_commit_callbacks(execute=True):
            say(customer, token, "我在等，麻烦快点")

    async def run():
        r = await client.get(f"/cases/{case.pk}/events")
        assert r.status_code == 200 and r["Content-Type"] == "text/event-stream"
        chunks = aiter(r.streaming_content)
        assert "event: ready" in (await anext(chunks)).decode()
        await sync_to_async(write)()
        event = (await anext(chunks)).decode()
        while event.startswith(": keepalive"):
            event = (await anext(chunks)).decode()
        await r.streaming_content.aclose()
        return event

    event = async_to_sync(run)()
    assert event.startswith("event: chat\ndata: ") and '"sender": "customer"' in event
    # someone of another desk learns nothing of the case, not even that it exists
    other = Client()
    other.force_login(factories.make_staff("clerk", hall))
    assert other.get(f"/cases/{case.pk}/events").status_code == 404


def test_c8_no_reply_in_a_chat_the_case_no_longer_has(handed_over):
    """Once the case is resolved the assistant has the chat back, and once the customer asks
    for a person again the chat is the new case's, even if the old one is reopened: a reply
    from the old case would not reach them where they are talking, so it is refused, and its
    page offers no chat reply."""
    customer, token, case, staff = handed_over

    def act(pk, action, **body):
        version = Case.objects.get(pk=pk).version
        r = staff.post(
            f"/api/cases/{pk}/actions/{action}",
            {"version": version, **body},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content

    def reply(pk, text):
        return staff.post(
            f"/api/cases/{pk}/chat-replies", {"text": text}, content_type="application/json"
        )

    act(case.pk, "convert", summary="彩铃异常，需后台核实", category="other")
    order = Case.objects.get(parent=case)
    act(order.pk, "resolve", resolution="已恢复彩铃")  # resolved, awaiting the customer's word
    r = reply(order.pk, "还有吗？")
    assert r.status_code == 409 and r.json()["code"] == "chat_not_held"
    assert r.json()["field"] == "text" and "对话" in r.json()["message"]
    page = staff.get(f"/cases/{order.pk}/").content.decode()
    assert "在对话中回复客户" not in page and f"/cases/{order.pk}/events" not in page

    newer = customer.post(
        f"/api/chat/conversations/{token}/handover", content_type="application/json"
    ).json()["case_number"]
    newer = Case.objects.get(number=newer)
    act(order.pk, "dispute", reason="客户称仍无彩铃")  # the old case is open again…
    r = reply(order.pk, "旧单回复")  # …but the chat is the newer case's now
    assert r.status_code == 409 and r.json()["code"] == "chat_not_held"
    assert "在对话中回复客户" not in staff.get(f"/cases/{order.pk}/").content.decode()
    assert "在对话中回复客户" in staff.get(f"/cases/{newer.pk}/").content.decode()
    assert reply(newer.pk, "新单回复").status_code == 201
    texts = [m["text"] for m in customer.get(f"/api/chat/conversations/{token}").json()["messages"]]
    assert "新单回复" in texts and "旧单回复" not in texts and "还有吗？" not in texts


def test_c8_with_a_person_nothing_is_cut_short_and_the_200_cap_does_not_apply(handed_over):
    customer, token, case, staff = handed_over
    r = say(customer, token, "长" * 2001)
    assert r.status_code == 422 and r.json()["code"] == "too_long"
    assert r.json()["field"] == "text" and "2000" in r.json()["message"]
    assert not case.events.filter(kind="chat_message").exists()  # nothing half-written
    r = say(customer, token, "全" * 2000)
    assert r.status_code == 200 and case.events.get(kind="chat_message").note == "全" * 2000
    conversation = Conversation.objects.get(token=token)
    Message.objects.bulk_create(
        Message(conversation=conversation, sender=Message.Sender.CUSTOMER, text=f"第{i}条")
        for i in range(200)
    )
    r = say(customer, token, "还在吗")
    assert r.status_code == 200 and r.json()["kind"] == "with_agent"


def _race(staff, clerk, round_, n, action, **body):
    """A chat handed over to `clerk`'s desk, and the shots to fire at once: the customer's `n`
    messages with the handler's `action` on the case in the middle of them."""
    customer = Client()
    token = start(customer)
    number = customer.post(
        f"/api/chat/conversations/{token}/handover", content_type="application/json"
    ).json()["case_number"]
    case = Case.objects.get(number=number)
    case.desk.members.add(clerk)
    says = [f"第{round_}轮第{i}句" for i in range(n)]
    chat_url = f"/api/chat/conversations/{token}/messages"
    shots = [(customer, chat_url, {"text": t}) for t in says]
    action_url = f"/api/cases/{case.pk}/actions/{action}"
    shots.insert(n // 2, (staff, action_url, {"version": case.version, **body}))
    return case, says, shots, chat_url


@pytest.mark.django_db(transaction=True)
def test_c8_concurrent_messages_never_land_on_a_case_already_answered(kb, hall):
    """The customer types while the handler answers the case and replies in the chat, all at
    once, each request on its own connection: every message the customer was told went to the
    person is on the timeline before the case was answered, every other one was answered by
    the assistant, and no reply is written after the case let the chat go. Never a 500."""
    from tests.queueing.test_concurrency import fire

    clerk = factories.make_staff("clerk", hall)
    staff = Client()
    staff.force_login(clerk)
    for round_ in range(5):
        case, says, shots, chat_url = _race(staff, clerk, round_, 6, "answer", resolution="已答复")
        shots += [
            (staff, f"/api/cases/{case.pk}/chat-replies", {"text": f"回复{i}"}) for i in (1, 2)
        ]
        results = fire(shots)
        assert all(code in (200, 201, 409) for code, _ in results), results
        answered = case.events.get(kind="answer").pk
        heard = [r for (_, path, _), r in zip(shots, results, strict=True) if path == chat_url]
        for text, (code, body) in zip(says, heard, strict=True):
            assert code == 200, body
            on_case = case.events.filter(kind="chat_message", note=text).first()
            if body["kind"] == "with_agent":
                assert on_case is not None and on_case.pk < answered
            else:
                assert on_case is None  # the assistant had it back: not on a closed case
        for event in case.events.filter(kind="chat_reply"):
            assert event.pk < answered


def test_k2_two_products_compared_by_price_data_or_as_a_whole(kb):
    """Customers compare plans with each other, not only a plan's tiers: the cheaper one by its
    cheapest tier, the one with more data by its biggest, each side's figure shown."""
    c = Client()
    token = start(c)
    body = say(c, token, "畅游流量包和悦听彩铃哪个便宜").json()
    assert body["kind"] == "answer" and body["values"] == ["悦听彩铃"]
    assert "更便宜的是：悦听彩铃" in body["text"]
    assert "畅游流量包 10元起" in body["text"] and "悦听彩铃 5元" in body["text"]
    body = say(c, token, "悦听彩铃和畅游流量包哪个流量多").json()
    assert body["values"] == ["畅游流量包"] and "畅游流量包 最高" in body["text"]
    body = say(c, token, "畅游流量包和悦听彩铃一样吗").json()
    assert body["values"] == ["no"] and "两款不同的产品" in body["text"]


def test_k2_a_superlative_answer_says_which_tier(kb):
    c = Client()
    body = say(c, start(c), "畅游流量包哪个最便宜").json()
    assert body["values"] == ["10"] and "最便宜的是：" in body["text"]
    assert body["text"].index("最便宜的是") < body["text"].index("价格：10元")


def test_k2_an_article_answer_links_to_the_whole_article_a_customer_may_read(kb, hall):
    """The assistant's article answers end with a link a customer can open without signing
    in; staff-only, unpublished and archived articles are not readable there."""
    from servicehall.knowledge import services as kb_services

    author = factories.make_staff("care_desk", hall)
    reviewer = factories.make_staff("quality_supervisor", hall)

    def published(title, body, audience):
        a = kb_services.create_article(author, title=title, body=body, audience=audience)
        a = kb_services.act(author, a.pk, "submit", version=a.head.number)
        a = kb_services.act(reviewer, a.pk, "approve", version=a.head.number)
        return kb_services.act(reviewer, a.pk, "publish", version=a.head.number)

    public = published(
        "光猫红灯处理", "光猫LOS灯红色闪烁：检查光纤是否弯折。\n仍不亮请报障。", "public"
    )
    staff_only = published("内部派单规则", "装维派单按片区轮转。", "staff")
    draft = kb_services.create_article(author, title="草稿", body="未发布", audience="public")

    c = Client()
    token = start(c)
    body = say(c, token, "光猫红灯怎么办").json()
    assert body["kind"] == "article" and f"/help/{public.pk}/" in body["text"]
    page = c.get(f"/help/{public.pk}/")
    assert page.status_code == 200 and "仍不亮请报障" in page.content.decode()
    for hidden in (staff_only, draft):
        r = c.get(f"/help/{hidden.pk}/")
        assert r.status_code == 404 and "装维派单" not in r.content.decode()
    chat_page = c.get(f"/chat/{token}/").content.decode()
    assert f'<a href="http://127.0.0.1:8000/help/{public.pk}/"' in chat_page  # a link to tap

    # something broken is the self-help's, even where a product is named: not its price
    fix = published("彩铃故障处理", "彩铃坏了听不到：重启手机，仍不行请报障。", "public")
    body = say(c, token, "彩铃坏了怎么办").json()
    assert body["kind"] == "article" and f"/help/{fix.pk}/" in body["text"]


@pytest.mark.django_db(transaction=True)
def test_c8_converting_a_case_while_the_customer_types_never_deadlocks(kb, hall):
    """The case engine locks the case, then moves the chat to the work order; the customer's
    message locks them in the same order, so each lands — on the consultation before the
    conversion or on the work order after — and nobody gets a 500."""
    from tests.queueing.test_concurrency import fire

    clerk = factories.make_staff("clerk", hall)
    staff = Client()
    staff.force_login(clerk)
    for round_ in range(4):
        case, says, shots, _ = _race(
            staff, clerk, round_, 4, "convert", summary="需后台核实", category="other"
        )
        results = fire(shots)
        assert all(code == 200 for code, _ in results), results
        order = Case.objects.get(parent=case)
        for text in says:  # every message is on one of the two timelines, once
            on = [c for c in (case, order) if c.events.filter(note=text).exists()]
            assert len(on) == 1, (text, on)
