"""Compensation on a complaint (P6): every offer with its policy basis and a bounded amount,
the customer's answer, and above the approval threshold a hall manager of that hall approves
or rejects (with a reason) — never the one who made the offer. Each step is a case event;
"paid" is accepted and (approved or within the limit)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from servicehall.cases import services
from servicehall.complaints import compensation
from servicehall.complaints.models import CompensationOffer
from servicehall.core.errors import ServiceError
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def open_complaint(user, hall, phone="13900005555"):
    return services.open_case(
        user,
        kind="complaint",
        channel="walk_in",
        category="complaint",
        description="客户投诉上月被多扣了10元增值业务费",
        phone=phone,
        hall=hall.code,
    )


@pytest.fixture
def desk(hall):
    return factories.make_staff("complaint_desk", hall)


def refused(fn) -> ServiceError:
    with pytest.raises(ServiceError) as e:
        fn()
    return e.value


def test_p6_an_offer_within_the_limit_is_paid_once_the_customer_accepts(hall, desk):
    case = open_complaint(desk, hall)
    offer = compensation.offer(
        desk,
        case.pk,
        amount="20",
        basis="《增值业务退费规定》第3条：双倍返还",
        remedy="双倍返还10元",
    )
    assert offer.amount == Decimal("20.00") and offer.approval == "not_needed"
    assert not offer.paid  # the customer has not answered yet
    offer = compensation.answer(desk, case.pk, offer.pk, answer="accepted")
    assert offer.paid
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["compensation_offered", "compensation_answered"]
    # the answer stands: a change of mind is a new offer
    e = refused(lambda: compensation.answer(desk, case.pk, offer.pk, answer="refused"))
    assert (e.code, e.status) == ("offer_answered", 409)


@pytest.mark.parametrize(
    ("amount", "basis", "field", "code"),
    [
        ("20", "", "basis", "required"),
        ("20", "   ", "basis", "required"),
        ("", "有规定", "amount", "required"),
        ("0", "有规定", "amount", "invalid_number"),
        ("-5", "有规定", "amount", "invalid_number"),
        ("50000.01", "有规定", "amount", "invalid_number"),
        ("12.345", "有规定", "amount", "invalid_number"),
        ("1e3", "有规定", "amount", "invalid_number"),
        ("很多", "有规定", "amount", "invalid_number"),
    ],
)
def test_p6_an_offer_needs_its_basis_and_a_bounded_amount(hall, desk, amount, basis, field, code):
    case = open_complaint(desk, hall)
    e = refused(lambda: compensation.offer(desk, case.pk, amount=amount, basis=basis))
    assert (e.code, e.field, e.status) == (code, field, 422)
    assert not CompensationOffer.objects.exists()
    assert not case.events.filter(kind="compensation_offered").exists()


def test_p6_above_the_threshold_the_offer_waits_for_a_hall_manager_of_that_hall(hall, desk):
    case = open_complaint(desk, hall)
    offer = compensation.offer(desk, case.pk, amount="300", basis="服务承诺：超时赔付")
    assert offer.approval == "pending" and offer.threshold == Decimal("100.00")
    offer = compensation.answer(desk, case.pk, offer.pk, answer="accepted")
    assert not offer.paid  # accepted, but nobody approved it yet

    other_hall = factories.make_hall("other-hall")
    e = refused(
        lambda: compensation.decide(
            factories.make_staff("hall_manager", other_hall), case.pk, offer.pk, approve=True
        )
    )
    assert (e.code, e.status) == ("unknown_case", 404)  # another hall's: as if missing
    e = refused(lambda: compensation.decide(desk, case.pk, offer.pk, approve=True))
    assert (e.code, e.status) == ("forbidden", 403)  # the complaint desk does not approve

    manager = factories.make_staff("hall_manager", hall)
    e = refused(lambda: compensation.decide(manager, case.pk, offer.pk, approve=False))
    assert (e.code, e.field) == ("required", "reason")  # a rejection says why
    offer = compensation.decide(manager, case.pk, offer.pk, approve=True)
    assert offer.approval == "approved" and offer.decided_by == manager and offer.paid
    assert case.events.filter(kind="compensation_approved", actor=manager).exists()
    e = refused(lambda: compensation.decide(manager, case.pk, offer.pk, approve=False, reason="x"))
    assert (e.code, e.status) == ("offer_not_pending", 409)


def test_p6_the_clerk_cannot_approve_their_own_offer(hall):
    manager = factories.make_staff("hall_manager", hall)
    case = open_complaint(manager, hall)
    offer = compensation.offer(manager, case.pk, amount="150", basis="VIP客户服务补偿办法")
    e = refused(lambda: compensation.decide(manager, case.pk, offer.pk, approve=True))
    assert (e.code, e.status) == ("own_offer", 403)
    offer.refresh_from_db()
    assert offer.approval == "pending"
    rejected = compensation.decide(
        factories.make_staff("hall_manager", hall),
        case.pk,
        offer.pk,
        approve=False,
        reason="超出政策范围，改为赠送话费",
    )
    assert rejected.approval == "rejected" and not rejected.paid


def test_p6_the_threshold_is_a_setting(hall, desk):
    case = open_complaint(desk, hall)
    with override_settings(COMPENSATION_APPROVAL_ABOVE="500"):
        offer = compensation.offer(desk, case.pk, amount="300", basis="服务承诺")
    assert offer.approval == "not_needed" and offer.threshold == Decimal("500.00")


def test_p6_only_an_open_complaint_takes_an_offer(hall, desk):
    consultation = services.open_case(
        desk, kind="consultation", channel="walk_in", category="other", description="咨询"
    )
    e = refused(lambda: compensation.offer(desk, consultation.pk, amount="5", basis="x"))
    assert (e.code, e.status) == ("not_a_complaint", 409)
    grumble = open_complaint(desk, hall)
    services.act(desk, grumble.pk, "settle_grumble", version=1, resolution="当场解释清楚")
    e = refused(lambda: compensation.offer(desk, grumble.pk, amount="5", basis="x"))
    assert (e.code, e.status) == ("case_closed", 409)
    clerk = factories.make_staff("clerk", hall)  # handles cases, but offers are the desk's
    e = refused(lambda: compensation.offer(clerk, grumble.pk, amount="5", basis="x"))
    assert e.status == 403


def test_p6_on_the_case_page_offer_answer_and_approval(hall, desk):
    case = open_complaint(desk, hall)
    c = client_for(desk)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="compensation"' in page and "100.00" in page  # the threshold is told
    r = c.post(f"/cases/{case.pk}/complaint/offer", {"amount": "120", "basis": ""}, follow=True)
    assert "请填写政策依据" in r.content.decode()
    c.post(f"/cases/{case.pk}/complaint/offer", {"amount": "120", "basis": "服务承诺第5条"})
    offer = CompensationOffer.objects.get()
    c.post(f"/cases/{case.pk}/complaint/offers/{offer.pk}/answer", {"answer": "accepted"})
    manager = factories.make_staff("hall_manager", hall)
    page = client_for(manager).get(f"/cases/{case.pk}/").content.decode()
    assert f'id="approve-{offer.pk}"' in page
    assert f'id="approve-{offer.pk}"' not in c.get(f"/cases/{case.pk}/").content.decode()
    client_for(manager).post(
        f"/cases/{case.pk}/complaint/offers/{offer.pk}/decide", {"decision": "approve"}
    )
    offer.refresh_from_db()
    assert offer.paid
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "营业厅经理批准补偿" in page  # on the timeline, in words


@pytest.mark.django_db(transaction=True)
def test_p6_two_managers_deciding_at_once_one_decision_stands():
    hall = factories.make_hall("race")
    desk = factories.make_staff("complaint_desk", hall)
    case = open_complaint(desk, hall)
    offer = compensation.offer(desk, case.pk, amount="400", basis="服务承诺")
    managers = [factories.make_staff("hall_manager", hall) for _ in range(4)]
    barrier = threading.Barrier(len(managers))
    results = [None] * len(managers)

    def run(i, manager):
        try:
            barrier.wait(timeout=30)
            compensation.decide(manager, case.pk, offer.pk, approve=i % 2 == 0, reason=f"意见{i}")
            results[i] = "ok"
        except ServiceError as e:
            results[i] = e.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(managers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["offer_not_pending"] * 3 + ["ok"]
    assert (
        case.events.filter(kind__in=["compensation_approved", "compensation_rejected"]).count() == 1
    )


def test_v2_p6_an_offers_numbers_are_masked_on_the_timeline_the_api_returns(hall, desk):
    """The remedy typed with a phone and an ID number reaches a hall manager's API answer
    masked (probe finding: the timeline's data went out as typed)."""
    case = open_complaint(desk, hall)
    compensation.offer(
        desk,
        case.pk,
        amount="20",
        basis="服务承诺",
        remedy="退至 13912345678 身份证110101199003071234",
    )
    manager = factories.make_staff("hall_manager", hall)
    body = client_for(manager).get(f"/api/cases/{case.pk}").content.decode()
    assert "13912345678" not in body and "110101199003071234" not in body
    assert "139****5678" in body


def test_p1_p6_an_offer_with_a_forbidden_phrase_is_refused_before_it_is_saved(hall, desk):
    case = open_complaint(desk, hall)
    e = refused(
        lambda: compensation.offer(
            desk, case.pk, amount="20", basis="服务承诺", remedy="不满意你可以去法院告我"
        )
    )
    assert (e.code, e.field) == ("forbidden_phrase", "remedy")
    e = refused(lambda: compensation.offer(desk, case.pk, amount="20", basis="你去 消协。告我"))
    assert (e.code, e.field) == ("forbidden_phrase", "basis")
    assert not CompensationOffer.objects.exists()
