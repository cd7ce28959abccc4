"""S4, Q3 — the 11:00 scene's verdict: the board says, for each line, how many counters are open
for it and how many it needs to call its tickets within the standard limit, and how many more
to open."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket
from tests.conftest import client_for
from tests.factories import counter, make_staff


def payment_line(hall, device, n: int) -> list[Ticket]:
    return [services.issue_ticket(device, hall, "payment") for _ in range(n)]


def row_of(board: dict, code: str) -> dict:
    return next(r for r in board["per_service_type"] if r["code"] == code)


def test_s4_a_long_payment_line_with_one_counter_needs_another(hall, device, clerk):
    """6 payment tickets (3 minutes each) before one open counter: 18 minutes of work, more
    than the 15-minute limit — two counters are needed, one more to open. A second clerk
    signing in at a counter that takes payments makes up the shortfall."""
    services.sign_in(clerk, counter(hall, "2号窗口"))  # business + payment
    payment_line(hall, device, 6)
    row = row_of(selectors.board(hall), "payment")
    assert (row["open"], row["needed"], row["short"]) == (1, 2, 1)
    assert selectors.board(hall)["counters_short"] == 1
    services.sign_in(make_staff("clerk", hall), counter(hall, "1号窗口"))
    row = row_of(selectors.board(hall), "payment")
    assert (row["open"], row["needed"], row["short"]) == (2, 2, 0)


def test_s4_a_short_line_needs_only_the_counter_it_has(hall, device, clerk):
    services.sign_in(clerk, counter(hall, "2号窗口"))
    payment_line(hall, device, 3)  # 9 minutes of work: within the limit
    row = row_of(selectors.board(hall), "payment")
    assert (row["open"], row["needed"], row["short"]) == (1, 1, 0)


def test_s4_a_busy_hour_needs_counters_by_erlang_c_before_the_line_grows(hall, device, clerk):
    """40 payment tickets in the last hour (3 minutes each: 2 erlangs) but only 2 waiting now:
    the line is short, the arrivals are not — Erlang C wants 3 counters for 80 % within 15
    minutes."""
    services.sign_in(clerk, counter(hall, "2号窗口"))
    tickets = payment_line(hall, device, 40)
    now = timezone.now()
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:38]]).update(status="cancelled")
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        arrival_at=now - timedelta(minutes=5)
    )
    row = row_of(selectors.board(hall, now), "payment")
    assert row["waiting"] == 2
    assert row["needed"] == 3 and row["short"] == 2


def test_s4_the_board_page_says_to_open_one_more_in_both_languages(hall, device, clerk, manager):
    services.sign_in(clerk, counter(hall, "2号窗口"))
    payment_line(hall, device, 6)
    zh = client_for(manager).get(f"/board/{hall.code}/").content.decode()
    assert "开放窗口 1 个，需 2 个" in zh and "需再开 1 个" in zh
    en = client_for(manager, "en").get(f"/board/{hall.code}/partial").content.decode()
    assert "counters open 1, needed 2" in en and "open 1 more" in en


# ---------------------------------------------------------------- the manager opens the line


def test_s4_the_manager_opens_the_line_at_another_open_counter(hall, device, clerk, manager):
    """2号窗口 (business, payment) is short for payment; 1号窗口 is open but … here it takes
    payment already, so the hall is made with a counter that does not: 3号窗口 (business only).
    Opening payment there makes it call the payment line, audited."""
    from servicehall.core.models import AuditLog
    from servicehall.org.models import Counter, ServiceType

    third = Counter.objects.create(hall=hall, number=9, name="9号窗口", kind="standard")
    third.service_types.set(ServiceType.objects.filter(code="business"))
    services.sign_in(clerk, counter(hall, "2号窗口"))
    other = make_staff("clerk", hall)
    services.sign_in(other, third)
    tickets = payment_line(hall, device, 6)
    row = row_of(selectors.board(hall), "payment")
    assert row["short"] == 1 and [c["name"] for c in row["could_open"]] == ["9号窗口"]
    page = client_for(manager).post(
        f"/board/{hall.code}/open-line", {"counter": third.pk, "service_type": "payment"}
    )
    assert page.status_code == 302
    row = row_of(selectors.board(hall), "payment")
    assert (row["open"], row["needed"], row["short"]) == (2, 2, 0)
    assert services.call_next(other, third).pk == tickets[0].pk
    assert AuditLog.objects.filter(action="counter.open_line", object_id=str(third.pk)).exists()


def test_s4_opening_a_line_is_refused_where_it_cannot_be(hall, clerk, manager):
    """A clerk may not; a counter of another hall is unknown; the quiet room, a counter that
    already takes the line and an unknown type are refused naming why — nothing changes."""
    import pytest

    from servicehall.core.errors import Forbidden, NotFound, ServiceError
    from tests.factories import make_hall

    first = counter(hall, "1号窗口")
    with pytest.raises(Forbidden):
        services.open_line_at_counter(clerk, hall, first.pk, "sales")
    elsewhere = counter(make_hall("other-hall"), "2号窗口")
    with pytest.raises(NotFound):
        services.open_line_at_counter(manager, hall, elsewhere.pk, "sales")
    with pytest.raises(NotFound):
        services.open_line_at_counter(manager, hall, "1; DROP", "sales")
    with pytest.raises(ServiceError) as quiet:
        services.open_line_at_counter(manager, hall, counter(hall, "安静咨询室").pk, "payment")
    assert "安静区" in quiet.value.zh and quiet.value.field == "counter"
    with pytest.raises(ServiceError) as again:
        services.open_line_at_counter(manager, hall, first.pk, "payment")
    assert "已办理" in again.value.zh and "already takes" in again.value.en
    with pytest.raises(ServiceError) as unknown:
        services.open_line_at_counter(manager, hall, first.pk, "nonsense")
    assert unknown.value.code == "unknown_service_type" and unknown.value.field == "service_type"
    for counter_id, code, field in ((None, "sales", "counter"), (first.pk, "", "service_type")):
        with pytest.raises(ServiceError) as missing:
            services.open_line_at_counter(manager, hall, counter_id, code)
        assert missing.value.field == field and missing.value.zh.startswith("请选择")
    assert sorted(first.service_types.values_list("code", flat=True)) == [
        "business",
        "consult",
        "payment",
    ]
    refused = client_for(manager).post(
        f"/board/{hall.code}/open-line",
        {"counter": first.pk, "service_type": "payment"},
        follow=True,
    )
    assert refused.status_code == 200 and "已办理" in refused.content.decode()


def test_s4_the_manager_closes_the_line_when_the_rush_is_over(hall, device, clerk, manager):
    """9号窗口 took payment for the rush; with the line down to tickets 2号窗口 (signed in, takes
    payment) can call, the manager takes it off 9号窗口 from the board: audited, and 9号窗口
    calls only its own line again. The board's counter row shows the lines with a close button."""
    from servicehall.core.models import AuditLog
    from servicehall.org.models import Counter, ServiceType

    third = Counter.objects.create(hall=hall, number=9, name="9号窗口", kind="standard")
    third.service_types.set(ServiceType.objects.filter(code__in=["business", "payment"]))
    services.sign_in(clerk, counter(hall, "2号窗口"))
    other = make_staff("clerk", hall)
    services.sign_in(other, third)
    payment_line(hall, device, 2)
    board = client_for(manager).get(f"/board/{hall.code}/partial").content.decode()
    assert 'class="close-line"' in board and "9号窗口停办缴费" in board
    page = client_for(manager).post(
        f"/board/{hall.code}/close-line",
        {"counter": third.pk, "service_type": "payment"},
        follow=True,
    )
    assert "已停办此业务" in page.content.decode()
    assert list(third.service_types.values_list("code", flat=True)) == ["business"]
    assert AuditLog.objects.filter(action="counter.close_line", object_id=str(third.pk)).exists()
    from servicehall.core.errors import ServiceError

    with pytest.raises(ServiceError) as empty:
        services.call_next(other, third)  # payment is no longer its line
    assert empty.value.code == "queue_empty"


