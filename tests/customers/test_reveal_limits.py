"""V2: revealing is not a harvest. A reason of at least 4 meaningful characters; 10 unmasked
views per person in 10 minutes, the 11th refused with 429 and quality alerted once — also when
40 reveals arrive at the same instant (the count is taken under a lock, on both databases)."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import Client

from servicehall.core.events import bus, staff_channel
from servicehall.core.models import AuditLog
from servicehall.customers import services
from servicehall.customers.services import REVEAL_LIMIT
from tests.factories import make_customer, make_hall, make_staff
from tests.queueing.test_concurrency import fire


def api(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_v2_reveal_reason_must_say_something(hall):
    customer = make_customer("gold", phone="13812340000")
    c = api(make_staff("complaint_desk", hall))
    for reason in (".", "1", "ok", "。。。。", "aaaa", "a b"):
        r = c.post(
            f"/api/customers/{customer.pk}/reveal",
            {"reason": reason},
            content_type="application/json",
        )
        body = r.json()
        assert r.status_code == 422 and body["code"] == "too_short" and body["field"] == "reason"
        assert "13812340000" not in r.content.decode(), reason
    assert not AuditLog.objects.exists()
    r = c.post(
        f"/api/customers/{customer.pk}/reveal",
        {"reason": "投诉回电"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["phones"] == ["13812340000"]


@pytest.mark.django_db
def test_v2_eleventh_reveal_in_ten_minutes_is_refused_and_quality_alerted(hall):
    customer = make_customer("gold", phone="13812340001")
    desk = make_staff("complaint_desk", hall)
    make_staff("quality_supervisor", hall)
    c = api(desk)
    path = f"/api/customers/{customer.pk}/reveal"
    for _ in range(REVEAL_LIMIT):
        assert (
            c.post(path, {"reason": "投诉回电核实"}, content_type="application/json").status_code
            == 200
        )
    r = c.post(path, {"reason": "投诉回电核实"}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "too_many_reveals"
    assert "质检已收到提醒" in r.json()["message"] and "13812340001" not in r.content.decode()
    c.post(path, {"reason": "投诉回电核实"}, content_type="application/json")
    assert AuditLog.objects.filter(action="pii.view").count() == REVEAL_LIMIT
    alert = AuditLog.objects.get(action="pii.alert")  # once, not once per refusal
    assert alert.actor == desk and alert.object_id == str(customer.pk)
    # another person has their own allowance
    other = api(make_staff("care_desk", hall))
    assert (
        other.post(path, {"reason": "关怀回访"}, content_type="application/json").status_code == 200
    )


def test_v2_forty_simultaneous_reveals_let_ten_through(transactional_db):
    hall = make_hall("reveal-race")
    customer = make_customer("gold", phone="13812340002")
    desk = make_staff("complaint_desk", hall)
    make_staff("quality_supervisor", hall)
    clients = [api(desk) for _ in range(40)]
    results = fire(
        [(c, f"/api/customers/{customer.pk}/reveal", {"reason": "投诉回电核实"}) for c in clients]
    )
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == REVEAL_LIMIT and statuses.count(429) == 40 - REVEAL_LIMIT
    assert AuditLog.objects.filter(action="pii.view").count() == REVEAL_LIMIT
    assert AuditLog.objects.filter(action="pii.alert").count() == 1


@pytest.mark.django_db
def test_v2_quality_is_told_live_when_someone_hits_the_limit(
    hall, django_capture_on_commit_callbacks
):
    customer = make_customer("gold", phone="13812340003")
    desk = make_staff("care_desk", hall)
    quality = make_staff("quality_supervisor", hall)
    received = []

    def reveal_eleven():
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(REVEAL_LIMIT + 1):
                try:
                    services.reveal(desk, customer.pk, reason="关怀回访核实")
                except services.ServiceError as exc:
                    assert exc.status == 429

    async def run():
        async with bus().subscribe(staff_channel(quality.pk)) as q:
            await sync_to_async(reveal_eleven)()
            received.append(await asyncio.wait_for(q.get(), 5))

    async_to_sync(run)()
    assert received[0]["type"] == "pii_alert" and received[0]["limit"] == REVEAL_LIMIT
    assert received[0]["who"] == desk.staff.full_name
    # the quality supervisor's pages listen to that channel
    c = api(quality)
    page = c.get("/board/test-hall/").content.decode()
    assert 'id="staff-notices"' in page and "查看完整号码次数达到上限" in page


@pytest.mark.django_db
def test_v2_workbench_says_the_limit_in_words_with_429(hall):
    from servicehall.core.models import AuditLog as Log
    from servicehall.queueing import services as queue
    from tests.factories import counter

    desk = make_staff("complaint_desk", hall)
    queue.sign_in(desk, counter(hall, "1号窗口"))
    customer = make_customer("gold", phone="13812340004")
    queue.issue_ticket(make_staff("device", hall), hall, "consult", phone="13812340004")
    c = api(desk)
    c.post("/workbench/call")
    for _ in range(REVEAL_LIMIT):
        Log.objects.create(
            actor=desk, action="pii.view", object_type="customer", object_id="0", reason="回访核实"
        )
    r = c.post(f"/workbench/customers/{customer.pk}/reveal", {"reason": "投诉回电核实"})
    body = r.content.decode()
    assert r.status_code == 429 and "已达上限" in body and "13812340004" not in body
