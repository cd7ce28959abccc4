"""L5 access control at the door: failed sign-ins throttled per username and per address (and
each lock audited), the staff password policy, staff sessions that end (org/signin.py)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from servicehall.core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Counter-Lamp-2026"


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(c: Client, username: str, password: str, path: str = "/login/"):
    return c.post(path, {"username": username, "password": password})


def signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_l5_five_wrong_passwords_lock_the_account_for_fifteen_minutes(clerk):
    with_password(clerk)
    c = Client()
    for _ in range(4):
        r = sign_in(c, clerk.username, "wrong-password")
        assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()
    fifth = sign_in(c, clerk.username, "wrong-password")
    assert fifth.status_code == 429 and fifth["Retry-After"] == "900"
    assert "密码连续输错5次，该账号已锁定，请15分钟后再试" in fifth.content.decode()
    # locked: the right password does not open it either, not from another computer
    other = Client(REMOTE_ADDR="10.3.3.3")
    r = sign_in(other, clerk.username.upper(), PASSWORD)
    assert r.status_code == 429 and not signed_in(other)
    lock = AuditLog.objects.get(action="signin.lockout")
    assert lock.actor == clerk and lock.object_type == "user" and lock.remote_addr == "127.0.0.1"
    # the lock is the account's: a colleague at the same computer signs in
    colleague = with_password(factories.make_staff("clerk"))
    assert sign_in(c, colleague.username, PASSWORD).status_code == 302 and signed_in(c)


def test_l5_a_right_password_clears_the_failures(clerk):
    with_password(clerk)
    c = Client()
    for _ in range(4):
        sign_in(c, clerk.username, "wrong-password")
    assert sign_in(c, clerk.username, PASSWORD).status_code == 302
    c.logout()
    for _ in range(4):
        assert sign_in(c, clerk.username, "wrong-password").status_code == 200
    assert not AuditLog.objects.filter(action="signin.lockout").exists()


def test_l5_twenty_failures_from_one_address_stop_sign_in_from_it(clerk):
    with_password(clerk)
    c = Client(REMOTE_ADDR="10.4.4.4")
    codes = [sign_in(c, f"guess{i}", "password").status_code for i in range(20)]
    assert codes == [200] * 19 + [429]
    r = sign_in(c, clerk.username, PASSWORD)
    assert r.status_code == 429 and "本机登录失败次数过多" in r.content.decode()
    lock = AuditLog.objects.get(action="signin.lockout", object_type="address")
    assert lock.object_id == "10.4.4.4" and lock.actor.username == "signin"
    assert sign_in(Client(REMOTE_ADDR="10.4.4.5"), clerk.username, PASSWORD).status_code == 302


def test_l5_the_admin_sign_in_is_throttled_alike(hall):
    admin = with_password(factories.make_staff("administrator", hall))
    c = Client()
    for _ in range(5):
        r = sign_in(c, admin.username, "wrong-password", "/admin/login/")
    assert "该账号已锁定" in r.content.decode()
    r = sign_in(c, admin.username, PASSWORD, "/admin/login/")
    assert "该账号已锁定" in r.content.decode() and not signed_in(c)


def test_l5_staff_passwords_follow_the_policy(hall):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    clerk = factories.make_staff("clerk", hall, username="wangfang")
    c = Client()
    c.force_login(root)
    url = f"/admin/auth/user/{clerk.pk}/password/"
    for weak in ("demo-2026", "1234567890123", "password1234", "wangfang2026"):
        r = c.post(url, {"password1": weak, "password2": weak, "usable_password": "true"})
        assert r.status_code == 200, weak  # the form again, with the reason
        clerk.refresh_from_db()
        assert not clerk.has_usable_password(), weak
    r = c.post(url, {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"})
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def _age(c: Client, *, idle: int = 0, signed_in_ago: int = 0) -> None:
    session = c.session
    now = int(time.time())
    session["seen_at"] = now - idle
    session["signed_in_at"] = now - signed_in_ago
    session.save()


def test_l5_a_staff_session_ends_after_thirty_idle_minutes(clerk):
    c = Client()
    c.force_login(clerk)
    _age(c, idle=29 * 60, signed_in_ago=29 * 60)
    # a live refresh of an open page is not activity
    seen = c.session["seen_at"]
    assert c.get("/workbench/partial", headers={"X-ServiceHall-Live": "1"}).status_code == 200
    assert c.session["seen_at"] == seen
    assert c.get("/workbench/").status_code == 200  # a click is
    assert c.session["seen_at"] > seen
    _age(c, idle=31 * 60, signed_in_ago=40 * 60)
    r = c.get("/workbench/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    page = c.get(r["Location"]).content.decode()
    assert "您已超过30分钟未操作，已自动退出，请重新登录" in page
    assert c.get("/workbench/").status_code == 302  # signed out for good


def test_l5_a_staff_session_ends_twelve_hours_after_signing_in_however_busy(clerk, api_as):
    api = api_as(clerk)
    _age(api.c, idle=0, signed_in_ago=12 * 3600 + 1)
    r = api.get("/queue/halls")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_l5_hall_devices_stay_signed_in(device, hall):
    with_password(device)
    c = Client()
    assert sign_in(c, device.username, PASSWORD).status_code == 302
    assert c.session.get_expiry_age() >= 364 * 86400
    _age(c, idle=3 * 3600, signed_in_ago=30 * 3600)
    assert c.get(f"/kiosk/{hall.code}/").status_code == 200
    clerk = with_password(factories.make_staff("clerk", hall))
    staff = Client()
    sign_in(staff, clerk.username, PASSWORD)
    assert staff.session.get_expiry_age() == 12 * 3600


def test_l5_a_device_signed_in_before_the_clock_gets_its_year(device, hall):
    """Sessions from before this change have no clock: the first request starts it, and a
    hall device's is made a year long (not the staff's 12 hours)."""
    c = Client()
    c.force_login(device)
    session = c.session
    del session["signed_in_at"], session["seen_at"]
    session.set_expiry(None)
    session.save()
    assert c.get(f"/kiosk/{hall.code}/").status_code == 200
    assert c.session.get_expiry_age() >= 364 * 86400 and "signed_in_at" in c.session
