"""The counter workbench's new use cases through the services (Q2, Q4, C8): pausing and
resuming a counter, calling a ticket by its number (特呼), the waiting list in calling order,
and the summary a transfer carries to the counter that receives it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.core.errors import Conflict, NotFound, ServiceError
from servicehall.customers.models import Tier
from servicehall.org.models import ServiceType
from servicehall.queueing import selectors, services
from servicehall.queueing.models import CounterPause, Ticket, TicketEvent
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


# ---------------------------------------------------------------- pause and resume


def test_q2_paused_counter_refuses_call_next_and_call_number(hall, device):
    t = issue(device, hall)
    staff, c = signed_in(hall, "1号窗口")
    pause = services.pause_counter(staff, c, "break")
    assert pause.ended_at is None and pause.reason == "break"
    for call in (
        lambda: services.call_next(staff, c),
        lambda: services.call_number(staff, c, t.number),
    ):
        with pytest.raises(Conflict) as e:
            call()
        assert e.value.code == "counter_paused" and "暂停" in e.value.zh and "paused" in e.value.en
    assert Ticket.objects.get(pk=t.pk).status == "waiting"  # nothing written
    services.resume_counter(staff, c)
    assert CounterPause.objects.get(pk=pause.pk).ended_at is not None
    assert services.call_next(staff, c).pk == t.pk


def test_q2_paused_counter_with_empty_queue_says_paused_not_empty(hall):
    staff, c = signed_in(hall, "1号窗口")
    services.pause_counter(staff, c, "training")
    with pytest.raises(Conflict) as e:
        services.call_next(staff, c)
    assert e.value.code == "counter_paused"


def test_q2_pause_refused_with_a_ticket_called_or_in_service(hall, device):
    t = issue(device, hall)
    staff, c = signed_in(hall, "1号窗口")
    services.call_next(staff, c)
    with pytest.raises(Conflict) as e:
        services.pause_counter(staff, c, "break")
    assert e.value.code == "ticket_in_service" and t.number in e.value.zh
    services.start_service(staff, t.pk)
    with pytest.raises(Conflict):
        services.pause_counter(staff, c, "break")
    assert not CounterPause.objects.exists()


def test_q2_pause_reason_checked_other_needs_a_note(hall):
    staff, c = signed_in(hall, "1号窗口")
    with pytest.raises(ServiceError) as e:
        services.pause_counter(staff, c, "lunch")
    assert e.value.code == "invalid_choice" and e.value.field == "reason"
    with pytest.raises(ServiceError) as e:
        services.pause_counter(staff, c, "other", "  ")
    assert e.value.code == "required" and e.value.field == "note"
    p = services.pause_counter(staff, c, "other", "打印机卡纸")
    assert p.note == "打印机卡纸"
    with pytest.raises(Conflict) as e:
        services.pause_counter(staff, c, "break")
    assert e.value.code == "already_paused"


def test_q2_only_the_signed_in_clerk_pauses_and_resume_needs_a_pause(hall):
    staff, c = signed_in(hall, "1号窗口")
    other = make_staff("clerk", hall)
    with pytest.raises(Conflict) as e:
        services.pause_counter(other, c, "break")
    assert e.value.code == "not_signed_in"
    with pytest.raises(Conflict) as e:
        services.resume_counter(staff, c)
    assert e.value.code == "not_paused"


def test_q2_sign_out_ends_the_pause_and_a_new_session_is_not_paused(hall, device):
    t = issue(device, hall)
    staff, c = signed_in(hall, "1号窗口")
    pause = services.pause_counter(staff, c, "backoffice")
    services.sign_out(staff, c)
    assert CounterPause.objects.get(pk=pause.pk).ended_at is not None
    services.sign_in(staff, c)
    assert services.call_next(staff, c).pk == t.pk


def test_q4_board_shows_the_paused_counter_with_reason_and_since(hall):
    staff, c = signed_in(hall, "1号窗口")
    services.pause_counter(staff, c, "training")
    row = next(r for r in selectors.board(hall)["counters"] if r["id"] == c.pk)
    assert row["state"] == "paused"
    assert row["pause"]["reason"] == "training"
    assert row["pause"]["since"] == timezone.localtime().strftime("%H:%M")
    services.resume_counter(staff, c)
    row = next(r for r in selectors.board(hall)["counters"] if r["id"] == c.pk)
    assert row["state"] == "idle" and row["pause"] is None


def test_q1_wait_estimate_stops_counting_a_paused_counter(hall, device):
    staff1, c1 = signed_in(hall, "1号窗口")
    staff2, c2 = signed_in(hall, "2号窗口")
    for _ in range(4):
        issue(device, hall, "payment")
    last = issue(device, hall, "payment")
    two = selectors.estimate_wait(last)
    assert two.open_counters == 2
    services.pause_counter(staff2, c2, "break")  # forgets the per-process cache at once
    one = selectors.estimate_wait(last)
    assert one.open_counters == 1 and one.minutes > two.minutes
    services.pause_counter(staff1, c1, "break")
    assert selectors.estimate_wait(last).minutes is None  # nobody serves it now: said so
    services.resume_counter(staff1, c1)
    assert selectors.estimate_wait(last).open_counters == 1


# ---------------------------------------------------------------- call a number (特呼)


def test_q2_call_number_takes_that_ticket_out_of_turn_and_records_a_special_call(hall, device):
    first = issue(device, hall)
    wanted = issue(device, hall)
    staff, c = signed_in(hall, "1号窗口")
    t = services.call_number(staff, c, f" {wanted.number.lower()} ")
    assert t.pk == wanted.pk and t.status == "called" and t.counter_id == c.pk
    e = TicketEvent.objects.filter(ticket=wanted, kind="called").get()
    assert e.data["reason"] == "special_call" and e.actor_id == staff.pk
    assert Ticket.objects.get(pk=first.pk).status == "waiting"
    with pytest.raises(Conflict) as e:  # the counter is busy with it now
        services.call_number(staff, c, first.number)
    assert e.value.code == "ticket_in_service"


def test_q2_call_number_refusals_say_why(hall, device):
    staff, c1 = signed_in(hall, "1号窗口")  # business, payment, consult
    with pytest.raises(ServiceError) as e:
        services.call_number(staff, c1, "")
    assert e.value.code == "required"
    with pytest.raises(NotFound) as e:
        services.call_number(staff, c1, "Z999")
    assert e.value.code == "unknown_number" and "Z999" in e.value.zh
    complaint = issue(device, hall, "complaint")  # not served at 1号窗口
    with pytest.raises(Conflict) as e:
        services.call_number(staff, c1, complaint.number)
    assert e.value.code == "not_for_this_counter" and "投诉" in e.value.zh
    quiet = issue(device, hall, "business")
    services.move_to_quiet(make_staff("hall_manager", hall), quiet.pk)
    with pytest.raises(Conflict) as e:
        services.call_number(staff, c1, quiet.number)
    assert "安静" in e.value.zh
    sent = issue(device, hall, "business")
    services.transfer(staff, sent.pk, counter_id=counter(hall, "2号窗口").pk)
    with pytest.raises(Conflict) as e:
        services.call_number(staff, c1, sent.number)
    assert "2号窗口" in e.value.zh
    done = issue(device, hall, "payment")
    with pytest.raises(ServiceError) as refused:  # a kiosk never cancels anyone's ticket
        services.cancel_ticket(device, done.pk)
    assert refused.value.status == 403
    services.cancel_ticket(staff, done.pk)
    with pytest.raises(Conflict) as e:
        services.call_number(staff, c1, done.number)
    assert e.value.code == "not_waiting" and "已取消" in e.value.zh and "cancelled" in e.value.en
    assert not TicketEvent.objects.filter(kind="called").exists()


def test_q5_quiet_ticket_only_at_a_quiet_counter(hall, device):
    t = issue(device, hall, "business")
    services.move_to_quiet(make_staff("hall_manager", hall), t.pk)
    staff, quiet = signed_in(hall, "安静咨询室", role="complaint_desk")
    assert services.call_number(staff, quiet, t.number).pk == t.pk


def test_q2_call_number_only_todays_ticket_of_this_hall(hall, device):
    old = issue(device, hall)
    Ticket.objects.filter(pk=old.pk).update(day=timezone.localdate() - timedelta(days=1))
    staff, c = signed_in(hall, "1号窗口")
    with pytest.raises(NotFound):
        services.call_number(staff, c, old.number)


def test_q3_vip_only_counter_refuses_a_standard_number(db):
    from tests.factories import make_hall

    hall = make_hall("viponly", counters=[("VIP", "vip", ["business"], True)])
    device = make_staff("device", hall)
    t = issue(device, hall)
    staff, c = signed_in(hall, "VIP", role="vip_clerk")
    with pytest.raises(Conflict) as e:
        services.call_number(staff, c, t.number)
    assert "VIP" in e.value.zh


def test_q2_device_cannot_call(hall, device):
    t = issue(device, hall)
    with pytest.raises(ServiceError) as e:
        services.call_number(device, counter(hall, "1号窗口"), t.number)
    assert e.value.status == 403


# ---------------------------------------------------------------- the waiting list


def test_q4_waiting_list_in_calling_order_with_the_reason(hall, device):
    make_customer(Tier.GOLD, phone="13800000031")
    plain = issue(device, hall)
    vip = issue(device, hall, phone="13800000031")
    old = issue(device, hall, "payment")
    age(old, 20)
    sent = issue(device, hall, "consult")
    staff, c = signed_in(hall, "1号窗口")
    services.transfer(make_staff("clerk", hall), sent.pk, counter_id=c.pk)
    issue(device, hall, "complaint")  # not for this counter: not listed
    q = selectors.waiting_list(c)
    assert [r["number"] for r in q["rows"]] == [sent.number, old.number, vip.number, plain.number]
    assert [r["band"] for r in q["rows"]] == [
        "transferred_here",
        "past_wait_limit",
        "vip",
        "arrival_order",
    ]
    assert q["rows"][1]["waited_min"] == 20 and q["rows"][2]["vip"] is True
    assert q["rows"][0]["transferred"] is True and q["total"] == 4 and q["more"] == 0
    # the list is what call-next would take, in that order
    assert services.call_next(staff, c).pk == sent.pk


def test_q4_waiting_list_is_capped(hall, device):
    for _ in range(5):
        issue(device, hall, "payment")
    _, c = signed_in(hall, "1号窗口")
    q = selectors.waiting_list(c, limit=3)
    assert len(q["rows"]) == 3 and q["total"] == 5 and q["more"] == 2


# ---------------------------------------------------------------- the transfer summary (C8)


def test_c8_transfer_of_a_ticket_in_service_needs_a_summary_the_next_counter_reads(hall, device):
    t = issue(device, hall, "business")
    staff, c1 = signed_in(hall, "1号窗口")
    services.call_next(staff, c1)
    services.start_service(staff, t.pk)
    c2 = counter(hall, "2号窗口")
    with pytest.raises(ServiceError) as e:
        services.transfer(staff, t.pk, counter_id=c2.pk, note="   ")
    assert e.value.code == "required" and e.value.field == "note"
    assert Ticket.objects.get(pk=t.pk).status == "serving"  # unchanged
    services.transfer(staff, t.pk, counter_id=c2.pk, note="客户要办宽带提速，已核实身份")
    staff2, _ = make_staff("clerk", hall), None
    services.sign_in(staff2, c2)
    called = services.call_next(staff2, c2)
    note = selectors.transfer_note(called)
    assert note["note"] == "客户要办宽带提速，已核实身份"
    assert note["from_counter"] == "1号窗口"
    assert note["by"] == staff.staff.full_name
    assert note["at"] <= timezone.now()


def test_c8_a_called_ticket_may_go_without_a_summary(hall, device):
    t = issue(device, hall, "business")
    staff, c1 = signed_in(hall, "1号窗口")
    services.call_next(staff, c1)
    services.transfer(staff, t.pk, service_type_code="consult")
    assert selectors.transfer_note(Ticket.objects.get(pk=t.pk))["note"] == ""
    assert selectors.transfer_note(issue(device, hall)) is None


def test_q2_transfer_to_a_counter_that_does_not_serve_the_business_is_refused(hall, device):
    """A001 for 业务办理 sent to a payment-only counter once became a 缴费 ticket without a word:
    the transfer is refused naming what that counter serves; with the service given too it goes."""
    staff = make_staff("clerk", hall)
    pay = counter(hall, "2号窗口")
    pay.service_types.set(ServiceType.objects.filter(code="payment"))
    t = services.issue_ticket(device, hall, "business")
    with pytest.raises(ServiceError) as e:
        services.transfer(staff, t.pk, counter_id=pay.pk)
    assert e.value.code == "not_for_this_counter" and e.value.field == "counter"
    assert "缴费" in e.value.zh
    t.refresh_from_db()
    assert t.service_type.code == "business" and t.target_counter_id is None
    services.transfer(staff, t.pk, counter_id=pay.pk, service_type_code="payment")
    t.refresh_from_db()
    assert t.service_type.code == "payment" and t.target_counter_id == pay.pk


def test_v2_numbers_typed_into_a_transfer_summary_are_masked_for_staff(hall, device, api_as):
    """The probe read "客户手机13912345678" back in full from a ticket's events: the summary and
    the events show typed numbers masked, as a case's timeline does."""
    staff = make_staff("clerk", hall)
    c1 = counter(hall, "1号窗口")
    services.sign_in(staff, c1)
    t = services.issue_ticket(device, hall, "business")
    services.call_next(staff, c1)
    services.start_service(staff, t.pk)
    services.transfer(
        staff, t.pk, counter_id=counter(hall, "2号窗口").pk, note="客户手机13912345678要办宽带"
    )
    t.refresh_from_db()
    assert selectors.transfer_note(t)["note"] == "客户手机139****5678要办宽带"
    events = api_as(staff).get(f"/queue/tickets/{t.pk}/events").json()
    assert "13912345678" not in str(events) and "139****5678" in str(events)
