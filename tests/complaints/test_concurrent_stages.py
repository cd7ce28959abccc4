"""Two people on one complaint at once (P1): the accept stage and changes of responsibility fired
at the same instant through the full request stack, each with its own connection — exactly one
lands (one stage event, one ComplaintRecord), every other gets 409 with nothing half-written, on
SQLite and on PostgreSQL."""

import pytest
from django.test import Client

from servicehall.cases import services as cases
from servicehall.complaints.models import ComplaintRecord
from tests.factories import make_desk, make_hall, make_staff
from tests.queueing.test_concurrency import fire

N = 8


@pytest.mark.django_db(transaction=True)
def test_p1_concurrent_stage_and_responsibility_one_wins_the_rest_get_409():
    hall = make_hall("complaint-concurrency")
    owner = make_staff("complaint_desk", hall)
    members = [make_staff("complaint_desk", hall) for _ in range(N - 1)]
    make_desk("complaint", hall, lead=owner, members=members)
    case = cases.open_case(
        owner, kind="complaint", channel="walk_in", category="complaint", description="同时受理"
    )
    shots = []
    for i, user in enumerate([owner, *members]):
        client = Client()
        client.force_login(user)
        if i % 2:
            path = f"/api/complaints/{case.pk}/responsibility"
            body = {"version": case.version, "responsible": "department", "name": f"部门{i}"}
        else:
            path = f"/api/complaints/{case.pk}/accept"
            body = {
                "version": case.version,
                "steps": ["listen", "ask", "calm", "confirm"],
                "words": f"原话{i}",
                "request": "诉求",
            }
        shots.append((client, path, body))
    results = fire(shots)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (N - 1), codes
    assert all(body["code"] == "stale_version" for code, body in results if code == 409)
    case.refresh_from_db()
    assert case.version == 2
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("accept") + kinds.count("responsibility") == 1
    assert ComplaintRecord.objects.filter(case=case).count() == 1
    record = ComplaintRecord.objects.get(case=case)
    if "accept" in kinds:
        assert case.status == "clarifying" and record.customer_words.startswith("原话")
    else:
        assert case.status == "accepting" and record.responsible_name.startswith("部门")
    assert case.owner == owner
