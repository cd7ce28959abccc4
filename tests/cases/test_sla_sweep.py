"""C7: the periodic SLA sweep — warn before the deadline, escalate level by level after it,
a return visit when the customer does not confirm — idempotent, under frozen time."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime(2026, 11, 23, 10, 0), timezone.get_current_timezone())


def fault(user, **kw):
    with time_machine.travel(START, tick=False):
        args = dict(kind="fault", channel="hotline", category="broadband-fault", description="断网")
        args.update(kw)
        return cases.open_case(user, **args)


def sweep_at(when):
    with time_machine.travel(when, tick=False):
        return cases.sweep()


def kinds(case):
    return [e.kind for e in Case.objects.get(pk=case.pk).events.all()]


def test_c7_warns_the_owner_before_the_deadline_once(clerk):
    case = fault(clerk)  # 48 h, warned at 75 %
    assert sweep_at(START + timedelta(hours=35))["warnings"] == 0
    assert sweep_at(START + timedelta(hours=36))["warnings"] == 1
    assert sweep_at(START + timedelta(hours=37))["warnings"] == 0
    assert kinds(case) == ["opened", "sla_warning"]


def test_c7_escalates_level_by_level_after_the_deadline(clerk):
    case = fault(clerk)  # due at +48 h, one level per 8 h overdue
    assert sweep_at(START + timedelta(hours=48, minutes=1))["escalations"] == 1
    assert Case.objects.get(pk=case.pk).escalation_level == 1
    assert sweep_at(START + timedelta(hours=56, minutes=1))["escalations"] == 1
    assert sweep_at(START + timedelta(hours=64, minutes=1))["escalations"] == 1
    assert sweep_at(START + timedelta(hours=200))["escalations"] == 0  # the top is level 3
    c = Case.objects.get(pk=case.pk)
    assert c.escalation_level == 3 and c.breached and c.next_escalation_at is None
    levels = [e.data["level"] for e in c.events.filter(kind="escalated")]
    assert levels == [1, 2, 3]
    assert c.events.filter(kind="escalated").last().data["to_zh"] == "片区"


def test_c7_a_late_sweep_catches_up_and_running_it_twice_changes_nothing(clerk):
    case = fault(clerk)
    late = START + timedelta(days=5)
    first = sweep_at(late)
    assert first == {
        "warnings": 1,
        "first_response_missed": 0,
        "escalations": 3,
        "return_visits": 0,
    }
    before = list(Case.objects.get(pk=case.pk).events.values_list("id", "kind"))
    assert sweep_at(late) == dict.fromkeys(first, 0)
    assert list(Case.objects.get(pk=case.pk).events.values_list("id", "kind")) == before


def test_c7_resolved_cases_stop_the_clock(clerk):
    case = fault(clerk)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        case, _ = cases.act(clerk, case.pk, "acknowledge", version=case.version)
        cases.act(clerk, case.pk, "resolve", version=case.version, resolution="已修复")
    assert sweep_at(START + timedelta(hours=60))["escalations"] == 0


def test_c6_missed_first_response_is_recorded(hall):
    from tests import factories

    gateway = factories.make_staff("channel", hall)
    case = fault(gateway, channel="app")
    assert sweep_at(START + timedelta(minutes=14))["first_response_missed"] == 0
    assert sweep_at(START + timedelta(minutes=16))["first_response_missed"] == 1
    assert Case.objects.get(pk=case.pk).first_response_missed
    assert sweep_at(START + timedelta(minutes=20))["first_response_missed"] == 0


def test_c5_no_confirmation_in_time_means_a_return_visit(clerk):
    case = fault(clerk)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        case, _ = cases.act(clerk, case.pk, "acknowledge", version=case.version)
        case, _ = cases.act(clerk, case.pk, "resolve", version=case.version, resolution="已修复")
    assert sweep_at(START + timedelta(hours=73))["return_visits"] == 0
    assert sweep_at(START + timedelta(hours=75))["return_visits"] == 1
    c = Case.objects.get(pk=case.pk)
    assert c.status == "return_visit" and c.version == case.version + 1
    assert sweep_at(START + timedelta(hours=80))["return_visits"] == 0
    with time_machine.travel(START + timedelta(hours=81), tick=False):
        c, _ = cases.act(
            clerk,
            c.pk,
            "close",
            version=c.version,
            method="phone_call",
            call_at=(START + timedelta(hours=80, minutes=30)).isoformat(),
            note="回访：客户确认已恢复",
        )
    assert c.status == "closed" and c.confirmed_at is not None
    assert c.confirmation.by_staff and c.confirmation.review == "pending"  # quality reviews it


def test_c7_the_sweep_is_a_periodic_job_every_minute(clerk):
    from servicehall.cases.tasks import sla_sweep

    fault(clerk)
    assert sla_sweep.task_class().validate_datetime(START + timedelta(minutes=7))  # every minute
    with time_machine.travel(START + timedelta(days=5), tick=False):
        assert sla_sweep.call_local()["escalations"] == 3
