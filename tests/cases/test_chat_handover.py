"""A chat handed over reaches a person (C8): the case goes to the desk member with the fewest open
chats among those at work today, its subject is the customer's problem in their own words, the
person is told live on the staff pages they have open, and the case page shows the chat as a
conversation with the first-response clock running."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import Client
from django.utils import timezone

from servicehall.cases import services
from servicehall.cases.models import Case
from servicehall.cases.services import chat as routing
from servicehall.core.events import bus
from servicehall.knowledge import chat
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def front(hall):
    """The chat desk with two members at work today, and the channel account."""
    factories.make_staff("channel", hall, username="online")
    a, b = factories.make_staff("clerk", hall), factories.make_staff("clerk", hall)
    now = timezone.now()
    for person in (a, b):
        person.last_login = now
        person.save(update_fields=["last_login"])
    return factories.make_desk("front", hall, members=[a, b]), a, b


def chat_with(*texts) -> str:
    conversation = chat.start("web")
    for text in texts:
        conversation.messages.create(sender="customer", text=text)
        conversation.messages.create(sender="assistant", text="为您找到以下内容……", kind="article")
    return conversation.token


def test_c8_a_handed_over_chat_goes_to_the_member_with_the_fewest_open_chats(front):
    desk, a, b = front
    first = routing.open_from_chat(chat_with("宽带老是掉线怎么办"))
    second = routing.open_from_chat(chat_with("话费为什么多扣了"))
    # one each: neither is left on the channel account, and the second goes to the other person
    assert {first.handler, second.handler} == {a, b}
    for case in (first, second):
        case.refresh_from_db()
        assert case.owner == case.handler and case.owner.username != "online"
        assigned = case.events.get(kind="assigned")
        assert assigned.data["to"] == case.handler.staff.full_name
    # a chat answered and resolved no longer counts: its handler is free again
    services.reply_in_chat(first.handler, first.pk, text="您好，我来帮您看看")
    services.act(
        first.handler,
        first.pk,
        "answer",
        version=Case.objects.get(pk=first.pk).version,
        resolution="已指导客户重启光猫",
    )
    third = routing.open_from_chat(chat_with("国际漫游怎么开"))
    assert third.handler == first.handler


def test_c8_someone_at_work_today_is_picked_before_someone_who_is_not(front):
    desk, a, b = front
    routing.open_from_chat(chat_with("宽带老是掉线怎么办"))  # one open chat for someone
    busy = Case.objects.get().handler
    idle = b if busy == a else a
    idle.last_login = timezone.now() - timedelta(days=3)  # not signed in today
    idle.save(update_fields=["last_login"])
    case = routing.open_from_chat(chat_with("话费为什么多扣了"))
    assert case.handler == busy


def test_c8_with_nobody_on_the_desk_the_case_waits_in_its_queue(hall):
    factories.make_staff("channel", hall, username="online")
    factories.make_desk("front", hall)
    case = routing.open_from_chat(chat_with("宽带老是掉线怎么办"))
    assert case.desk.code == "front" and case.handler.username == "online"
    assert not case.events.filter(kind="assigned").exists()


@pytest.mark.parametrize(
    ("texts", "subject"),
    [
        (["宽带老是掉线怎么办", "没用，转人工"], "宽带老是掉线怎么办"),
        (["你好", "我要投诉你们乱扣费"], "我要投诉你们乱扣费"),
        (["转人工"], "在线咨询转人工"),
        (["x" * 200], "x" * 59 + "…"),
    ],
)
def test_c8_the_subject_is_the_customers_problem_in_their_words(front, texts, subject):
    assert routing.open_from_chat(chat_with(*texts)).subject == subject


def test_c8_a_question_the_assistant_answered_does_not_hide_the_open_problem(front):
    """The review's chat: a broadband fault the assistant met with an article, then a price it
    answered exactly, then 转人工 — the person reads the fault, not the price."""
    conversation = chat.start("web")
    for sender, text, kind in [
        ("customer", "我家宽带晚上老是掉线，重启光猫也没用，已经三天了", ""),
        ("assistant", "为您找到以下内容：宽带掉线自助排查……", "article"),
        ("customer", "畅享5G多少钱", ""),
        ("assistant", "畅享5G套餐月费128元……", "answer"),
        ("customer", "转人工", ""),
    ]:
        conversation.messages.create(sender=sender, text=text, kind=kind)
    case = routing.open_from_chat(conversation.token)
    assert case.subject.startswith("我家宽带晚上老是掉线")


def test_c8_the_person_is_told_live_and_the_badge_counts_unanswered_chats(
    front, django_capture_on_commit_callbacks
):
    desk, a, b = front
    received = {}

    async def run():
        async with bus().subscribe(services.staff_channel(a.pk)) as qa:
            async with bus().subscribe(services.staff_channel(b.pk)) as qb:
                case = await sync_to_async(hand_over)()
                mine = qa if case.handler_id == a.pk else qb
                # the desk's lists are told a case arrived; the person, that it is theirs
                kinds = [(await asyncio.wait_for(mine.get(), 5)) for _ in range(2)]
                received["event"] = next(e for e in kinds if e["type"] == "handover")
                received["case"] = case

    def hand_over():
        with django_capture_on_commit_callbacks(execute=True):  # the events go out on commit
            return routing.open_from_chat(chat_with("宽带老是掉线怎么办"))

    async_to_sync(run)()
    case, event = received["case"], received["event"]
    assert event["type"] == "handover" and event["number"] == case.number
    assert event["subject"] == "宽带老是掉线怎么办" and event["assigned"] is True

    page = Client()
    page.force_login(case.handler)
    html = page.get("/workbench/" if case.handler.has_perm("queueing.serve_counter") else "/kb/")
    body = html.content.decode()
    assert 'id="chat-badge" data-count="1"' in body and "/notices/events" in body
    services.reply_in_chat(case.handler, case.pk, text="您好")
    body = page.get("/kb/").content.decode()
    assert 'id="chat-badge" data-count="0"' in body


def test_c8_the_case_page_shows_the_chat_as_a_conversation_with_the_clock(front):
    desk, a, b = front
    case = routing.open_from_chat(chat_with("宽带老是掉线怎么办"))
    page = Client()
    page.force_login(case.handler)
    body = page.get(f"/cases/{case.pk}/").content.decode()
    assert 'class="bubble from-customer"' in body and 'class="bubble from-assistant"' in body
    assert body.index("宽带老是掉线怎么办") < body.index("为您找到以下内容")
    assert 'id="first-response-clock"' in body  # 30 s for online channels, running
    assert body.index('id="bubbles"') < body.index('id="chat-reply-text"')  # reply box under it
    services.reply_in_chat(case.handler, case.pk, text="您好，我来帮您看看")
    body = page.get(f"/cases/{case.pk}/").content.decode()
    assert 'class="bubble from-agent"' in body and 'id="first-response-clock"' not in body


def test_c8_a_member_goes_before_the_desks_lead(hall):
    """The lead supervises the desk: a chat goes to a member even when the lead, signed in
    today, has fewer cases; the lead takes it only when no member can."""
    factories.make_staff("channel", hall, username="online")
    lead, member = factories.make_staff("hall_manager", hall), factories.make_staff("clerk", hall)
    for person in (lead, member):
        person.last_login = timezone.now()
        person.save(update_fields=["last_login"])
    desk = factories.make_desk("front", hall, lead=lead, members=[member])
    routing.open_from_chat(chat_with("宽带老是掉线怎么办"))
    assert routing.open_from_chat(chat_with("话费为什么多扣了")).handler == member
    desk.members.clear()
    assert routing.open_from_chat(chat_with("国际漫游怎么开")).handler == lead


def test_c8_someone_with_a_staff_page_open_is_picked_first(front, monkeypatch):
    """Signed in today is not enough: who has a staff page open (its notice stream says so)
    sees the notice at once, so the chat goes to them before someone with fewer chats."""
    from django.test import AsyncClient

    desk, a, b = front
    routing.open_from_chat(chat_with("宽带老是掉线怎么办"))
    busy = Case.objects.get().handler  # one open chat
    idle = b if busy == a else a
    assert routing.open_from_chat(chat_with("话费为什么多扣了")).handler == idle  # fewest chats

    from servicehall.web import streams

    monkeypatch.setattr(streams, "MAX_STREAM_S", 1.0)  # the page's stream ends by itself
    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)

    async def with_page_open():
        c = AsyncClient()
        await c.aforce_login(busy)
        r = await c.get("/notices/events")
        assert r.status_code == 200
        chunks = aiter(r.streaming_content)
        await anext(chunks)  # ready
        await anext(chunks)  # the first wait has begun: presence recorded
        watching = bus().present([services.staff_channel(busy.pk), services.staff_channel(idle.pk)])
        case = await sync_to_async(lambda: routing.open_from_chat(chat_with("国际漫游怎么开")))()
        async for _chunk in chunks:  # to its end
            pass
        return watching, case

    watching, case = async_to_sync(with_page_open)()
    assert watching == {services.staff_channel(busy.pk)}
    assert case.handler == busy  # two open chats, but watching
