"""Kiosk floods (Q1): one waiting ticket per phone number and service type, and a per-device
rate far above a real hall's (queueing.services.issue_ticket, README "Limits")."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from servicehall.queueing import services
from servicehall.queueing.models import Ticket
from tests import factories

PHONE = "13900005555"


def api(user, address="127.0.0.1") -> Client:
    c = Client(REMOTE_ADDR=address)
    c.force_login(user)
    return c


def issue(c: Client, code="consult", phone=None):
    body = {"service_type": code, "channel": "kiosk"} | ({"phone": phone} if phone else {})
    return c.post("/api/queue/halls/test-hall/tickets", body, content_type="application/json")


@pytest.mark.django_db
def test_q1_one_waiting_ticket_per_phone_number_and_service_type(hall, device, clerk):
    kiosk = api(device)
    first = issue(kiosk, phone=PHONE)
    assert first.status_code == 201
    again = issue(kiosk, phone="139 0000 5555")  # the same number typed another way
    body = again.json()
    assert again.status_code == 409 and body["code"] == "already_waiting"
    assert body["field"] == "phone" and body["ticket_number"] == first.json()["number"]
    assert first.json()["number"] in body["message"] and "请勿重复取号" in body["message"]
    assert issue(kiosk, "payment", phone=PHONE).status_code == 201  # another line: fine
    # the kiosk page says it beside the phone field, in Chinese
    page = kiosk.post("/kiosk/test-hall/", {"service_type": "consult", "phone": PHONE})
    err = re.search(r'<div id="phone-error">(.*?)</div>', page.content.decode(), re.S).group(1)
    assert page.status_code == 422 and "该号码已在等候" in err
    # once called, the number may queue for that service again
    services.sign_in(clerk, factories.counter(hall, "1号窗口"))
    services.call_next(clerk, factories.counter(hall, "1号窗口"), type_ids=None)
    called = Ticket.objects.get(number=first.json()["number"])
    assert called.status == Ticket.Status.CALLED
    assert issue(kiosk, phone=PHONE).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_q1_ten_kiosks_racing_for_one_phone_number_issue_one_ticket():
    hall = factories.make_hall()
    kiosks = [api(factories.make_staff("device", hall), f"10.5.5.{i}") for i in range(10)]
    results = [None] * 10
    barrier = threading.Barrier(10)

    def take(i):
        try:
            barrier.wait(timeout=30)
            results[i] = issue(kiosks[i], phone=PHONE).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == [201] + [409] * 9
    assert Ticket.objects.filter(notify_phone=PHONE).count() == 1


@pytest.mark.django_db
def test_q1_a_kiosk_issues_at_most_sixty_tickets_a_minute(hall, device):
    kiosk = api(device, "10.6.6.6")
    codes = [issue(kiosk).status_code for _ in range(61)]
    assert codes == [201] * 60 + [429]
    refused = issue(kiosk)
    assert refused.json()["code"] == "rate_limited" and 1 <= int(refused["Retry-After"]) <= 60
    assert "取号过于频繁" in refused.json()["message"]
    page = kiosk.post("/kiosk/test-hall/", {"service_type": "consult"})
    assert page.status_code == 429 and "取号过于频繁" in page.content.decode()
    assert Ticket.objects.count() == 60
    # another kiosk of the hall is not held up
    assert issue(api(factories.make_staff("device", hall), "10.6.6.7")).status_code == 201