def test_s4_closing_a_line_is_refused_where_it_would_strand_customers(hall, device, clerk, manager):
    """A clerk may not; a line the counter does not take, its only line, and the last signed-in
    counter of a line with customers waiting are refused naming why — nothing changes."""
    from servicehall.core.errors import Forbidden, ServiceError
    from servicehall.org.models import Counter, ServiceType

    only = Counter.objects.create(hall=hall, number=8, name="8号窗口", kind="standard")
    only.service_types.set(ServiceType.objects.filter(code="payment"))
    second = counter(hall, "2号窗口")
    with pytest.raises(Forbidden):
        services.close_line_at_counter(clerk, hall, second.pk, "payment")
    with pytest.raises(ServiceError) as not_taken:
        services.close_line_at_counter(manager, hall, second.pk, "sales")
    assert "没有办理" in not_taken.value.zh and not_taken.value.field == "service_type"
    with pytest.raises(ServiceError) as last:
        services.close_line_at_counter(manager, hall, only.pk, "payment")
    assert last.value.code == "last_line" and "唯一的业务" in last.value.zh
    services.sign_in(clerk, second)  # the only signed-in payment counter
    payment_line(hall, device, 3)
    with pytest.raises(ServiceError) as strand:
        services.close_line_at_counter(manager, hall, second.pk, "payment")
    assert "还有3位" in strand.value.zh and "3 " in strand.value.en
    assert "payment" in second.service_types.values_list("code", flat=True)
