"""A hall's staff and devices work in their own hall only (Q1–Q4): another hall's tickets,
counters and the hall itself are unknown to them (404, as a missing one) — through the API and
the pages alike; staff with no hall work in none, and only the roles that say so in
org/roles.py (`spans_halls`) work in every hall. The probe of the running demo found a clerk of
one hall cancelling the other's tickets and its manager closing the other's queue."""

import pytest

from servicehall.core.errors import NotFound
from servicehall.org.models import Hall
from servicehall.org.roles import assign_role
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
            r.status_code == 404
            and r.json()["code"] == "unknown_hall"
            and r.json()["field"] == "hall"
        )
        # the same answer as a hall that does not exist: the other hall is not confirmed
        missing = api_as(make_staff(role, west)).post(
            "/queue/halls/no-such-hall/tickets", {"service_type": "payment"}
        )
        assert missing.json()["message_en"] == r.json()["message_en"].replace(
            east.code, "no-such-hall"
        )
    assert Ticket.objects.filter(hall=east).count() == 1
    nowhere = make_staff("clerk", None)  # no hall of their own: no hall at all
    with pytest.raises(NotFound):
        services.issue_ticket(nowhere, east, "payment")
    area = make_staff("area_manager", west)  # a role that spans halls, said in roles.py
    assert services.issue_ticket(area, east, "payment").hall == east


def test_q4_a_manager_runs_their_own_hall_only(two_halls, api_as):
    east, west, _ = two_halls
    manager = make_staff("hall_manager", west)
    api = api_as(manager)
    assert api.post(f"/queue/halls/{east.code}/close").status_code == 404
    assert api.get(f"/queue/halls/{east.code}/board").status_code == 404
    assert api.get(f"/queue/halls/{east.code}/counters").status_code == 404
    assert [h["code"] for h in api.get("/queue/halls").json()] == [west.code]
    pages = client_for(manager)
    assert pages.get(f"/board/{east.code}/").status_code == 404
    assert pages.post(f"/board/{east.code}/notice", {"notice": "HACKED"}).status_code in (302, 404)
    assert pages.post(f"/board/{east.code}/open", {"open": "0"}).status_code in (302, 404)
    east = Hall.objects.get(pk=east.pk)
    assert east.is_open and east.notice == ""  # neither took
    assert pages.get(f"/halls/{east.code}/events").status_code == 404
    assert api.get(f"/queue/halls/{west.code}/board").status_code == 200  # their own


def test_q2_a_clerk_moved_to_another_hall_works_there_at_once(two_halls):
    """Who works where is remembered briefly per process (org.roles); a change made here is
    seen at once: the clerk moved from west to east cancels east's ticket, and west's refuses."""
    east, west, ticket = two_halls
    clerk = make_staff("clerk", west)
    with pytest.raises(NotFound):
        services.cancel_ticket(clerk, ticket.pk)
    profile = clerk.staff
    profile.hall = east
    profile.save()
    assert services.cancel_ticket(clerk, ticket.pk).status == "cancelled"
    theirs = services.issue_ticket(make_staff("device", west), west, "payment")
    with pytest.raises(NotFound):
        services.cancel_ticket(clerk, theirs.pk)
    assign_role(clerk, "area_manager")  # now a role that spans halls
    assert services.cancel_ticket(clerk, theirs.pk).status == "cancelled"
