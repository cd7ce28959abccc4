"""S2: which cases the service report counts. The halls' report counts the halls' cases: a
contact with no hall (the hotline's, the online channels', the province's) is not in "all
halls"; a quality rectification item is staff's own work, not a customer's case, and a clerk
cannot open one at the intake (found by the review of issue 17)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.core.errors import ServiceError
from servicehall.reports import rollup, selectors
from tests import factories
from tests.conftest import client_for


def _open(user, **kw):
    return cases.open_case(
        user, kind="fault", channel="hotline", category="other", description="宽带断网", **kw
    )


def test_s2_all_halls_counts_the_halls_cases_not_those_of_no_hall(hall, clerk):
    _open(clerk, hall=hall.code)
    contact = _open(clerk)
    type(contact).objects.filter(pk=contact.pk).update(hall=None)  # a hotline contact: no hall
    today = timezone.localdate()
    rollup.rebuild(today)
    everywhere = selectors.Scope(None)  # an area manager, a quality supervisor
    assert selectors.figures(everywhere, today, today)["cases"] == 1
    assert [r["opened"] for r in selectors.by_kind(everywhere, today, today)] == [1]
    assert selectors.figures(selectors.Scope(frozenset({hall.pk})), today, today)["cases"] == 1


def test_s2_a_rectification_item_is_not_a_service_case(hall, clerk):
    with pytest.raises(ServiceError) as refused:
        cases.open_case(
            clerk, kind="rectification", channel="proactive", category="other", description="x"
        )
    assert refused.value.field == "kind" and "质检" in refused.value.zh
    page = client_for(clerk).get("/cases/new")
    assert page.status_code == 200 and 'value="rectification"' not in page.content.decode()
    manager = factories.make_staff("hall_manager", hall)
    cases.open_case(
        manager,
        kind="rectification",
        channel="proactive",
        category="other",
        description="质检发现：未使用规范服务用语",
        hall=hall.code,
        internal=True,
    )
    _open(clerk, hall=hall.code)
    today = timezone.localdate()
    rollup.rebuild(today)
    got = selectors.figures(selectors.Scope(frozenset({hall.pk})), today, today)
    assert got["cases"] == 1  # the fault; the rectification item is not counted
    assert selectors.figures(
        selectors.Scope(frozenset({hall.pk})), today - timedelta(days=1), today
    )["resolution"] == 0.0
