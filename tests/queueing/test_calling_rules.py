"""The calling rule (Q2, Q3, Q5) through the services, one behaviour per test."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.core.errors import Conflict, ServiceError
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket
from tests.factories import counter, make_customer, make_staff


def issue(user, hall, code="business", phone=None):
    return services.issue_ticket(user, hall, code, phone=phone)


def signed_in(hall, name, role="clerk"):
    staff = make_staff(role, hall)
    c = counter(hall, name)
    services.sign_in(staff, c)
    return staff, c


def age(ticket, minutes):
    Ticket.objects.filter(pk=ticket.pk).update(
        arrival_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_q1_numbers_run_per_service_type(hall, device):
    assert [issue(device, hall, "business").number for _ in range(2)] == ["A001", "A002"]
    assert issue(device, hall, "payment").number == "B001"


def test_q3_higher_tier_first_then_arrival(hall, device):
    make_customer("silver", phone="13800000011")
    make_customer("supreme", phone="13800000012")
    std = issue(device, hall)
    silver = issue(device, hall, phone="13800000011")
    supreme = issue(device, hall, phone="13800000012")
    staff, c = signed_in(hall, "1号窗口")
    order = []
    for _ in range(3):
        t = services.call_next(staff, c)
        order.append(t.pk)
        services.start_service(staff, t.pk)
        services.finish_service(staff, t.pk, "order-change")
    assert order == [supreme.pk, silver.pk, std.pk]


def test_q3_standard_ticket_past_limit_is_not_starved_by_vips(hall, device):
    """The documented anti-starvation rule: past its 15-minute limit, a standard ticket goes
    before VIP tickets that are still within their limit."""
    make_customer("gold", phone="13800000021")
    old_std = issue(device, hall)
    age(old_std, 16)
    issue(device, hall, phone="13800000021")
    staff, c = signed_in(hall, "1号窗口")
    assert services.call_next(staff, c).pk == old_std.pk
    called = old_std.events.get(kind="called")
    assert called.data["reason"] == "past_wait_limit"  # the timeline says why it came first


def test_q3_vip_past_its_10_minute_limit_precedes_older_standard_within_limit(hall, device):
    make_customer("silver", phone="13800000031")
    std = issue(device, hall)
    age(std, 12)  # within 15
    vip = issue(device, hall, phone="13800000031")
    age(vip, 11)  # past 10
    staff, c = signed_in(hall, "1号窗口")
    assert services.call_next(staff, c).pk == vip.pk


def test_q3_due_appointment_called_at_its_time(hall, device):
    gold = make_customer("gold", phone="13800000041")
    make_customer("supreme", phone="13800000042")
    slot = timezone.now() + timedelta(minutes=10)
    appt = services.book_appointment(
        make_staff("account_manager", hall), hall, "business", "13800000041", slot
    )
    appt_ticket = services.check_in(device, hall, "13800000041")
    assert appt_ticket.appointment_id == appt.pk and appt_ticket.customer_id == gold.pk
    issue(device, hall, phone="13800000042")  # a supreme walk-in
    staff, c = signed_in(hall, "1号窗口")
    # before the booked time the supreme walk-in goes first …
    first = services.call_next(staff, c)
    assert first.pk != appt_ticket.pk
    services.start_service(staff, first.pk)
    services.finish_service(staff, first.pk, "order-change")
    # … once the time has come, the appointment goes before another top-tier walk-in
    Ticket.objects.filter(pk=appt_ticket.pk).update(
        appointment_at=timezone.now() - timedelta(minutes=1)
    )
    make_customer("supreme", phone="13800000043")
    issue(device, hall, phone="13800000043")
    assert services.call_next(staff, c).pk == appt_ticket.pk


def test_q3_check_in_outside_window_is_refused(hall, device):
    make_customer("gold", phone="13800000051")
    services.book_appointment(
        make_staff("account_manager", hall),
        hall,
        "business",
        "13800000051",
        timezone.now() + timedelta(hours=3),
    )
    with pytest.raises(ServiceError) as e:
        services.check_in(device, hall, "13800000051")
    assert e.value.code == "no_appointment" and e.value.field == "phone"
    assert Ticket.objects.count() == 0


def test_q2_counter_calls_only_its_service_types(hall, device):
    issue(device, hall, "consult")
    staff, c2 = signed_in(hall, "2号窗口")  # business + payment only
    with pytest.raises(Conflict) as e:
        services.call_next(staff, c2)
    assert e.value.code == "queue_empty"


def test_q2_vip_only_counter_never_calls_standard(db):
    from servicehall.org.models import Counter
    from tests.factories import make_hall

    hall = make_hall("vip-only", counters=[("VIP专柜", Counter.Kind.VIP, ["business"], True)])
    dev = make_staff("device", hall)
    services.issue_ticket(dev, hall, "business")
    staff = make_staff("vip_clerk", hall)
    c = hall.counters.get()
    services.sign_in(staff, c)
    with pytest.raises(Conflict):
        services.call_next(staff, c)
    make_customer("gold", phone="13800000061")
    vip = services.issue_ticket(dev, hall, "business", phone="13800000061")
    assert services.call_next(staff, c).pk == vip.pk


def test_q2_clerk_cannot_sign_in_at_vip_counter(hall):
    with pytest.raises(Conflict) as e:
        services.sign_in(make_staff("clerk", hall), counter(hall, "VIP专席"))
    assert e.value.field == "counter"


def test_q2_transfer_keeps_arrival_and_goes_to_named_counter(hall, device):
    t = issue(device, hall, "business")
    age(t, 6)
    arrival = Ticket.objects.get(pk=t.pk).arrival_at
    staff, c1 = signed_in(hall, "1号窗口")
    services.call_next(staff, c1)
    services.start_service(staff, t.pk)
    c2 = counter(hall, "2号窗口")
    moved = services.transfer(staff, t.pk, counter_id=c2.pk, note="客户要办宽带，已核实身份")
    assert (
        moved.status == "waiting"
        and moved.arrival_at == arrival
        and moved.target_counter_id == c2.pk
    )
    # counter 1 may not take it back: it waits for counter 2
    with pytest.raises(Conflict):
        services.call_next(staff, c1)
    staff2 = make_staff("clerk", hall)
    services.sign_in(staff2, c2)
    assert services.call_next(staff2, c2).pk == t.pk
    kinds = list(t.events.values_list("kind", flat=True))
    assert kinds == ["issued", "called", "started", "transferred", "called"]


def test_q2_transfer_to_service_type(hall, device):
    t = issue(device, hall, "business")
    staff, c1 = signed_in(hall, "1号窗口")
    services.call_next(staff, c1)
    moved = services.transfer(staff, t.pk, service_type_code="consult")
    assert moved.service_type.code == "consult" and moved.number == t.number


def test_q2_no_show_only_after_configured_recalls(hall, device):
    t = issue(device, hall)
    staff, c = signed_in(hall, "1号窗口")
    services.call_next(staff, c)
    with pytest.raises(Conflict) as e:
        services.no_show(staff, t.pk)
    assert e.value.code == "recall_first"
    services.recall(staff, t.pk)
    services.recall(staff, t.pk)
    assert services.no_show(staff, t.pk).status == "no_show"


def test_q5_quiet_area_ticket_called_only_by_quiet_counter(hall, device):
    t = issue(device, hall, "business")
    staff, c1 = signed_in(hall, "1号窗口")
    services.call_next(staff, c1)
    services.move_to_quiet(staff, t.pk, "客户情绪激动")
    issue(device, hall, "business")  # someone else keeps c1 busy afterwards
    staff_q = make_staff("complaint_desk", hall)
    quiet = counter(hall, "安静咨询室")
    services.sign_in(staff_q, quiet)
    assert services.call_next(staff_q, quiet).pk == t.pk
    assert Ticket.objects.get(pk=t.pk).area == "quiet"


def test_q1_wait_estimate_follows_live_state(hall, device):
    tickets = [issue(device, hall, "payment") for _ in range(4)]
    last = tickets[-1]
    assert selectors.estimate_wait(last).minutes is None  # no counter open
    signed_in(hall, "2号窗口")  # business + payment
    one = selectors.estimate_wait(last)
    assert one.ahead == 3 and one.minutes == 3 * 3  # payment expects 3 min
    signed_in(hall, "1号窗口")
    two = selectors.estimate_wait(last)
    assert two.ahead == 3 and two.minutes < one.minutes


def test_q4_board_lists_every_ticket_past_its_limit(hall, device):
    make_customer("gold", phone="13800000071")
    std, vip = issue(device, hall), issue(device, hall, phone="13800000071")
    fresh = issue(device, hall)
    age(std, 16)
    age(vip, 11)
    b = selectors.board(hall)
    overdue = {row["number"]: row for row in b["overdue"]}
    assert set(overdue) == {std.number, vip.number} and fresh.number not in overdue
    assert overdue[vip.number]["limit_min"] == 10 and overdue[std.number]["limit_min"] == 15
    assert b["waiting_total"] == 3 and b["longest_wait_min"] >= 16
