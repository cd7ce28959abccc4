"""Closing a case on the customer's word (C5, issue "Holds under attack"): staff close only with
a structured confirmation — a recorded call with its time, or in person with a code texted to
the customer's number on file — never with free text; the customer's own survey answer closes
by itself; quality reviews every closure staff made, once; the figures count the two apart."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from servicehall.cases import selectors
from servicehall.cases import services as cases
from servicehall.cases.models import Case, CaseConfirmation, ClosureCode
from servicehall.core.errors import ServiceError
from servicehall.core.models import SmsMessage
from servicehall.surveys.selectors import staff_stats
from tests import factories
from tests.queueing.test_concurrency import fire

pytestmark = pytest.mark.django_db

PHONE = "13900008888"


def resolved(clerk, phone: str | None = PHONE, **kw) -> Case:
    if phone:
        factories.make_customer(phone=phone)
    args = dict(kind="work_order", channel="hotline", category="other", description="网速慢")
    args.update(kw)
    case = cases.open_case(clerk, phone=phone, **args)
    case, _ = cases.act(clerk, case.pk, "resolve", version=case.version, resolution="已提速")
    return case


def close(clerk, case, **payload):
    return cases.act(clerk, case.pk, "close", version=case.version, **payload)[0]


def nothing_written(case: Case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == "resolved" and not fresh.is_closed
    assert fresh.version == case.version
    assert not CaseConfirmation.objects.filter(case=case).exists()
    assert "close" not in list(fresh.events.values_list("kind", flat=True))


def _quality():
    """A quality supervisor, who sees every hall's closures (the queue is per the viewer's halls)."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username="qa-viewer").first()
    return found or factories.make_staff("quality_supervisor", username="qa-viewer")


def test_c5_phone_call_closure_records_how_when_and_who_and_waits_for_quality(clerk):
    case = resolved(clerk)
    call = timezone.now()
    case = close(clerk, case, method="phone_call", call_at=call.isoformat(), note="客户确认已恢复")
    assert case.status == "closed" and case.confirmed_at is not None
    c = CaseConfirmation.objects.get(case=case)
    assert (c.method, c.by_staff, c.confirmed_by, c.review) == (
        "phone_call",
        True,
        clerk,
        "pending",
    )
    assert abs((c.call_at - call).total_seconds()) < 1 and c.note == "客户确认已恢复"
    event = case.events.get(kind="close")
    assert event.data["method"] == "phone_call" and event.note == "客户确认已恢复"
    assert [r["number"] for r in selectors.closure_reviews(_quality())] == [case.number]


@pytest.mark.parametrize(
    "payload,field,code",
    [
        ({"note": "好了"}, "method", "required"),
        ({"confirmation": "客户电话确认", "note": "好了"}, "method", "required"),  # free text
        ({"method": "telepathy", "note": "好了"}, "method", "invalid_choice"),
        ({"method": "customer_reply", "note": "客户说好了"}, "method", "invalid_choice"),
        ({"method": "phone_call", "note": "好了"}, "call_at", "required"),
        (
            {"method": "phone_call", "call_at": "昨天下午", "note": "好了"},
            "call_at",
            "invalid_time",
        ),
        ({"method": "phone_call", "call_at": "+1h", "note": "好了"}, "call_at", "time_in_future"),
        (
            {"method": "phone_call", "call_at": "-1d", "note": "好了"},
            "call_at",
            "before_case_opened",
        ),
        ({"method": "phone_call", "call_at": "now"}, "note", "required"),
        ({"method": "phone_call", "call_at": "now", "note": "长" * 1001}, "note", "too_long"),
        ({"method": "phone_call", "call_at": "now", "note": "."}, "note", "too_short"),
        ({"method": "in_person", "note": "客户到厅确认"}, "code", "required"),
        ({"method": "in_person", "code": "123456", "note": "客户到厅确认"}, "code", "code_expired"),
    ],
)
def test_c5_a_wrong_or_missing_part_is_422_naming_the_field_and_nothing_is_written(
    clerk, payload, field, code
):
    case = resolved(clerk)
    now = timezone.now()
    times = {"+1h": now + timedelta(hours=1), "-1d": now - timedelta(days=1), "now": now}
    if payload.get("call_at") in times:
        payload = payload | {"call_at": times[payload["call_at"]].isoformat()}
    with pytest.raises(ServiceError) as e:
        close(clerk, case, **payload)
    assert (e.value.field, e.value.code, e.value.status) == (field, code, 422)
    assert e.value.zh and e.value.en and e.value.zh != e.value.en  # both languages
    nothing_written(case)


def sent_code(case) -> str:
    sms = SmsMessage.objects.filter(purpose="closure_code").latest("id")
    assert case.number in sms.text
    return re.search(r"确认码是 (\d{6})", sms.text).group(1)


