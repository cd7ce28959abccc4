"""Q4: a database that is away (an outage, a restart, no pooled connection in time) is a 503 in
words — the house's page in the interface language, or the API's JSON with its code — never a
500, and it says nothing was changed. Other failures stay the 500 page."""

import pytest
from django.db import OperationalError
from django.test import Client

from servicehall.queueing import selectors

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


@pytest.fixture
def database_away(monkeypatch):
    def away(*args, **kwargs):
        raise OperationalError("couldn't get a connection after 30.00 sec")

    monkeypatch.setattr(selectors, "board", away)


def test_q4_a_database_away_is_a_503_in_words_on_pages_and_the_api(manager, database_away):
    c = _as(manager)
    page = c.get(f"/board/{manager.staff.hall.code}/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    body = page.content.decode()
    assert "暂时无法使用" in body and "本次操作未作任何更改" in body
    assert "OperationalError" not in body and "connection" not in body

    api = c.get(f"/api/queue/halls/{manager.staff.hall.code}/board")
    assert api.status_code == 503
    assert api.json() == {
        "code": "database_unavailable",
        "message": "系统暂时无法访问数据库，请稍后再试",
        "message_en": "The system cannot reach its database right now; try again in a moment",
        "field": None,
    }


def test_q4_other_failures_stay_the_500_page(manager, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "board", broken)
    page = _as(manager).get(f"/board/{manager.staff.hall.code}/")
    assert page.status_code == 500 and "系统出错了" in page.content.decode()
