"""Two staff editing one case at once: fired at the same instant through the full
request stack, each with its own connection, exactly one write wins and every other gets 409
with the current version — on SQLite and on PostgreSQL."""

import pytest
from django.test import Client

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from tests.factories import make_desk, make_hall, make_staff
from tests.queueing.test_concurrency import fire

N = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_on_one_case_one_wins_the_rest_get_409():
    hall = make_hall("cases-concurrency")
    owner = make_staff("clerk", hall)
    desk_members = [make_staff("clerk", hall) for _ in range(N - 1)]
    make_desk("fault", hall, members=desk_members)
    case = cases.open_case(
        owner, kind="work_order", channel="hotline", category="other", description="同时处理"
    )
    case = cases.transfer(owner, case.pk, version=case.version, desk="fault", summary="请处理")
    staff = [owner, *desk_members]
    shots = []
    for i, user in enumerate(staff):
        client = Client()
        client.force_login(user)
        if i % 2:
            path, body = f"/api/cases/{case.pk}/escalate", {"version": case.version, "reason": "急"}
        else:
            path = f"/api/cases/{case.pk}/actions/resolve"
            body = {"version": case.version, "resolution": f"由{user.username}处理完毕"}
        shots.append((client, path, body))
    results = fire(shots)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (N - 1), codes
    assert all(body["code"] == "stale_version" for code, body in results if code == 409)
    final = Case.objects.get(pk=case.pk)
    assert final.version == case.version + 1
    winner = next(body for code, body in results if code == 200)
    events = list(final.events.values_list("kind", flat=True))
    assert events.count("resolve") + events.count("escalated") == 1  # exactly one write landed
    if "case" in winner:  # the resolve won
        assert final.status == "resolved" and final.resolution == winner["case"]["resolution"]
    else:
        assert final.escalation_level == 1 and final.status == "in_progress"
