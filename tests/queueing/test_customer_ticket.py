"""The customer's side of a ticket (Q1): the unguessable token of the "my ticket" page, cancel
by the customer, the one "two ahead" text, appointment check-in without a number."""

import threading

import pytest
from django.db import connection

from servicehall.core.errors import Conflict, NotFound, ServiceError
from servicehall.core.models import SmsMessage
from servicehall.customers.models import Tier
from servicehall.org.models import Counter
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket, TicketEvent
from tests.factories import counter, make_customer, make_hall, make_staff


def issue(device, hall, phone=None, code="payment"):
    return services.issue_ticket(device, hall, code, phone=phone)


def near_texts():
    return list(SmsMessage.objects.filter(purpose="queue_near").order_by("pk"))


# ---------------------------------------------------------------- token


def test_q1_every_ticket_gets_its_own_unguessable_token(hall, device):
    tokens = {issue(device, hall).token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 20 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_q1_unknown_token_is_not_found(hall, device):
    issue(device, hall)
    with pytest.raises(NotFound):
        selectors.ticket_by_token("no-such-token")
    with pytest.raises(NotFound):
        services.cancel_by_customer("")


def test_q1_my_ticket_link_is_absolute_public_url(hall, device, settings):
    settings.PUBLIC_URL = "https://hall.example.cn"
    t = issue(device, hall)
    assert selectors.my_ticket_url(t.token) == f"https://hall.example.cn/t/{t.token}/"


def test_q1_the_number_given_is_kept_normalized_for_the_text(hall, device):
    t = issue(device, hall, phone="+86 139-0000-1234")
    assert Ticket.objects.get(pk=t.pk).notify_phone == "13900001234"
    assert issue(device, hall).notify_phone == ""


# ---------------------------------------------------------------- cancel by the customer


def test_q1_customer_cancels_a_waiting_ticket(hall, device):
    t = issue(device, hall)
    services.cancel_by_customer(t.token)
    assert Ticket.objects.get(pk=t.pk).status == Ticket.Status.CANCELLED
    ev = TicketEvent.objects.filter(ticket=t, kind="cancelled").get()
    assert ev.actor is None and ev.data == {"by": "customer"}
    assert (ev.from_status, ev.to_status) == ("waiting", "cancelled")


def test_q1_cancelled_ticket_cannot_be_cancelled_again(hall, device):
    t = issue(device, hall)
    services.cancel_by_customer(t.token)
    with pytest.raises(Conflict) as exc:
        services.cancel_by_customer(t.token)
    assert "已取消" in exc.value.zh and "already cancelled" in exc.value.en
    assert TicketEvent.objects.filter(ticket=t, kind="cancelled").count() == 1


def test_q1_called_ticket_cannot_be_cancelled_and_says_where_to_go(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    t = issue(device, hall)
    services.call_next(clerk, c)
    with pytest.raises(Conflict) as exc:
        services.cancel_by_customer(t.token)
    assert "请到1号窗口办理" in exc.value.zh and "1号窗口" in exc.value.en
    assert Ticket.objects.get(pk=t.pk).status == Ticket.Status.CALLED


# ---------------------------------------------------------------- the "two ahead" text


def test_q1_two_ahead_text_goes_once_when_the_line_reaches_two(hall, device, clerk):
    c = counter(hall, "2号窗口")  # business, payment
    services.sign_in(clerk, c)
    first = [issue(device, hall) for _ in range(3)]
    mine = issue(device, hall, phone="13900004321")  # 3 ahead: to be texted later
    assert mine.near_notified_at is None
    services.call_next(clerk, c)  # 2 ahead now
    texts = near_texts()
    assert len(texts) == 1
    assert texts[0].to == "13900004321"
    assert mine.number in texts[0].text and "前面还有 2 人" in texts[0].text
    assert f"/t/{mine.token}/" in texts[0].text
    assert Ticket.objects.get(pk=mine.pk).near_notified_at is not None
    for t in first[1:]:  # each later call: 1 ahead, 0 ahead — no second text
        services.finish_service(clerk, services.start_service(clerk, _current(c).pk).pk, "bill-pay")
        services.call_next(clerk, c)
        assert Ticket.objects.get(pk=t.pk).status == Ticket.Status.CALLED
    assert len(near_texts()) == 1


def _current(c):
    return selectors.current_ticket(c)


def test_q1_no_two_ahead_text_when_already_near_at_issue(hall, device, clerk):
    c = counter(hall, "2号窗口")
    services.sign_in(clerk, c)
    issue(device, hall)
    near = issue(device, hall, phone="13900004322")  # 1 ahead: the slip tells it
    assert near.near_notified_at is not None
    services.call_next(clerk, c)
    assert near_texts() == []


def test_q1_vip_going_ahead_of_the_line_is_near_at_issue(hall, device):
    for _ in range(4):
        issue(device, hall)
    make_customer(tier=Tier.GOLD, phone="13900004326")
    vip = issue(device, hall, phone="13900004326")  # 4 standard tickets, yet first in line
    assert vip.is_vip and vip.near_notified_at is not None
    standard = issue(device, hall, phone="13900004327")  # 5 ahead
    assert standard.near_notified_at is None


def test_q1_no_text_without_a_number(hall, device, clerk):
    c = counter(hall, "2号窗口")
    services.sign_in(clerk, c)
    for _ in range(5):
        issue(device, hall)
    services.call_next(clerk, c)
    assert near_texts() == []


def test_q1_two_ahead_text_counts_the_ticket_line_not_other_types(hall, device, clerk):
    c = counter(hall, "2号窗口")
    services.sign_in(clerk, c)
    for _ in range(3):
        issue(device, hall, code="business")
    for _ in range(3):
        issue(device, hall, code="payment")
    mine = issue(device, hall, phone="13900004323", code="payment")  # 3 payment ahead
    services.call_next(clerk, c)  # calls a business ticket (earlier arrival): payment unchanged
    assert Ticket.objects.filter(status="called").get().service_type.code == "business"
    assert near_texts() == []
    assert Ticket.objects.get(pk=mine.pk).near_notified_at is None


@pytest.fixture
def two_counter_hall(transactional_db):
    hall = make_hall(
        "near-race",
        counters=[
            ("1号窗口", Counter.Kind.STANDARD, ["payment"], False),
            ("2号窗口", Counter.Kind.STANDARD, ["payment"], False),
        ],
    )
    clerks = []
    for c in hall.counters.all():
        clerk = make_staff("clerk", hall)
        services.sign_in(clerk, c)
        clerks.append((clerk, c))
    return hall, clerks


def test_q1_two_ahead_text_once_when_two_counters_call_at_once(two_counter_hall):
    hall, clerks = two_counter_hall
    device = make_staff("device", hall)
    for _ in range(3):
        services.issue_ticket(device, hall, "payment")
    # 3 ahead: after either call it is due, so both calls' checks may find it due at once
    mine = services.issue_ticket(device, hall, "payment", phone="13900004324")
    barrier = threading.Barrier(2)
    called, errors = [], []

    def call(clerk, c):
        try:
            barrier.wait(timeout=30)
            called.append(services.call_next(clerk, c).pk)
        except ServiceError as exc:  # pragma: no cover - shows in the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=cc) for cc in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(set(called)) == 2  # two calls: 1 ahead now
    texts = near_texts()
    assert [m.to for m in texts] == ["13900004324"]
    assert Ticket.objects.get(pk=mine.pk).near_notified_at is not None


def test_q1_two_ahead_checks_racing_send_one_text(two_counter_hall):
    """The check after a call runs outside the call's lock: many at once still text once."""
    hall, _clerks = two_counter_hall
    device = make_staff("device", hall)
    for _ in range(3):
        services.issue_ticket(device, hall, "payment")
    mine = services.issue_ticket(device, hall, "payment", phone="13900004325")
    Ticket.objects.filter(status="waiting").exclude(pk=mine.pk).order_by("pk").first().delete()
    n = 6
    barrier = threading.Barrier(n)
    sent = []

    def check():
        try:
            barrier.wait(timeout=30)
            sent.append(services.notify_near(hall, "main", mine.service_type_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(sent) == [0] * (n - 1) + [1]
    assert [m.to for m in near_texts()] == ["13900004325"]


# ---------------------------------------------------------------- check-in


def test_q1_check_in_without_a_number_asks_for_it(hall, device):
    for blank in ("", "   ", None):
        with pytest.raises(ServiceError) as exc:
            services.check_in(device, hall, blank)
        assert exc.value.code == "required" and exc.value.field == "phone"
        assert exc.value.zh == "请输入手机号码"
        assert exc.value.en == "Please enter your mobile number"
    assert Ticket.objects.count() == 0


def test_q1_check_in_with_a_malformed_number_is_still_a_format_error(hall, device):
    make_customer(phone="13900009999")
    with pytest.raises(ServiceError) as exc:
        services.check_in(device, hall, "123")
    assert exc.value.code == "invalid_phone"