def test_c5_in_person_closes_only_with_the_code_texted_to_the_number_on_file(clerk):
    case = resolved(clerk)
    cases.send_closure_code(clerk, case.pk)
    sms = SmsMessage.objects.get(purpose="closure_code")
    assert sms.to == PHONE  # the customer's number on file, not one typed at closing
    code = sent_code(case)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ServiceError) as e:
        close(clerk, case, method="in_person", code=wrong, note="客户到厅确认")
    assert (e.value.field, e.value.code, e.value.status) == ("code", "wrong_code", 422)
    nothing_written(case)
    assert ClosureCode.objects.get().attempts == 1  # the wrong try counts although refused
    case = close(clerk, case, method="in_person", code=code, note="客户到厅确认")
    c = CaseConfirmation.objects.get(case=case)
    assert case.status == "closed" and c.method == "in_person" and c.code_phone == PHONE
    assert c.review == "pending" and ClosureCode.objects.get().used_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["closure_code_sent", "close"]


def test_c5_five_wrong_codes_void_it_and_a_new_code_waits_a_minute(clerk):
    case = resolved(clerk)
    cases.send_closure_code(clerk, case.pk)
    code = sent_code(case)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ServiceError):
            close(clerk, case, method="in_person", code=wrong, note="客户到厅核对验证码")
    with pytest.raises(ServiceError) as e:  # the right one is too late now
        close(clerk, case, method="in_person", code=code, note="客户到厅确认")
    assert e.value.code == "code_expired"
    nothing_written(case)
    with pytest.raises(ServiceError) as e:
        cases.send_closure_code(clerk, case.pk)
    assert (e.value.code, e.value.status) == ("code_too_soon", 429)


def test_c5_a_case_with_no_number_on_file_cannot_get_a_code(clerk):
    case = resolved(clerk, phone=None)
    with pytest.raises(ServiceError) as e:
        cases.send_closure_code(clerk, case.pk)
    assert (e.value.code, e.value.field) == ("no_number_on_file", "method")
    assert not SmsMessage.objects.exists()


def test_c5_no_code_before_the_case_is_resolved(clerk):
    case = cases.open_case(
        clerk, kind="work_order", channel="hotline", category="other", description="网速慢"
    )
    with pytest.raises(ServiceError) as e:
        cases.send_closure_code(clerk, case.pk)
    assert e.value.code == "invalid_transition" and e.value.status == 409


def test_c5_the_customers_own_answer_closes_by_itself_and_is_not_reviewed(clerk):
    case = resolved(clerk)
    case = cases.customer_answer(case.pk, satisfied=True, via="短信评价")
    c = CaseConfirmation.objects.get(case=case)
    assert case.status == "closed" and (c.method, c.by_staff, c.review) == (
        "customer_reply",
        False,
        "not_needed",
    )
    assert c.confirmed_by is None and selectors.closure_reviews(_quality()) == []


def review_world(hall):
    clerk = factories.make_staff("clerk", hall)
    by_phone = close(
        clerk,
        resolved(clerk),
        method="phone_call",
        call_at=timezone.now().isoformat(),
        note="客户电话确认",
    )
    by_customer = cases.customer_answer(resolved(clerk, phone="13900008889").pk, satisfied=True)
    return clerk, by_phone, by_customer


def test_c5_quality_reviews_each_staff_closure_once_with_an_event(hall):
    clerk, by_phone, by_customer = review_world(hall)
    quality = factories.make_staff("quality_supervisor", hall)
    with pytest.raises(ServiceError) as e:
        cases.review_closure(clerk, by_phone.pk, verdict="ok")
    assert e.value.status == 403  # a clerk does not review closures
    with pytest.raises(ServiceError) as e:
        cases.review_closure(quality, by_phone.pk, verdict="not_ok")
    assert (e.value.field, e.value.code) == ("note", "required")  # not in order: say why
    with pytest.raises(ServiceError) as e:
        cases.review_closure(quality, by_phone.pk, verdict="maybe")
    assert (e.value.field, e.value.code) == ("verdict", "invalid_choice")
    c = cases.review_closure(quality, by_phone.pk, verdict="not_ok", note="录音中客户未确认")
    assert (c.review, c.reviewed_by, c.review_note) == ("not_ok", quality, "录音中客户未确认")
    event = by_phone.events.get(kind="closure_reviewed")
    assert event.actor == quality and event.data["verdict"] == "not_ok"
    with pytest.raises(ServiceError) as e:
        cases.review_closure(quality, by_phone.pk, verdict="ok")
    assert (e.value.code, e.value.status) == ("already_reviewed", 409)
    assert CaseConfirmation.objects.get(pk=c.pk).review == "not_ok"
    with pytest.raises(ServiceError) as e:  # the customer's own answer is not reviewed
        cases.review_closure(quality, by_customer.pk, verdict="ok")
    assert (e.value.code, e.value.status) == ("not_a_staff_closure", 409)
    assert selectors.closure_reviews(_quality()) == []
    assert [r["number"] for r in selectors.closure_reviews(_quality(), state="reviewed")] == [
        by_phone.number
    ]


