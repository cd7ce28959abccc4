"""Cases stay in the halls of who works on them (C4, C7, C8; docs/ARCHITECTURE.md "Who sees
which hall"): a hall manager lists, reads and changes their own hall's cases — those opened
there or sitting at its desks —, an area manager and quality every hall's; intake and
transfers name only the user's halls and desks, and the area's desks (no hall) from anywhere.
Whoever a case was given to (owner, handler, its desk) keeps it, whatever its hall."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.cases import selectors
from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.errors import ServiceError
from tests.factories import make_desk, make_hall, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_halls(hall):
    west = make_hall("west-hall")
    east_clerk, west_clerk = make_staff("clerk", hall), make_staff("clerk", west)
    make_desk("front", hall, members=[east_clerk])
    make_desk("west-front", west, members=[west_clerk])
    make_desk("fault", None)
    kw = dict(kind="work_order", channel="walk_in", category="other", description="宽带故障")
    east_case = cases.open_case(east_clerk, desk="front", **kw)
    west_case = cases.open_case(west_clerk, desk="west-front", **kw)
    assert (east_case.hall, west_case.hall) == (hall, west)
    return hall, west, east_case, west_case


def test_c4_a_hall_manager_lists_their_halls_cases_and_an_area_manager_every_halls(
    two_halls, api_as
):
    east, west, east_case, west_case = two_halls
    # both past their deadline: the SLA overview lists them as breached
    Case.objects.update(due_at=timezone.now() - timedelta(hours=1))
    for role, hall, expected in (
        ("hall_manager", east, {east_case.number}),
        ("hall_manager", west, {west_case.number}),
        ("area_manager", east, {east_case.number, west_case.number}),
        ("quality_supervisor", east, {east_case.number, west_case.number}),
        ("hall_manager", None, set()),  # no hall of their own is no hall, not every hall
    ):
        api = api_as(make_staff(role, hall))
        listed = {c["number"] for c in api.get("/cases", scope="all").json()}
        sla = api.get("/cases/sla").json()
        assert listed == expected, (role, hall)
        assert {c["number"] for c in sla["breached"]} == expected, (role, hall)
        assert sla["breached_count"] == len(expected)


def test_c7_a_hall_manager_cannot_read_escalate_or_resolve_another_halls_case(two_halls, api_as):
    east, west, east_case, west_case = two_halls
    api = api_as(make_staff("hall_manager", east))
    v = west_case.version
    assert api.get(f"/cases/{west_case.pk}").status_code == 404
    assert (
        api.post(f"/cases/{west_case.pk}/escalate", {"version": v, "reason": "越权"}).json()["code"]
        == "unknown_case"
    )
    r = api.post(f"/cases/{west_case.pk}/actions/resolve", {"version": v, "resolution": "越权办结"})
    assert r.status_code == 404
    # in the same words as a case that does not exist: nothing tells that it does (probe)
    missing = api.post("/cases/999999/actions/resolve", {"version": v, "resolution": "越权办结"})
    for key in ("code", "message", "message_en", "field"):
        assert r.json()[key] == missing.json()[key].replace("999999", str(west_case.pk)), key
    west_case.refresh_from_db()
    assert (west_case.status, west_case.escalation_level, west_case.version) == (
        "in_progress",
        0,
        v,
    )
    assert [e.kind for e in west_case.events.all()] == ["opened"]
    # their own hall's case: done, with its event
    r = api.post(f"/cases/{east_case.pk}/escalate", {"version": 1, "reason": "超权限"})
    assert r.status_code == 200 and r.json()["escalation_level"] == 1
    assert east_case.events.filter(kind="escalated").exists()


def test_c8_intake_and_transfers_name_only_the_users_halls_and_the_areas_desks(two_halls):
    east, west, east_case, west_case = two_halls
    clerk = make_staff("clerk", east)
    make_desk("east-care", east, members=[clerk])
    kw = dict(kind="work_order", channel="walk_in", category="other", description="测试")
    for extra, field in (({"hall": west.code}, "hall"), ({"desk": "west-front"}, "desk")):
        with pytest.raises(ServiceError) as e:
            cases.open_case(clerk, **kw, **extra)
        # as unknown as a hall or desk that does not exist
        assert (e.value.status, e.value.field) == (422, field)
        assert e.value.code in ("unknown_hall", "unknown_desk")
    assert Case.objects.count() == 2  # nothing opened
    assert [d.code for d in selectors.desks_for(clerk).order_by("code")] == [
        "east-care",
        "fault",
        "front",
    ]
    mine = cases.open_case(clerk, **kw)
    with pytest.raises(ServiceError) as e:
        cases.transfer(clerk, mine.pk, version=1, desk="west-front", summary="转西厅")
    assert e.value.code == "unknown_desk"
    mine.refresh_from_db()
    assert mine.desk is None and mine.version == 1
    moved = cases.transfer(clerk, mine.pk, version=1, desk="fault", summary="转障碍台")
    assert moved.desk.code == "fault" and moved.hall == east


def test_c4_an_area_desk_member_works_another_halls_case_and_its_work_order_stays_there(
    two_halls,
):
    """The fault desk serves every hall: a member who is a clerk of east takes west's case
    given to the desk, and turns it into a work order that stays west's."""
    east, west, _, _ = two_halls
    member = make_staff("clerk", east)
    fault = make_desk("area-fault", None, members=[member])
    asked = cases.open_case(
        make_staff("clerk", west),
        kind="consultation",
        channel="walk_in",
        category="other",
        description="宽带晚上很慢",
        desk=fault.code,
    )
    _, order = cases.act(member, asked.pk, "convert", version=asked.version, summary="需核查线路")
    assert order.hall == west and order.parent_id == asked.pk and order.owner == member
    # the work order is the member's (owner); a hall manager of east does not see it
    assert not selectors.may_handle(make_staff("hall_manager", east), order)
    assert selectors.may_handle(make_staff("hall_manager", west), order)
