"""Issue 3 through the HTTP API: intake, transitions, 409s with what is allowed, version checks,
bad input naming the field, lists and the SLA overview."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from servicehall.cases.models import Case
from tests import factories

pytestmark = pytest.mark.django_db

WORK_ORDER = {
    "kind": "work_order",
    "channel": "hotline",
    "category": "broadband-fault",
    "description": "宽带每天晚上掉线三四次",
    "phone": "13900005555",
}


@pytest.fixture
def customer():
    return factories.make_customer(phone="13900005555")


@pytest.fixture
def order(api_as, clerk, customer):
    r = api_as(clerk).post("/cases", WORK_ORDER)
    assert r.status_code == 201, r.content
    return r.json()


def test_c4_open_through_the_api(order, clerk):
    assert order["number"].startswith("GD") and order["status"] == "in_progress"
    assert order["owner"] == clerk.username and order["version"] == 1
    assert order["customer"]["masked"] and "*" in order["customer"]["phones"][0]
    assert order["contact_phone"] == "139****5555"
    assert [e["kind"] for e in order["timeline"]] == ["opened"]
    assert order["allowed"][0]["action"] == "resolve"
    assert order["script"]  # the service script for this step


def test_workflow_through_the_api(api_as, clerk, order):
    api = api_as(clerk)
    r = api.post(f"/cases/{order['id']}/actions/resolve", {"version": 1, "resolution": "换光猫"})
    assert r.status_code == 200, r.content
    case = r.json()["case"]
    assert case["status"] == "resolved" and case["version"] == 2
    r = api.post(f"/cases/{order['id']}/actions/close", {"version": 2})
    assert r.status_code == 422 and r.json()["field"] == "method"
    r = api.post(
        f"/cases/{order['id']}/actions/close",
        {
            "version": 2,
            "method": "phone_call",
            "call_at": timezone.now().isoformat(),
            "note": "电话回访，客户确认已恢复",
        },
    )
    assert r.status_code == 200 and r.json()["case"]["status"] == "closed"
    assert r.json()["case"]["confirmation"]["review"] == "pending"
    assert [e["kind"] for e in r.json()["case"]["timeline"]] == ["opened", "resolve", "close"]


def test_invalid_transition_answers_409_with_the_allowed_actions(api_as, clerk, order):
    r = api_as(clerk).post(
        f"/cases/{order['id']}/actions/close", {"version": 1, "method": "phone_call"}
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "invalid_transition" and body["field"] == "action"
    assert [a["action"] for a in body["allowed"]] == ["resolve"]
    assert body["message"] and body["message_en"]
    assert Case.objects.get(pk=order["id"]).status == "in_progress"


def test_second_of_two_concurrent_edits_gets_409_and_nothing_is_lost(api_as, clerk, order):
    colleague = factories.make_staff("hall_manager", clerk.staff.hall)
    a, b = api_as(clerk), api_as(colleague)
    r1 = a.post(f"/cases/{order['id']}/escalate", {"version": 1, "reason": "超出权限"})
    r2 = b.patch(f"/cases/{order['id']}", {"version": 1, "priority": "urgent"})
    assert r1.status_code == 200
    assert r2.status_code == 409 and r2.json()["code"] == "stale_version"
    assert r2.json()["current_version"] == 2
    case = Case.objects.get(pk=order["id"])
    assert case.escalation_level == 1 and case.priority == "normal"
    r3 = b.patch(f"/cases/{order['id']}", {"version": 2, "priority": "urgent"})
    assert r3.status_code == 200 and r3.json()["escalation_level"] == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"category": "nonsense"}, "category"),
        ({"kind": "gossip"}, "kind"),
        ({"phone": "1234"}, "phone"),
        ({"promised_at": "2020-01-01T10:00:00+08:00"}, "promised_at"),
        ({"description": ""}, "description"),
        ({"area": "moon"}, "area"),
    ],
)
def test_bad_intake_is_a_clear_error_naming_the_field(api_as, clerk, customer, change, field):
    r = api_as(clerk).post("/cases", {**WORK_ORDER, **change})
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["field"] == field and body["message"] and body["message_en"]
    assert not Case.objects.exists()


def test_action_without_version_is_422_naming_version(api_as, clerk, order):
    r = api_as(clerk).post(f"/cases/{order['id']}/actions/resolve", {"resolution": "好了"})
    assert r.status_code == 422 and r.json()["field"] == "version"


def test_promise_in_the_past_is_refused(api_as, clerk, order):
    past = (timezone.now() - timedelta(minutes=5)).isoformat()
    r = api_as(clerk).post(f"/cases/{order['id']}/promise", {"version": 1, "promised_at": past})
    assert r.status_code == 422 and r.json()["field"] == "promised_at"


def test_another_clerks_case_is_not_disclosed(api_as, order, hall):
    other = factories.make_staff("clerk", hall)
    assert api_as(other).get(f"/cases/{order['id']}").status_code == 404
    r = api_as(other).post(
        f"/cases/{order['id']}/actions/resolve", {"version": 1, "resolution": "x"}
    )
    assert r.status_code == 404
    assert api_as(other).get("/cases", scope="all").json() == []


def test_desk_queue_after_transfer(api_as, clerk, order, hall):
    member = factories.make_staff("clerk", hall)
    factories.make_desk("fault", hall, members=[member])
    r = api_as(clerk).post(
        f"/cases/{order['id']}/transfer",
        {"version": 1, "desk": "fault", "summary": "晚高峰掉线，光猫已重启"},
    )
    assert r.status_code == 200 and r.json()["desk"] == "fault"
    queue = api_as(member).get("/cases", scope="desk").json()
    assert [c["number"] for c in queue] == [order["number"]]
    assert api_as(member).get("/cases", scope="mine").json() == []
    assert api_as(clerk).get("/cases", scope="mine").json()[0]["owner"] == clerk.username


def test_sla_overview_lists_breached_cases(api_as, clerk, customer, manager):
    start = timezone.now() - timedelta(days=10)
    with time_machine.travel(start, tick=False):
        r = api_as(clerk).post("/cases", WORK_ORDER)
    assert r.status_code == 201
    sla = api_as(manager).get("/cases/sla").json()
    assert sla["breached_count"] == 1
    assert sla["breached"][0]["deadline_state"] == "breached"
    assert api_as(clerk).get("/cases/sla").status_code == 403
    overdue = api_as(clerk).get("/cases", overdue="true").json()
    assert [c["id"] for c in overdue] == [r.json()["id"]]


def test_openapi_has_every_case_operation(api_as, clerk):
    paths = api_as(clerk).get("/openapi.json").json()["paths"]
    for p in ("/api/cases", "/api/cases/{case_id}/actions/{action}", "/api/cases/sla"):
        assert p in paths


def test_case_types_describe_the_workflows(api_as, clerk):
    types = {t["kind"]: t for t in api_as(clerk).get("/cases/types").json()}
    assert set(types) >= {"consultation", "work_order", "fault", "suggestion", "praise"}
    actions = {t["action"] for t in types["work_order"]["transitions"]}
    assert actions == {"resolve", "close", "dispute"}  # the sweep's own action is not offered


def test_search_by_number_phone_or_words(api_as, clerk, order):
    api = api_as(clerk)
    other = api.post("/cases", {**WORK_ORDER, "description": "光猫指示灯不亮", "phone": None})
    assert other.status_code == 201
    by_number = api.get("/cases", q=order["number"].lower()).json()
    assert [c["number"] for c in by_number] == [order["number"]]
    assert [c["id"] for c in api.get("/cases", q="13900005555").json()] == [order["id"]]
    assert [c["id"] for c in api.get("/cases", q="指示灯").json()] == [other.json()["id"]]


def test_c5_closing_through_the_api_names_the_field_in_both_languages(api_as, clerk, order):
    api = api_as(clerk)
    api.post(f"/cases/{order['id']}/actions/resolve", {"version": 1, "resolution": "换光猫"})
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    r = api.post(
        f"/cases/{order['id']}/actions/close",
        {"version": 2, "method": "phone_call", "call_at": future, "note": "客户确认"},
    )
    assert r.status_code == 422
    body = r.json()
    assert (body["code"], body["field"]) == ("time_in_future", "call_at")
    assert "通话时间" in body["message"] and "call" in body["message_en"]
    assert Case.objects.get(pk=order["id"]).status == "resolved"
    r = api.post(f"/cases/{order['id']}/closure-code")  # in person: a code to the number on file
    assert r.status_code == 200 and r.json()["code_number"] == "139****5555"
    r = api.post(
        f"/cases/{order['id']}/actions/close",
        {"version": 2, "method": "in_person", "code": "12345x", "note": "客户到厅"},
    )
    assert r.status_code == 422 and r.json()["code"] == "wrong_code"


def test_c5_quality_reviews_staff_closures_through_the_api(api_as, clerk, order, hall):
    api = api_as(clerk)
    api.post(f"/cases/{order['id']}/actions/resolve", {"version": 1, "resolution": "换光猫"})
    api.post(
        f"/cases/{order['id']}/actions/close",
        {
            "version": 2,
            "method": "phone_call",
            "call_at": timezone.now().isoformat(),
            "note": "客户电话确认",
        },
    )
    quality = api_as(factories.make_staff("quality_supervisor", hall))
    queue = quality.get("/cases/closure-reviews").json()
    assert [(r["number"], r["method"], r["review"]) for r in queue] == [
        (order["number"], "phone_call", "pending")
    ]
    assert queue[0]["confirmed_by"] == clerk.staff.full_name
    r = quality.post(f"/cases/{order['id']}/closure-review", {"verdict": "ok"})
    assert r.status_code == 200 and r.json()["confirmation"]["review"] == "ok"
    assert r.json()["timeline"][-1]["kind"] == "closure_reviewed"
    again = quality.post(f"/cases/{order['id']}/closure-review", {"verdict": "not_ok", "note": "x"})
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"
    assert quality.get("/cases/closure-reviews").json() == []
    assert api.post(f"/cases/{order['id']}/closure-review", {"verdict": "ok"}).status_code == 403
    sla = quality.get("/cases/sla").json()["closures"]
    assert (sla["staff_confirmed"], sla["reviewed_ok"], sla["customer_confirmed"]) == (1, 1, 0)
