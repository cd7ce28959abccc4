"""K3 at the counter: the workbench's knowledge assistant panel (知识助手) — who sees it, an
empty or overlong question refused beside the box (never a 500), the panel alone for its
script, the workbench with the reply without JavaScript, and a reply that is not an answer
never shown as one."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import client_for
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PARTIAL = {"HTTP_X_SERVICEHALL_PARTIAL": "assist"}


def test_k3_the_clerk_sees_the_panel_on_the_workbench(clerk):
    page = client_for(clerk).get("/workbench/").content.decode()
    assert 'id="kb-assist"' in page and "知识助手" in page and 'id="ask-question"' in page


@pytest.mark.parametrize(
    ("question", "words_zh", "words_en"),
    [
        ("", "请填写问题", "Please fill in the question"),
        ("   ", "请填写问题", "Please fill in the question"),
        ("流" * 501, "问题不能超过 500 个字（现为 501 个字）", "at most 500 characters"),
    ],
)
def test_k3_an_empty_or_overlong_question_is_refused_beside_the_box(
    clerk, question, words_zh, words_en
):
    r = client_for(clerk).post("/workbench/ask", {"question": question})
    assert r.status_code == 422
    page = r.content.decode()
    assert words_zh in page and 'data-field="question"' in page
    assert 'id="counter-list"' in page  # the workbench itself, not an error page
    assert 'id="ask-result"' not in page  # nothing asked
    en = client_for(clerk, "en").post("/workbench/ask", {"question": question}, **PARTIAL)
    assert en.status_code == 422 and words_en in en.content.decode()


def test_k3_a_missing_question_field_is_the_same_refusal(clerk):
    r = client_for(clerk).post("/workbench/ask", {}, **PARTIAL)
    assert r.status_code == 422 and "请填写问题" in r.content.decode()


def test_k3_the_script_gets_the_panel_alone_and_a_polite_word_is_no_answer(clerk):
    r = client_for(clerk).post("/workbench/ask", {"question": "你好"}, **PARTIAL)
    assert r.status_code == 200
    panel = r.content.decode()
    assert "<html" not in panel and 'id="ask-form"' in panel
    assert 'value="你好"' in panel  # the question stays in the box
    assert 'id="ask-none"' in panel and "没有把握的答案" in panel
    assert 'id="ask-answer"' not in panel and "把握 " not in panel.replace("没有把握", "")


def test_k3_without_javascript_the_workbench_comes_back_with_the_reply(clerk):
    r = client_for(clerk).post("/workbench/ask", {"question": "你好"})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'id="counter-list"' in page and 'id="ask-result"' in page


def test_k3_who_may_not_read_the_knowledge_base_gets_no_panel(hall):
    user = make_staff("device", hall)
    user.user_permissions.add(Permission.objects.get(codename="serve_counter"))
    user = get_user_model().objects.get(pk=user.pk)
    assert user.has_perm("queueing.serve_counter")
    assert not user.has_perm("knowledge.read_knowledge")
    c = client_for(user)
    assert 'id="kb-assist"' not in c.get("/workbench/").content.decode()
    assert c.post("/workbench/ask", {"question": "你好"}).status_code == 403
    anonymous = Client().post("/workbench/ask", {"question": "你好"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
