"""The database locked by a long write elsewhere: taking a number answers 503 "系统暂时无法访问
数据库，请稍后再试" with Retry-After — the API in its error shape, the kiosk as a page — instead of an HTML 500
after half a minute; nothing is half-written. (PostgreSQL outages: tools/outage.py.)"""

import sqlite3

import pytest
from django.db import connection

from servicehall.queueing.models import Ticket
from tests import factories
from tests.conftest import client_for


@pytest.fixture
def lock(transactional_db):
    """lock(): another process takes SQLite's write lock; this one waits 0.2 s for it, not 30."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL outages are tools/outage.py's")
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)

    def take():
        with connection.cursor() as c:
            c.execute("PRAGMA busy_timeout=200")
        other.execute("BEGIN IMMEDIATE")

    yield take
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_v_a_locked_database_is_a_503_to_retry_not_a_500(lock):
    hall = factories.make_hall()
    kiosk = factories.make_staff("device", hall)
    api = client_for(kiosk)
    api.get("/kiosk/" + hall.code + "/")  # signed in, session saved before the lock
    lock()
    r = api.post(
        f"/api/queue/halls/{hall.code}/tickets",
        {"service_type": "payment"},
        content_type="application/json",
    )
    assert r.status_code == 503, r.content
    assert r.json()["code"] == "database_unavailable" and "稍后再试" in r.json()["message"]
    assert r["Retry-After"] == "5"
    api.raise_request_exception = False  # the page's answer is handler500's, as in a server
    page = api.post(f"/kiosk/{hall.code}/", {"service_type": "payment"})
    assert page.status_code == 503 and "稍后再试" in page.content.decode()
    assert not Ticket.objects.exists()
