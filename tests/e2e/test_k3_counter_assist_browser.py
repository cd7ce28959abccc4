"""K3 at the counter in a real Chromium against a real server (the demo hall): a clerk signed
in at a counter types what the customer asks into the workbench's 知识助手 panel and reads the
assistant's reply in place, without the page reloading — an answer with its confidence for a
plan question; for what nothing in the hall answers, no answer given as an answer."""

import re

import pytest

from tests.e2e.test_hall_day_browser import browser, signed_in  # noqa: F401  (fixture)
from tests.servers import demo_environment, server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One demo server for the module's questions (the replies read, nothing is written)."""
    with demo_environment(tmp_path_factory.mktemp("k3")) as env, server(env) as url:
        yield url


def ask(page, question: str) -> None:
    page.fill("#ask-question", question)
    page.click("#ask")
    page.wait_for_selector("#kb-ask:not([aria-busy]) #ask-result")


def at_the_workbench(browser, base):  # noqa: F811
    page = signed_in(browser, base, "wangfang")
    page.goto(base + "/workbench/")
    if page.locator("#call-next").count() == 0:  # not yet signed in at the counter
        page.click("button[data-counter='1号窗口']")
    page.wait_for_selector("#call-next")
    page.evaluate("window.__same_page = true")  # gone if the page reloads
    return page


def test_k3_the_clerk_asks_a_plan_question_and_reads_the_answer_with_its_confidence(
    browser,  # noqa: F811
    base,
):
    from playwright.sync_api import expect

    page = at_the_workbench(browser, base)
    ask(page, "畅享5G 59元档多少流量")
    answer = page.locator("#ask-answer")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("30GB")
    expect(page.locator("#ask-confidence")).to_have_text(re.compile(r"^把握 \d{1,3}%$"))
    assert int(answer.get_attribute("data-confidence")) >= 50
    assert page.locator("#ask-none").count() == 0
    assert page.evaluate("window.__same_page") is True and page.url.endswith("/workbench/")
    expect(page.locator("#ask-question")).to_have_value("畅享5G 59元档多少流量")
    # an empty question: the field's message beside the box, still the same page
    page.evaluate("document.getElementById('ask-question').removeAttribute('required')")
    ask_empty = page.locator("#ask-form .field-error")
    page.fill("#ask-question", "")
    page.click("#ask")
    expect(ask_empty).to_have_text("请填写问题")
    assert page.evaluate("window.__same_page") is True


def test_k3_what_nothing_answers_is_never_shown_as_an_answer(browser, base):  # noqa: F811
    """Before issue 14 the assistant answered it with 携号转网办理条件."""
    page = at_the_workbench(browser, base)
    ask(page, "打开酷狗并随机播放")
    assert page.locator("#ask-answer").count() == 0
    assert page.locator("#ask-none").is_visible()
    assert "没有把握的答案" in page.locator("#ask-none").inner_text()


def test_k2_k3_the_halls_own_fact_is_answered_at_the_counter_from_its_article(
    browser,  # noqa: F811
    base,
):
    """The demo's hall facts are articles the assistant answers from, with the article named."""
    from playwright.sync_api import expect

    page = at_the_workbench(browser, base)
    ask(page, "你们营业厅几点关门")
    answer = page.locator("#ask-answer")
    expect(answer).to_be_visible()
    assert "营业厅营业时间" in answer.inner_text() and "把握" in answer.inner_text()
