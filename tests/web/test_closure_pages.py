"""Closing on the customer's word through the pages and the API (C5, issue "Holds under
attack"): the structured closing form, refusals beside it in the interface language, the
quality page's queue of closures made by staff, survey links never shown to staff, a survey
refused from a staff session, and the SMS outbox showing links and codes masked (V2)."""

import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case, CaseConfirmation
from servicehall.core.models import SmsMessage
from servicehall.core.sms import queue_sms
from servicehall.surveys import services as surveys
from servicehall.surveys.models import Survey
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PHONE = "13900006666"


as_user = client_for  # signed in, in a language if given


def text(r) -> str:
    return r.content.decode()


def resolved(clerk, phone=PHONE) -> Case:
    factories.make_customer(phone=phone)
    case = cases.open_case(
        clerk,
        kind="work_order",
        channel="hotline",
        category="other",
        description="宽带晚上掉线",
        phone=phone,
    )
    case, _ = cases.act(clerk, case.pk, "resolve", version=case.version, resolution="已换光猫")
    return case


def local_minute(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def test_c5_the_case_page_closes_on_a_recorded_call_with_its_time(clerk):
    case = resolved(clerk)
    c = as_user(clerk)
    page = text(c.get(f"/cases/{case.pk}/"))
    assert 'name="method" value="phone_call"' in page and 'name="call_at"' in page
    assert 'name="confirmation"' not in page  # no free-text closing any more
    assert "139****6666" in page and PHONE not in page  # where a code would go, masked
    r = c.post(
        f"/cases/{case.pk}/close",
        {
            "version": case.version,
            "method": "phone_call",
            "call_at": local_minute(timezone.now()),
            "note": "客户电话确认网络已恢复",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    page = text(c.get(f"/cases/{case.pk}/"))
    assert 'id="confirmation" data-method="phone_call" data-review="pending"' in page
    assert "录音电话" in page and "待质检" in page


@pytest.mark.parametrize(
    "lang,expected", [(None, "通话时间不能晚于现在"), ("en", "cannot be in the future")]
)
def test_c5_a_refused_closing_says_why_beside_the_form_in_the_interface_language(
    clerk, lang, expected
):
    case = resolved(clerk)
    r = as_user(clerk, lang).post(
        f"/cases/{case.pk}/close",
        {
            "version": case.version,
            "method": "phone_call",
            "call_at": local_minute(timezone.now() + timedelta(hours=2)),
            "note": "客户确认",
        },
        follow=True,
    )
    page = text(r)
    assert re.search(r'data-tags="form-close field-call_at"[^>]*>[^<]*' + expected, page)
    assert "time_in_future" not in page
    assert not Case.objects.get(pk=case.pk).is_closed


def test_c5_in_person_on_the_page_with_the_texted_code(clerk):
    case = resolved(clerk)
    c = as_user(clerk)
    r = c.post(f"/cases/{case.pk}/closure_code", follow=True)
    assert "确认码已发送" in text(r)
    sms = SmsMessage.objects.get(purpose="closure_code")
    code = re.search(r"确认码是 (\d{6})", sms.text).group(1)
    assert code not in text(r)  # the clerk learns it only from the customer
    r = c.post(
        f"/cases/{case.pk}/close",
        {"version": case.version, "method": "in_person", "code": code, "note": "客户到厅确认"},
    )
    assert r.status_code == 302 and Case.objects.get(pk=case.pk).status == "closed"
    assert CaseConfirmation.objects.get(case=case).method == "in_person"


def staff_closure(clerk) -> Case:
    case = resolved(clerk)
    case, _ = cases.act(
        clerk,
        case.pk,
        "close",
        version=case.version,
        method="phone_call",
        call_at=timezone.now().isoformat(),
        note="客户电话确认",
    )
    return case


def test_c5_the_quality_page_lists_staff_closures_and_quality_reviews_them(hall, clerk, manager):
    case = staff_closure(clerk)
    quality = factories.make_staff("quality_supervisor", hall)
    q = as_user(quality)
    page = text(q.get("/cases/sla"))
    assert "待质检的代客确认" in page
    row = re.search(
        rf'<tr data-number="{case.number}" data-method="phone_call">.*?</tr>', page, re.S
    )
    assert row and "录音电话" in row.group(0) and clerk.staff.full_name in row.group(0)
    assert f'id="review-{case.pk}"' in row.group(0)
    assert re.search(r'id="closures-pending"><b>1</b>', page)
    # the hall manager sees the queue, but reviewing is quality's
    manager_page = text(as_user(manager).get("/cases/sla"))
    assert (
        f'data-number="{case.number}"' in manager_page and 'class="review-form"' not in manager_page
    )
    assert (
        as_user(manager).post(f"/cases/{case.pk}/closure-review", {"verdict": "ok"}).status_code
        == 403
    )
    # not in order without a note: refused beside the row's form, nothing recorded
    r = q.post(f"/cases/{case.pk}/closure-review", {"verdict": "not_ok"}, follow=True)
    assert "请填写不合格的原因" in text(r)
    assert CaseConfirmation.objects.get(case=case).review == "pending"
    r = q.post(f"/cases/{case.pk}/closure-review", {"verdict": "ok"}, follow=True)
    page = text(r)
    assert "已记录质检结论" in page and f'<tr data-number="{case.number}"' not in page
    assert re.search(rf'<li data-number="{case.number}" data-review="ok">', page)
    assert CaseConfirmation.objects.get(case=case).review == "ok"


def test_c5_the_satisfaction_table_shows_closures_by_customer_and_by_staff_apart(
    hall, clerk, manager
):
    staff_closure(clerk)
    cases.customer_answer(resolved(clerk, phone="13900006667").pk, satisfied=True)
    page = text(as_user(manager).get("/cases/sla"))
    row = re.search(rf'<tr data-staff="{clerk.username}">.*?</tr>', page, re.S).group(0)
    assert re.search(r'class="closures">1 / 1<', row)
    assert re.search(r'id="customer-confirmed-rate"><b>50 %</b>', page)


def test_c5_survey_links_are_never_shown_to_staff(clerk):
    case = resolved(clerk)
    survey = surveys.send_for_case(case.pk)
    # an event written before this change still carries the link in its data
    legacy = case.events.create(
        at=timezone.now(), kind="survey_sent", data={"link": f"http://x/s/{survey.token}"}
    )
    page = text(as_user(clerk).get(f"/cases/{case.pk}/"))
    assert survey.token not in page and "/s/" not in page
    assert "已发送满意度回访短信" in page and 'id="survey-sent"' in page
    api = as_user(clerk).get(f"/api/cases/{case.pk}").json()
    assert survey.token not in str(api) and api["survey_sent_at"]
    assert "已发送满意度回访短信" in [e["label"] for e in api["timeline"]]
    assert legacy.data["link"]  # stored as it was, shown to nobody


def test_c5_a_survey_from_a_staff_session_is_refused_and_the_page_says_so(hall, clerk):
    case = resolved(clerk)
    token = surveys.send_for_case(case.pk).token
    answers = {"resolved": "yes", "overall": "5", "tangibles": "5", "empathy": "5"}
    answers |= {"professionalism": "5", "responsiveness": "5", "reliability": "5"}
    for user in (clerk, factories.make_staff("device", hall)):
        staff = as_user(user)
        page = staff.get(f"/s/{token}")
        assert page.status_code == 403 and 'id="survey-staff-refused"' in text(page)
        assert 'id="survey-form"' not in text(page) and "客户本人" in text(page)
        r = staff.post(f"/s/{token}", answers)
        assert r.status_code == 403 and "客户本人" in text(r)
    assert Case.objects.get(pk=case.pk).status == "resolved"
    assert Survey.objects.get().answered_at is None
    # the customer's own phone, signed in as nobody, answers and closes it
    assert Client().post(f"/s/{token}", answers).status_code == 200
    case.refresh_from_db()
    assert case.status == "closed" and case.confirmation.method == "customer_reply"


def outbox_texts(admin: Client, path: str = "/admin/core/smsmessage/") -> str:
    r = admin.get(path)
    assert r.status_code == 200
    return text(r)


def test_v2_the_outbox_shows_links_and_codes_masked(hall, clerk):
    case = resolved(clerk)
    survey = surveys.send_for_case(case.pk)
    ticket_token = "Tk9xQ2m7vP1sLr4WzA8bYc"
    queue_sms(
        PHONE, f"【营业厅】您前面还有 2 人。查看排队：http://h/t/{ticket_token}/", "queue_near"
    )
    cases.send_closure_code(clerk, case.pk)
    code_sms = SmsMessage.objects.get(purpose="closure_code")
    code = re.search(r"确认码是 (\d{6})", code_sms.text).group(1)
    admin = as_user(factories.make_staff("administrator", hall))
    page = outbox_texts(admin)
    assert survey.token not in page and ticket_token not in page and f"是 {code}" not in page
    assert f"/s/{survey.token[:4]}…" in page and f"/t/{ticket_token[:4]}…" in page
    assert "是 ******" in page and case.number in page  # the case number stays readable
    survey_sms = SmsMessage.objects.get(purpose="survey")
    detail = outbox_texts(admin, f"/admin/core/smsmessage/{survey_sms.pk}/change/")
    assert survey.token not in detail
    assert survey.token in survey_sms.text  # the send path has the full text
    # the list's URL lookups cannot find a token (or a number) character by character
    for probe in ({"text__contains": f"/s/{survey.token[:5]}"}, {"to__startswith": "139"}):
        assert admin.get("/admin/core/smsmessage/", probe).status_code in (302, 400)


@override_settings(SMS_OUTBOX_SHOWS_CODES=True)
def test_v2_where_the_outbox_is_the_customers_phone_it_shows_the_text_whole(hall, clerk):
    """No gateway (the demo): the outbox stands in for the phone."""
    survey = surveys.send_for_case(resolved(clerk).pk)
    page = outbox_texts(as_user(factories.make_staff("administrator", hall)))
    assert f"/s/{survey.token}" in page


def test_c5_a_closure_the_customer_disputes_is_flagged_on_the_quality_page(hall, clerk):
    case = staff_closure(clerk)
    token = surveys.send_for_case(case.pk).token
    answers = {"resolved": "no", "overall": "1", "tangibles": "1", "empathy": "1"}
    answers |= {"professionalism": "1", "responsiveness": "1", "reliability": "1"}
    assert Client().post(f"/s/{token}", answers | {"comment": "没人联系过我"}).status_code == 200
    page = text(as_user(factories.make_staff("quality_supervisor", hall)).get("/cases/sla"))
    row = re.search(rf'<tr data-number="{case.number}".*?</tr>', page, re.S).group(0)
    assert "客户回访称未解决" in row
    assert re.search(r'id="closures-disputed"><b>1</b>', page)
    assert "客户回访称未解决" in text(as_user(clerk).get(f"/cases/{case.pk}/"))
