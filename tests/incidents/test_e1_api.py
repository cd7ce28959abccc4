"""The incidents API (P5, E1, L2) as the network's own systems and the managers' tools use it:
the same rules as the pages, in both languages with the field at fault."""

from datetime import timedelta

from django.utils import timezone

from servicehall.incidents.models import Incident
from tests import factories
from tests.incidents.test_e1_web import surge, two_districts  # noqa: F401  (fixture)


def test_e1_declare_link_update_close_through_the_api(two_districts, api_as):  # noqa: F811
    east = two_districts["east"]
    alert = surge(east)
    manager = api_as(factories.make_staff("hall_manager", east))
    r = manager.get("/incidents/alerts")
    assert r.status_code == 200 and [a["id"] for a in r.json()] == [alert.pk]
    assert r.json()[0]["customers"] == 4 and r.json()[0]["region"].endswith("城东区")
    r = manager.post(f"/incidents/alerts/{alert.pk}/dismiss", {"version": 1, "reason": " "})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    start = (timezone.localtime() - timedelta(hours=1)).isoformat(timespec="seconds")
    r = manager.post("/incidents", {"service": "voice", "regions": [], "started_at": start})
    assert r.status_code == 422 and r.json()["field"] == "regions"
    assert r.json()["message"] and r.json()["message_en"]
    body = {
        "service": "voice",
        "regions": ["lj-cd"],
        "started_at": start,
        "alert": alert.pk,
        "alert_version": alert.version,
    }
    r = manager.post("/incidents", body)
    assert r.status_code == 201, r.json()
    incident = r.json()
    assert len(incident["cases"]) == 4 and incident["told"] == 4
    again = manager.post("/incidents", body | {"alert": None})
    assert again.status_code == 409 and again.json()["code"] == "duplicate_incident"
    r = manager.post(
        f"/incidents/{incident['id']}/update",
        {"version": incident["version"], "cause": "光缆中断"},
    )
    assert r.status_code == 200 and r.json()["cause"] == "光缆中断", r.json()
    r = manager.post(
        f"/incidents/{incident['id']}/close",
        {"version": r.json()["version"], "resolution": "光缆已熔接"},
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert r.json()["summary"]["contacts"] == 4
    # another district's manager: as unknown as a missing one
    west = api_as(factories.make_staff("hall_manager", two_districts["west"]))
    assert west.get(f"/incidents/{incident['id']}").status_code == 404
    assert west.get("/incidents", state="all").json() == []
    assert Incident.objects.count() == 1