def test_c5_closure_figures_count_staff_and_customer_confirmations_apart(hall):
    clerk, by_phone, _by_customer = review_world(hall)
    figures = selectors.closure_figures(_quality(), timezone.now() - timedelta(days=30))
    assert (figures["customer_confirmed"], figures["staff_confirmed"]) == (1, 1)
    assert (figures["phone_call"], figures["pending"]) == (1, 1)
    assert figures["customer_confirmed_rate"] == 0.5
    quality = factories.make_staff("quality_supervisor", hall)
    cases.review_closure(quality, by_phone.pk, verdict="not_ok", note="无录音")
    figures = selectors.closure_figures(_quality(), timezone.now() - timedelta(days=30))
    assert (figures["pending"], figures["reviewed_not_ok"]) == (0, 1)
    row = next(
        s for s in staff_stats(timezone.now() - timedelta(days=30)) if s["staff"] == clerk.username
    )
    assert row["closures"] == {"by_customer": 1, "by_staff": 1, "by_staff_not_ok": 1}
    assert row["satisfaction_rate"] is None  # a closure is no satisfaction answer


@pytest.mark.django_db(transaction=True)
def test_c5_two_reviewers_at_once_exactly_one_review_lands():
    hall = factories.make_hall("closure-review-race")
    _clerk, by_phone, _ = review_world(hall)
    shots = []
    for i in range(6):
        client = Client()
        client.force_login(factories.make_staff("quality_supervisor", hall))
        verdict = {"verdict": "ok"} if i % 2 else {"verdict": "not_ok", "note": f"意见{i}"}
        shots.append((client, f"/api/cases/{by_phone.pk}/closure-review", verdict))
    results = fire(shots)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * 5, codes
    assert all(body["code"] == "already_reviewed" for code, body in results if code == 409)
    assert by_phone.events.filter(kind="closure_reviewed").count() == 1
    assert CaseConfirmation.objects.get(case=by_phone).review in ("ok", "not_ok")


@pytest.mark.django_db(transaction=True)
def test_c5_one_code_closes_once_when_two_clerks_try_at_once():
    hall = factories.make_hall("closure-code-race")
    owner = factories.make_staff("clerk", hall)
    case = resolved(owner)
    cases.send_closure_code(owner, case.pk)
    code = sent_code(case)
    shots = []
    for _ in range(4):
        client = Client()
        client.force_login(owner)
        body = {"version": case.version, "method": "in_person", "code": code, "note": "到厅确认"}
        shots.append((client, f"/api/cases/{case.pk}/actions/close", body))
    results = fire(shots)
    assert sorted(code for code, _ in results) == [200, 409, 409, 409]
    assert CaseConfirmation.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).events.filter(kind="close").count() == 1


SCORES = {"overall": 1, "tangibles": 2, "empathy": 1, "professionalism": 1}
SCORES |= {"responsiveness": 1, "reliability": 1}


def test_c5_the_customer_saying_not_solved_after_a_staff_closure_flags_it_for_quality(hall):
    from servicehall.surveys import services as surveys

    _clerk, by_phone, _ = review_world(hall)
    quality = factories.make_staff("quality_supervisor", hall)
    cases.review_closure(quality, by_phone.pk, verdict="ok")  # passed on the clerk's word
    token = surveys.send_for_case(by_phone.pk).token
    surveys.answer(token, resolved=False, scores=SCORES, comment="根本没人给我打电话")
    c = CaseConfirmation.objects.get(case=by_phone)
    assert c.disputed_at is not None and c.review == "pending"  # back in quality's queue
    event = by_phone.events.get(kind="closure_disputed")
    assert event.note == "根本没人给我打电话" and event.actor is None
    queued = selectors.closure_reviews(_quality())
    assert [r["number"] for r in queued] == [by_phone.number] and queued[0]["disputed_at"]
    assert (
        selectors.closure_figures(_quality(), timezone.now() - timedelta(days=1))["disputed"] == 1
    )
    assert Case.objects.get(pk=by_phone.pk).status == "closed"


def test_c5_the_customer_saying_solved_after_a_staff_closure_changes_nothing(hall):
    from servicehall.surveys import services as surveys

    _clerk, by_phone, _ = review_world(hall)
    token = surveys.send_for_case(by_phone.pk).token
    surveys.answer(token, resolved=True, scores=SCORES | {"overall": 5})
    c = CaseConfirmation.objects.get(case=by_phone)
    assert c.disputed_at is None and c.review == "pending"
    assert not by_phone.events.filter(kind="closure_disputed").exists()
