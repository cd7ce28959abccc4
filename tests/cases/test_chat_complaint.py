"""“我要投诉” in a chat (P1, K2): the hand-over opens a complaint (TS…) at the complaint desk,
not a consultation at the chat desk; other hand-overs stay consultations."""

import pytest
from django.utils import timezone

from servicehall.cases.services import chat as routing
from servicehall.knowledge import chat
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(hall):
    factories.make_staff("channel", hall, username="online")
    clerk = factories.make_staff("clerk", hall)
    sunli = factories.make_staff("complaint_desk", hall)
    for person in (clerk, sunli):
        person.last_login = timezone.now()
        person.save(update_fields=["last_login"])
    factories.make_desk("front", hall, members=[clerk])
    factories.make_desk("complaint", hall, members=[sunli])
    return clerk, sunli


def chat_with(*texts) -> str:
    conversation = chat.start("web")
    for text in texts:
        conversation.messages.create(sender="customer", text=text)
        conversation.messages.create(sender="assistant", text="为您找到以下内容……", kind="article")
    return conversation.token


@pytest.mark.parametrize(
    "texts",
    [
        ["我要投诉"],
        ["你好", "投诉你们营业厅乱扣费"],
        ["我要投诉你们的装机师傅，约好了不来"],
        ["我想投诉一下"],
        ["话费怎么这么多", "我投诉！"],
    ],
)
def test_p1_i_want_to_complain_opens_a_complaint_at_the_complaint_desk(desks, texts):
    clerk, sunli = desks
    case = routing.open_from_chat(chat_with(*texts))
    assert case.kind == "complaint" and case.number.startswith("TS")
    assert case.status == "accepting" and case.category.code == "complaint"
    assert case.desk.code == "complaint" and case.handler == sunli


@pytest.mark.parametrize("texts", [["宽带坏了", "转人工"], ["投诉电话是多少"], ["人工"]])
def test_p1_other_hand_overs_stay_consultations(desks, texts):
    clerk, sunli = desks
    case = routing.open_from_chat(chat_with(*texts))
    assert case.kind == "consultation" and case.desk.code == "front" and case.handler == clerk


def test_p1_the_words_alone_in_the_chat_hand_over_a_complaint(desks):
    """Typed in the chat (no button): the assistant hands over at once, as a complaint."""
    clerk, sunli = desks
    token = chat.start("web").token
    _answer, reply = routing.say(token, "我要投诉你们乱扣费")
    case = routing.chat_case(chat.get(token))
    assert case is not None and case.kind == "complaint" and case.number in reply.text
    assert case.handler == sunli


def test_p1_without_a_complaint_desk_the_complaint_goes_to_the_chat_desk(hall):
    factories.make_staff("channel", hall, username="online")
    clerk = factories.make_staff("clerk", hall)
    factories.make_desk("front", hall, members=[clerk])
    case = routing.open_from_chat(chat_with("我要投诉"))
    assert case.kind == "complaint" and case.desk.code == "front"
