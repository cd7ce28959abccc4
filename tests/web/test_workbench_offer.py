"""The plan recommendation on the counter workbench (M2, M3): shown for the customer being
served with the saving explained in Chinese, and the customer's answer recorded from it."""

import html

import pytest

from servicehall.catalog import importer
from servicehall.catalog.models import RecommendationOffer
from servicehall.customers.models import Bill
from servicehall.demo import CATALOGUE_CSV
from tests.catalog.conftest import add_bills
from tests.web.test_pages import as_user, english, flashed_errors, text

PHONE = "13900001234"  # the customer of the `serving` fixture


@pytest.fixture
def catalogue(db):
    return importer.store(importer.parse(CATALOGUE_CSV.encode(), "catalogue.csv"))


@pytest.fixture
def with_usage(catalogue, serving):
    ticket, customer = serving
    add_bills(
        PHONE, customer, amounts=("168.00", "165.50", "171.20"), voice=350, data=25600, calls=40
    )
    return ticket, customer


def test_m2_workbench_shows_the_recommendation_while_serving(with_usage, clerk):
    body = html.unescape(text(as_user(clerk).get("/workbench/")))
    assert 'id="offer"' in body and "套餐推荐" in body
    assert "智享合约 96元档" in body and "每月可省 105.23 元" in body
    assert "每月可节省105.23元" in body and "实际月租63元" in body  # the explanation (M2)
    assert 'name="moment" value="consultation"' in body  # a 咨询 ticket: a consultation (M3)
    for outcome in ("accepted", "considering", "declined"):
        assert f'id="offer-{outcome}"' in body


def test_m2_workbench_in_english_keeps_the_chinese_explanation_and_adds_english(with_usage, clerk):
    body = html.unescape(text(english(as_user(clerk)).get("/workbench/")))
    assert "Plan recommendation" in body and "每月可节省105.23元" in body
    assert "105.23 yuan less a month" in body


def test_m3_workbench_records_the_answer(with_usage, clerk):
    ticket, customer = with_usage
    c = as_user(clerk)
    r = c.post(
        "/workbench/offer",
        {
            "tier": "智享合约/96元档",
            "moment": "consultation",
            "outcome": "accepted",
            "note": "换机",
        },
        follow=True,
    )
    assert flashed_errors(r) == []
    offer = RecommendationOffer.objects.get()
    assert (offer.number, offer.customer, offer.outcome, offer.moment) == (
        PHONE,
        customer,
        "accepted",
        "consultation",
    )
    assert offer.ticket_number == ticket.number and offer.offered_by == clerk
    assert offer.note == "换机" and offer.channel == "counter"
    body = text(r)
    assert "已记录客户的答复：接受" in body and 'id="offer-last"' in body


def test_m3_workbench_refuses_a_stale_or_bad_answer_beside_the_panel(with_usage, clerk):
    c = as_user(clerk)
    r = c.post("/workbench/offer", {"tier": "畅享5G/99元档", "outcome": "accepted"}, follow=True)
    errors = flashed_errors(r)
    assert len(errors) == 1 and "推荐已变化" in errors[0] and "recommendation" not in errors[0]
    body = text(r)
    assert body.index('id="offer-form"') < body.index(html.escape(errors[0])[:10])
    r = c.post("/workbench/offer", {"tier": "智享合约/96元档", "outcome": "perhaps"}, follow=True)
    assert "outcome" in flashed_errors(r)[0]
    assert not RecommendationOffer.objects.exists()


def test_m2_no_saving_says_so_without_buttons(catalogue, serving, clerk):
    ticket, customer = serving
    add_bills(PHONE, customer, amounts=("40.00",) * 3, voice=60, data=2048)
    body = html.unescape(text(as_user(clerk).get("/workbench/")))
    assert 'data-reason="no_saving"' in body and "现有套餐已较合适" in body
    assert 'id="offer-form"' not in body


def test_m2_no_usage_no_panel_error(catalogue, serving, clerk):
    Bill.objects.all().delete()
    body = html.unescape(text(as_user(clerk).get("/workbench/")))
    assert 'data-reason="no_usage"' in body and "暂无该号码近几个月的使用量" in body


def test_m3_answer_without_a_customer_at_the_counter(catalogue, hall, clerk):
    r = as_user(clerk).post("/workbench/offer", {"tier": "x", "outcome": "accepted"}, follow=True)
    assert r.status_code == 200
    assert "当前没有已识别客户的号码" in text(r)
