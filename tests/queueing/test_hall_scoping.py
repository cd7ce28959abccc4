"""A hall's staff and devices work in their own hall only (Q1–Q4): another hall's tickets are
unknown to them (404) and its hall-wide operations refused (403) — through the API and the
pages alike; staff with no hall of their own are area-wide. The probe of the running demo found
a clerk of one hall cancelling the other's tickets and its manager closing the other's queue."""

import pytest

from servicehall.org.models import Hall
from servicehall.queueing import services
from servicehall.queueing.models import Ticket
from tests.conftest import client_for
from tests.factories import make_hall, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_halls(hall):
    west = make_hall("west-hall")
    ticket = services.issue_ticket(make_staff("device", hall), hall, "payment")
    return hall, west, ticket


def test_q2_another_halls_ticket_is_unknown_to_its_staff(two_halls, api_as):
    east, west, ticket = two_halls
    clerk = api_as(make_staff("clerk", west))
    for method, path in (
        ("post", f"/queue/tickets/{ticket.pk}/cancel"),
        ("post", f"/queue/tickets/{ticket.pk}/move-to-quiet"),
        ("get", f"/queue/tickets/{ticket.pk}"),
        ("get", f"/queue/tickets/{ticket.pk}/events"),
    ):
        r = getattr(clerk, method)(path)
        assert r.status_code == 404 and r.json()["code"] == "unknown_ticket", (path, r.content)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.area) == ("waiting", "main")  # nothing changed
    own = api_as(make_staff("clerk", east))
    assert own.post(f"/queue/tickets/{ticket.pk}/move-to-quiet").status_code == 200


def test_q1_staff_and_devices_issue_tickets_in_their_own_hall_only(two_halls, api_as):
    east, west, _ = two_halls
    for role in ("clerk", "device"):
        r = api_as(make_staff(role, west)).post(
            f"/queue/halls/{east.code}/tickets", {"service_type": "payment"}
        )
        assert (
            r.status_code == 403
            and r.json()["code"] == "other_hall"
            and r.json()["field"] == "hall"
        )
    assert Ticket.objects.filter(hall=east).count() == 1
    area_wide = make_staff("clerk", None)  # no hall of their own: the whole area
    assert services.issue_ticket(area_wide, east, "payment").hall == east


def test_q4_a_manager_runs_their_own_hall_only(two_halls, api_as):
    east, west, _ = two_halls
    manager = make_staff("hall_manager", west)
    api = api_as(manager)
    assert api.post(f"/queue/halls/{east.code}/close").status_code == 403
    assert api.get(f"/queue/halls/{east.code}/board").status_code == 403
    assert api.get(f"/queue/halls/{east.code}/counters").status_code == 403
    pages = client_for(manager)
    assert pages.get(f"/board/{east.code}/").status_code == 403
    assert pages.post(f"/board/{east.code}/notice", {"notice": "HACKED"}).status_code in (302, 403)
    assert pages.post(f"/board/{east.code}/open", {"open": "0"}).status_code in (302, 403)
    east = Hall.objects.get(pk=east.pk)
    assert east.is_open and east.notice == ""  # neither took
    assert pages.get(f"/halls/{east.code}/events").status_code == 403
    assert api.get(f"/queue/halls/{west.code}/board").status_code == 200  # their own
