"""S2: the rollup tables count what the raw rows say, a rebuild run twice changes nothing, and
the catch-up follows the event rows."""

from datetime import date, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from servicehall.cases.models import Case, CaseConfirmation
from servicehall.queueing import services as queue
from servicehall.queueing.models import Ticket
from servicehall.reports import history, rollup, selectors
from servicehall.reports.models import CaseDay, QueueDay, QueueHour, SatisfactionDay, StaffDay
from servicehall.surveys.models import CounterRating
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

DAY = date(2026, 11, 10)


@pytest.fixture
def cast(hall):
    clerks = [factories.make_staff("clerk", hall) for _ in range(3)]
    owner = factories.make_staff("care_desk", hall)
    return history.hall_staff(hall, clerks, owner)


def _snapshot():
    out = {}
    for model in (QueueDay, QueueHour, StaffDay, CaseDay, SatisfactionDay):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(map(repr, model.objects.values_list(*fields)))
    return out


def test_s2_rollup_counts_what_the_raw_rows_say(hall, cast):
    history.write_days([cast], DAY, 2, tickets_per_day=150, cases_per_day=6)
    rollup.rebuild(DAY)
    rollup.rebuild(DAY + timedelta(days=1))
    tickets = Ticket.objects.filter(day=DAY)
    called = tickets.filter(first_called_at__isnull=False)
    std_ok = called.filter(priority=0, first_called_at__lte=F("arrival_at") + timedelta(minutes=15))
    vip_ok = called.filter(
        priority__gt=0, first_called_at__lte=F("arrival_at") + timedelta(minutes=10)
    )
    scope = selectors.Scope(frozenset({hall.pk}))
    got = selectors.figures(scope, DAY, DAY)
    assert got["issued"] == tickets.count() > 100
    assert got["called"] == called.count()
    assert got["served"] == tickets.filter(status="done").count()
    assert got["no_show"] == tickets.filter(status="no_show").count()
    waits = [(t.first_called_at - t.arrival_at).total_seconds() for t in called]
    assert got["mean_wait_min"] == pytest.approx(sum(int(w) for w in waits) / len(waits) / 60)
    std_called = called.filter(priority=0).count()
    assert got["wait_ok_share"] == pytest.approx(std_ok.count() / std_called)
    assert got["vip_wait_ok_share"] == pytest.approx(
        vip_ok.count() / called.filter(priority__gt=0).count()
    )
    # the 90th percentile to the minute: at least 90 % waited no longer, fewer than 90 % a minute less
    p90 = got["p90_wait_min"]
    assert sum(w <= p90 * 60 for w in waits) >= 0.9 * len(waits)
    assert sum(w < (p90 - 1) * 60 for w in waits) < 0.9 * len(waits)
    cases = Case.objects.filter(hall=hall, created_at__date__lte=DAY)
    start, end = rollup.day_span(DAY)
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    assert got["cases"] == cases.count()
    # the resolution rate: of the types that close with the customer's confirmation only (a
    # consultation is answered, nobody confirms it)
    looped = cases.filter(kind__in=["fault", "complaint", "work_order"])
    assert 0 < looped.count() < cases.count()
    confirmed = CaseConfirmation.objects.filter(case__in=looped).count()
    assert not CaseConfirmation.objects.filter(case__kind="consultation").exists()
    assert got["resolution"] == pytest.approx(confirmed / looped.count())
    ratings = CounterRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
    sat = got["satisfaction_detail"]["rating"]
    assert sat["answers"] == ratings.count()
    assert sat["satisfaction"] == pytest.approx(
        ratings.filter(overall__gte=4).count() / ratings.count()
    )
    # two days together are the sum of each
    both = selectors.figures(scope, DAY, DAY + timedelta(days=1))
    second = selectors.figures(scope, DAY + timedelta(days=1), DAY + timedelta(days=1))
    assert both["issued"] == got["issued"] + second["issued"]


def test_s2_rebuild_twice_changes_nothing(hall, cast):
    history.write_days([cast], DAY, 1, tickets_per_day=80, cases_per_day=4)
    rollup.rebuild(DAY)
    first = _snapshot()
    assert first["QueueDay"] and first["CaseDay"]
    rollup.rebuild(DAY)
    rollup.rebuild(DAY, [hall.pk])
    assert _snapshot() == first


def test_s2_catch_up_follows_the_events(hall, clerk, device):
    """A ticket taken and called today is in the rollup after the catch-up, and a catch-up with
    nothing new touches nothing."""
    today = timezone.localdate()
    rollup.catch_up()
    counter = factories.counter(hall, "1号窗口")
    queue.issue_ticket(device, hall, "business")
    queue.sign_in(clerk, counter)
    queue.call_next(clerk, counter)
    touched = rollup.catch_up()
    assert touched == {today: {hall.pk}}
    scope = selectors.Scope(frozenset({hall.pk}))
    got = selectors.figures(scope, today, today)
    assert got["issued"] == 1 and got["called"] == 1
    assert rollup.catch_up() == {}
