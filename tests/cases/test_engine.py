"""The case engine: intake, first-contact ownership, workflows, closed loop, SLAs."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.errors import Conflict, ServiceError
from servicehall.customers.models import Tier
from tests import factories

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def consultation(clerk, ticket, **kw):
    args = dict(
        kind="consultation",
        channel="walk_in",
        category="broadband-speed",
        description="家里宽带晚上八点以后网速只有10M，签约是300M",
        ticket_id=ticket.pk,
    )
    args.update(kw)
    return cases.open_case(clerk, **args)


def test_c4_counter_intake_is_owned_by_the_clerk_and_linked_to_the_ticket(serving, clerk):
    ticket, customer = serving
    case = consultation(clerk, ticket)
    assert case.number.startswith("ZX") and case.status == "open"
    assert case.owner == clerk and case.ticket == ticket and case.customer == customer
    assert case.hall == ticket.hall
    assert case.first_responded_at is not None  # taken in person: already answered
    assert [e.kind for e in case.events.all()] == ["opened"]


def test_c3_account_action_needs_the_customer_identified(clerk):
    with pytest.raises(ServiceError) as e:
        cases.open_case(
            clerk,
            kind="work_order",
            channel="hotline",
            category="transfer-owner",
            description="想把号码过户给家人",
        )
    assert e.value.field == "phone" and e.value.code == "customer_not_identified"
    assert not Case.objects.exists()


def test_c4_consultation_becomes_a_work_order_with_summary_and_promise(serving, clerk):
    ticket, _ = serving
    case = consultation(clerk, ticket)
    promised = timezone.now() + timedelta(days=1)
    case, order = cases.act(
        clerk,
        case.pk,
        "convert",
        version=case.version,
        summary="晚高峰限速，需网络部核查",
        promised_at=promised.isoformat(),
    )
    assert case.status == "converted" and case.is_closed
    assert order.kind == "work_order" and order.status == "in_progress"
    assert order.parent == case and order.owner == clerk and order.ticket_id == ticket.pk
    assert "晚高峰限速" in order.description and order.promised_at == promised
    assert order.number.startswith("GD") and order.due_at is not None


def test_invalid_transition_is_409_with_the_allowed_actions(serving, clerk):
    order = consultation(clerk, serving[0], kind="work_order")
    with pytest.raises(Conflict) as e:
        cases.act(clerk, order.pk, "close", version=order.version, method="phone_call")
    body = e.value.as_dict()
    assert body["code"] == "invalid_transition"
    assert [a["action"] for a in body["allowed"]] == ["resolve"]
    assert "办结" in body["message"]


def test_c5_closing_needs_the_customers_confirmation(serving, clerk):
    """Free text alone no longer closes: how the customer confirmed is a structured choice."""
    order = consultation(clerk, serving[0], kind="work_order")
    order, _ = cases.act(clerk, order.pk, "resolve", version=order.version, resolution="已提速")
    with pytest.raises(ServiceError) as e:
        cases.act(clerk, order.pk, "close", version=order.version)
    assert e.value.field == "method" and e.value.status == 422
    with pytest.raises(ServiceError) as e:
        cases.act(clerk, order.pk, "close", version=order.version, confirmation="电话确认")
    assert e.value.field == "method" and e.value.status == 422
    order.refresh_from_db()
    assert order.status == "resolved" and not order.is_closed


def test_two_staff_editing_at_once_the_second_gets_409(serving, clerk, fault_desk):
    order = consultation(clerk, serving[0], kind="work_order")
    _desk, lead, _member = fault_desk
    cases.transfer(clerk, order.pk, version=order.version, desk="fault", summary="请核查线路")
    order.refresh_from_db()
    seen = order.version
    cases.act(lead, order.pk, "resolve", version=seen, resolution="更换光猫后恢复")
    with pytest.raises(Conflict) as e:
        cases.escalate(clerk, order.pk, version=seen, reason="客户着急")
    assert e.value.code == "stale_version" and e.value.extra["current_version"] == seen + 1
    order.refresh_from_db()
    assert order.status == "resolved" and order.resolution == "更换光猫后恢复"
    assert order.escalation_level == 0


def test_c8_transfer_carries_the_summary_and_keeps_the_owner(serving, clerk, fault_desk):
    desk, _lead, member = fault_desk
    order = consultation(clerk, serving[0], kind="work_order")
    case = cases.transfer(
        clerk, order.pk, version=order.version, desk="fault", summary="光猫红灯，已重启无效"
    )
    assert case.desk == desk and case.owner == clerk
    event = case.events.get(kind="transferred")
    assert event.note == "光猫红灯，已重启无效" and event.data["to_desk"] == "fault"
    assert cases.may_handle(member, case)  # the desk's members may now work on it
    outsider = factories.make_staff("clerk", case.hall)
    assert not cases.may_handle(outsider, case)


def test_promised_time_in_the_past_is_refused(serving, clerk):
    order = consultation(clerk, serving[0], kind="work_order")
    with pytest.raises(ServiceError) as e:
        cases.promise(
            clerk,
            order.pk,
            version=order.version,
            promised_at=(timezone.now() - timedelta(hours=1)).isoformat(),
        )
    assert e.value.field == "promised_at" and e.value.code == "time_in_past"


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("category", "no-such-thing", "unknown_category"),
        ("kind", "horoscope", "unknown_case_type"),
        ("channel", "pigeon", "invalid_choice"),
        ("phone", "12345", "invalid_phone"),
        ("description", "   ", "required"),
    ],
)
def test_bad_intake_names_the_field(clerk, field, value, code):
    args = dict(kind="work_order", channel="hotline", category="other", description="其它问题")
    args[field] = value
    with pytest.raises(ServiceError) as e:
        cases.open_case(clerk, **args)
    assert (e.value.field, e.value.code) == (field, code)
    assert not Case.objects.exists()


def test_c5_dispute_reopens_with_a_new_deadline_and_escalates(serving, clerk):
    order = consultation(clerk, serving[0], kind="work_order")
    order, _ = cases.act(clerk, order.pk, "resolve", version=order.version, resolution="已处理")
    assert order.warn_at is None and order.next_escalation_at is None  # clock stopped
    case = cases.customer_answer(order.pk, satisfied=False, note="晚上还是很慢")
    assert case.status == "in_progress" and case.escalation_level == 1
    assert case.due_at > case.created_at and case.next_escalation_at == case.due_at
    kinds = [e.kind for e in case.events.all()]
    assert kinds[-2:] == ["escalated", "dispute"]


def test_c5_customer_confirmation_closes(serving, clerk):
    order = consultation(clerk, serving[0], kind="work_order")
    order, _ = cases.act(clerk, order.pk, "resolve", version=order.version, resolution="已处理")
    case = cases.customer_answer(order.pk, satisfied=True)
    assert case.status == "closed" and case.confirmed_at is not None


def open_at(user, when, **kw):
    import time_machine

    with time_machine.travel(when, tick=False):
        args = dict(kind="work_order", channel="hotline", category="other", description="问题")
        args.update(kw)
        return cases.open_case(user, **args)


@pytest.mark.parametrize(
    "kw,expected",
    [
        ({"kind": "fault", "category": "broadband-fault"}, timedelta(hours=48)),
        ({"kind": "fault", "category": "broadband-fault", "area": "rural"}, timedelta(hours=72)),
        ({"kind": "fault", "category": "mobile-network"}, timedelta(hours=48)),
    ],
)
def test_l2_fault_repair_deadlines(clerk, kw, expected):
    start = at(2026, 11, 23, 10, 0)
    case = open_at(clerk, start, **kw)
    assert case.due_at - start == expected


def test_l2_mobile_fault_warns_at_the_24_hour_average(clerk):
    start = at(2026, 11, 23, 10, 0)
    case = open_at(clerk, start, kind="fault", category="mobile-network")
    assert case.warn_at - start == timedelta(hours=24)


def test_c6_self_service_device_repair_in_two_business_days(clerk):
    case = open_at(clerk, at(2026, 11, 20, 17, 0), kind="fault", category="device-fault")
    assert case.due_at == at(2026, 11, 24, 23, 59, 59)  # Friday -> Tuesday night


def test_c6_network_fault_reported_online_must_be_answered_in_15_minutes(hall):
    gateway = factories.make_staff("channel", hall)
    start = at(2026, 11, 23, 10, 0)
    case = open_at(gateway, start, kind="fault", channel="app", category="broadband-fault")
    assert case.first_responded_at is None
    assert case.first_response_due - start == timedelta(minutes=15)


def test_c6_online_consultation_first_response_in_30_seconds(hall):
    gateway = factories.make_staff("channel", hall)
    start = at(2026, 11, 23, 10, 0)
    case = open_at(gateway, start, kind="consultation", channel="web", category="other")
    assert case.first_response_due - start == timedelta(seconds=30)


def test_vip_work_orders_get_one_business_day(clerk):
    factories.make_customer(Tier.GOLD, phone="13900009999")
    start = at(2026, 11, 23, 10, 0)
    vip = open_at(clerk, start, phone="13900009999")
    plain = open_at(clerk, start)
    assert vip.due_at == at(2026, 11, 24, 23, 59, 59)
    assert plain.due_at == at(2026, 11, 25, 23, 59, 59)


def test_c9_escalating_a_suggestion_tells_the_proposer(clerk):
    from servicehall.core.models import SmsMessage

    factories.make_customer(phone="13900003333")
    s = cases.open_case(
        clerk,
        kind="suggestion",
        channel="walk_in",
        category="suggestion",
        description="建议周末延长营业时间",
        phone="13900003333",
    )
    s = cases.escalate(clerk, s.pk, version=s.version, reason="涉及营业时间调整，超出权限")
    sms = SmsMessage.objects.get(purpose="escalation")
    assert sms.to == "13900003333" and s.number in sms.text and "上级部门" in sms.text
    assert [e.kind for e in s.events.all()][-2:] == ["escalated", "customer_told"]
