"""The case desk pages and the customer's survey page through Django's test client:
intake from the workbench, the case page's actions, refusals beside their form, deadline
colours, the SLA page, the survey on a phone."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.models import SmsMessage
from servicehall.surveys.models import Survey
from tests import factories

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(r) -> str:
    return r.content.decode()


def test_c4_record_a_case_from_the_workbench(serving, clerk):
    ticket, _customer = serving
    c = as_user(clerk)
    assert f"/cases/new?ticket={ticket.pk}" in text(c.get("/workbench/"))
    form = c.get(f"/cases/new?ticket={ticket.pk}")
    assert 'id="from-ticket"' in text(form) and "您好" in text(form)  # the intake script
    r = c.post(
        "/cases/new",
        {
            "ticket_id": ticket.pk,
            "kind": "consultation",
            "channel": "walk_in",
            "category": "broadband-speed",
            "description": "宽带晚上很慢",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.ticket == ticket and case.owner == clerk
    page = text(c.get(r["Location"]))
    assert case.number in page and 'id="do-convert"' in page and 'id="do-answer"' in page


def test_bad_intake_shows_the_error_beside_the_field(clerk):
    r = as_user(clerk).post(
        "/cases/new",
        {"kind": "work_order", "channel": "hotline", "category": "", "description": "x"},
    )
    assert r.status_code == 422
    assert re.search(r'class="field-error"[^>]*data-field="category"', text(r))
    assert not Case.objects.exists()


def work_order(clerk, **kw):
    args = dict(kind="work_order", channel="hotline", category="other", description="问题")
    args.update(kw)
    return cases.open_case(clerk, **args)


def test_actions_on_the_case_page_and_a_stale_form_is_refused(clerk):
    case = work_order(clerk)
    c = as_user(clerk)
    r = c.post(f"/cases/{case.pk}/resolve", {"version": case.version, "resolution": "已处理"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "resolved"
    # The same form again, still carrying the old version: refused beside the form.
    r = c.post(f"/cases/{case.pk}/escalate", {"version": case.version, "reason": "x"}, follow=True)
    page = text(r)
    assert "已被他人修改" in page and "changed by someone else" not in page
    assert Case.objects.get(pk=case.pk).escalation_level == 0
    assert "resolve" in [e.kind for e in Case.objects.get(pk=case.pk).events.all()]


def test_closing_without_confirmation_shows_why(clerk):
    """In words, not field names: 请选择客户确认方式, never 'method 为必填项'."""
    case = work_order(clerk)
    case, _ = cases.act(clerk, case.pk, "resolve", version=case.version, resolution="好了")
    r = as_user(clerk).post(f"/cases/{case.pk}/close", {"version": case.version}, follow=True)
    assert "请选择客户确认方式" in text(r) and "method 为" not in text(r)
    assert not Case.objects.get(pk=case.pk).is_closed


def test_lists_colour_deadlines_and_the_sla_page_counts_breaches(clerk, manager):
    with time_machine.travel(timezone.now() - timedelta(days=9), tick=False):
        late = work_order(clerk, description="早就该办好的")
    fresh = work_order(clerk, description="刚登记的")
    page = text(as_user(clerk).get("/cases/"))
    assert re.search(rf'class="dl-breached" data-number="{late.number}"', page)
    assert re.search(rf'class="dl-ok" data-number="{fresh.number}"', page)
    sla = as_user(manager).get("/cases/sla")
    assert sla.status_code == 200
    assert re.search(r'id="breached-count"><b>1</b>', text(sla))
    assert 'id="calendar-warning"' in text(sla)  # next year's schedule is not entered
    assert as_user(clerk).get("/cases/sla").status_code == 403


def test_another_clerks_case_page_is_404(clerk, hall):
    case = work_order(clerk)
    other = factories.make_staff("clerk", hall)
    assert as_user(other).get(f"/cases/{case.pk}/").status_code == 404


def resolved_with_survey(clerk):
    factories.make_customer(phone="13900007777")
    case = work_order(clerk, phone="13900007777")
    case, _ = cases.act(clerk, case.pk, "resolve", version=case.version, resolution="已处理")
    return case


@pytest.mark.django_db(transaction=True)
def test_c5_s1_survey_by_text_message_closes_the_case(hall):
    clerk = factories.make_staff("clerk", hall)
    case = resolved_with_survey(clerk)  # the survey is sent when the resolution commits
    sms = SmsMessage.objects.get(purpose="survey")
    assert sms.to == "13900007777" and case.number in sms.text
    token = re.search(r"/s/([\w-]+)", sms.text).group(1)
    phone = Client()
    form = phone.get(f"/s/{token}")
    assert form.status_code == 200 and "有形度" in text(form) and "13900007777" not in text(form)
    bad = phone.post(f"/s/{token}", {"resolved": "yes", "overall": "5"})
    assert bad.status_code == 422 and 'class="scores has-error"' in text(bad)
    answers = {"resolved": "yes", "overall": "5", "tangibles": "4", "empathy": "5"}
    answers |= {"professionalism": "5", "responsiveness": "4", "reliability": "5"}
    done = phone.post(f"/s/{token}", answers | {"comment": "很及时"})
    assert done.status_code == 200 and 'id="survey-thanks"' in text(done)
    case.refresh_from_db()
    assert case.status == "closed" and case.confirmed_at is not None
    survey = Survey.objects.get()
    assert (survey.overall, survey.empathy, survey.resolved) == (5, 5, True)
    assert 'id="survey-thanks"' in text(phone.get(f"/s/{token}"))  # answered once only


@pytest.mark.django_db(transaction=True)
def test_c5_survey_saying_not_solved_reopens_and_escalates(hall):
    clerk = factories.make_staff("clerk", hall)
    case = resolved_with_survey(clerk)
    token = Survey.objects.get().token
    answers = {"resolved": "no", "overall": "2", "tangibles": "3", "empathy": "2"}
    answers |= {"professionalism": "2", "responsiveness": "1", "reliability": "2"}
    assert Client().post(f"/s/{token}", answers | {"comment": "还是不行"}).status_code == 200
    case.refresh_from_db()
    assert case.status == "in_progress" and case.escalation_level == 1


def test_unknown_survey_link_is_a_clear_404():
    r = Client().get("/s/not-a-real-token")
    assert r.status_code == 404 and "问卷链接无效" in text(r)


def test_a_live_refresh_of_the_page_leaves_the_flash_message_for_the_person(clerk):
    """The open case page fetches itself again to refresh its timeline (live-page.js); that
    fetch must not eat a message meant for the page the person is about to see."""
    case = work_order(clerk)
    c = as_user(clerk)
    r = c.post(f"/cases/{case.pk}/escalate", {"version": case.version, "reason": "x"})
    assert r.status_code == 302
    live = c.get(f"/cases/{case.pk}/", headers={"X-ServiceHall-Live": "1"})
    assert live.status_code == 200 and "已被他人修改" not in text(live)
    stale = c.post(f"/cases/{case.pk}/escalate", {"version": case.version, "reason": "x"})
    assert stale.status_code == 302
    assert "已被他人修改" not in text(
        c.get(f"/cases/{case.pk}/", headers={"X-ServiceHall-Live": "1"})
    )
    assert "已被他人修改" in text(c.get(f"/cases/{case.pk}/"))  # still there for the person


def test_the_case_page_names_the_channel_in_words(clerk):
    case = work_order(clerk)  # channel hotline
    page = text(as_user(clerk).get(f"/cases/{case.pk}/"))
    assert 'data-channel="hotline">热线<' in page
