"""Concurrency is tested, not assumed (E1, P5): managers declaring the same incident at the same
instant get one incident, the others a duplicate refusal; workers watching one surge's contacts
at once write one alert — on SQLite and on PostgreSQL, each thread with its own connection."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.core.errors import ServiceError
from servicehall.incidents import services
from servicehall.incidents.models import Alert, Incident
from servicehall.org import regions
from servicehall.org.models import Region
from tests import factories


def at_once(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=30)
            results[i] = fn()
        except ServiceError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def district(transactional_db):
    city = Region.objects.create(code="c", name="临江市", level=2)
    east = Region.objects.create(code="c-east", name="城东区", level=3, parent=city)
    Region.objects.create(code="c-east-g", name="滨江网格", level=4, parent=east)
    regions.forget()
    hall = factories.make_hall("conc-hall")
    hall.region = east
    hall.save()
    return hall


def test_e1_the_same_incident_declared_at_once_is_declared_once(district):
    managers = [factories.make_staff("hall_manager", district) for _ in range(6)]
    start = timezone.now() - timedelta(minutes=40)
    codes = ["c-east", "c-east-g"]  # the district and its grid overlap
    results = at_once(
        [
            lambda m=m, i=i: services.declare(
                m, service="voice", regions_codes=[codes[i % 2]], started_at=start
            )
            for i, m in enumerate(managers)
        ]
    )
    made = [r for r in results if isinstance(r, Incident)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(made) == 1, results
    assert {e.code for e in refused} == {"duplicate_incident"}
    assert Incident.objects.count() == 1


def test_p5_one_surge_watched_by_several_workers_at_once_is_one_alert(district):
    clerk = factories.make_staff("clerk", district)
    made = [
        cases.open_case(
            clerk,
            kind="complaint",
            channel="walk_in",
            category="other",
            description=text,
            customer_id=factories.make_customer().pk,
        )
        for text in ["没信号", "手机没信号", "无服务", "打不通", "信号差", "打不出电话"]
    ]
    at_once([lambda pk=c.pk: services.watch(pk) for c in made])
    assert Alert.objects.count() == 1
    assert Alert.objects.get().customers >= 4


def test_p5_watches_that_run_out_of_order_still_see_the_whole_surge(district):
    """Two workers, or a backlog: the newest case may be watched first. The watch that comes
    last sees every report of the surge, whichever case it is about."""
    clerk = factories.make_staff("clerk", district)
    made = [
        cases.open_case(
            clerk,
            kind="complaint",
            channel="walk_in",
            category="other",
            description=text,
            customer_id=factories.make_customer().pk,
        )
        for text in ["没信号", "手机没信号", "无服务", "打不通", "信号差"]
    ]
    for c in reversed(made):
        services.watch(c.pk)
    assert Alert.objects.count() == 1
    assert Alert.objects.get().customers == 5
