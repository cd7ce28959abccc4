"""C6: deadlines of a policy counted in the hall's opening hours (SlaPolicy.in_opening_hours):
a hall consultation opened at 19:58 with 8 hours in a 09:00–18:00 hall is due at 17:00 the
next open day; without a hall, or a hall without hours, the plain clock."""

from datetime import datetime, time

import pytest
import time_machine
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import SlaPolicy
from servicehall.org.models import OpeningHours
from tests import factories

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def consult(user, when, **kw):
    with time_machine.travel(when, tick=False):
        args = dict(
            kind="consultation",
            channel="walk_in",
            category="broadband-speed",
            description="宽带晚上网速慢",
        )
        args.update(kw)
        return cases.open_case(user, **args)


def weekdays_9_to_18(hall):
    for d in range(5):
        OpeningHours.objects.create(hall=hall, weekday=d, opens=time(9), closes=time(18))


def test_c6_the_shipped_consultation_policy_counts_opening_hours_only():
    factories.ensure_reference_data()
    flagged = set(SlaPolicy.objects.filter(in_opening_hours=True).values_list("name", flat=True))
    assert flagged == {"咨询"}


def test_c6_hall_consultation_at_1958_is_due_at_1700_the_next_open_day(hall, clerk):
    weekdays_9_to_18(hall)
    case = consult(clerk, at(2026, 11, 23, 19, 58))  # a Monday evening
    assert case.hall_id == hall.pk
    assert case.due_at == at(2026, 11, 24, 17, 0)  # not 03:58 in the night
    assert case.warn_at == at(2026, 11, 24, 15, 24)  # 80 % of the 8 open hours
    friday = consult(clerk, at(2026, 11, 27, 16, 0))  # 2 h on Friday, 6 h on Monday
    assert friday.due_at == at(2026, 11, 30, 15, 0)


def test_c6_before_national_day_the_clock_waits_for_the_holiday_to_end(hall, clerk):
    weekdays_9_to_18(hall)  # no holiday hours: closed 1–7 October
    case = consult(clerk, at(2026, 9, 30, 17, 0))
    assert case.due_at == at(2026, 10, 8, 16, 0)


def test_c6_without_hours_or_without_a_hall_the_plain_clock(hall, clerk):
    case = consult(clerk, at(2026, 11, 23, 19, 58))  # the hall has no hours
    assert case.due_at == at(2026, 11, 24, 3, 58)
    hotline = factories.make_staff("clerk", None)
    weekdays_9_to_18(hall)
    case = consult(hotline, at(2026, 11, 23, 19, 58), channel="hotline")
    assert case.hall_id is None and case.due_at == at(2026, 11, 24, 3, 58)


def test_c6_unflagged_policies_keep_the_wall_clock(hall, clerk):
    weekdays_9_to_18(hall)
    with time_machine.travel(at(2026, 11, 23, 19, 58), tick=False):
        fault = cases.open_case(
            clerk, kind="fault", channel="walk_in", category="broadband-fault", description="断网"
        )
    assert fault.due_at == at(2026, 11, 25, 19, 58)  # L2: 48 h from the report
