"""Staff sign-in and how long it lasts (README "Limits"; L5: access control).

- **Failed sign-ins** are counted per username and per client address (core/ratelimit.py):
  the 5th failure for a username within 15 minutes locks it for 15 minutes, the 20th from an
  address locks the address (a hall's staff share one address behind its router, so that one
  is higher). While locked even the right password is refused, with the time to wait in
  words; each lock is an audit row (`signin.lockout`). A successful sign-in clears the
  username's failures.
- **Sessions** of staff end after 30 minutes without a click (live refreshes of an open page
  do not count as one) and 12 hours after signing in, whatever happens. Hall devices — the
  kiosk, the calling display, the rating tablet (role 大厅设备 and nothing else) — stay signed
  in (a year): nobody stands at them to type a password, they show no personal data, and a
  screen that signs itself out in the morning rush stops the hall.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta

from django.contrib import auth

from servicehall.core import ratelimit
from servicehall.core.audit import log_action, system_actor
from servicehall.core.db import write_transaction
from servicehall.core.models import AuditLog
from servicehall.core.ratelimit import Limit

from .roles import ROLE_BY_CODE

FAILURES_PER_USERNAME = Limit(
    "signin.username",
    5,
    15 * 60,
    "密码连续输错5次，该账号已锁定，请{wait}后再试",
    "Wrong password 5 times: this account is locked; try again in {wait}",
    lock=15 * 60,
    field="username",
)
FAILURES_PER_ADDRESS = Limit(
    "signin.address",
    20,
    15 * 60,
    "本机登录失败次数过多，已暂停登录，请{wait}后再试",
    "Too many failed sign-ins from this computer; try again in {wait}",
    lock=15 * 60,
    field="username",
)

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
DEVICE_SESSION = timedelta(days=365)


def is_hall_device(user) -> bool:
    """The account is a hall device (kiosk, screen, rating tablet) and nothing else. Staff who
    also hold the role are staff."""
    if user is None or not user.is_authenticated or user.is_staff:
        return False
    cached = getattr(user, "_servicehall_hall_device", None)
    if cached is None:
        roles = set(user.groups.values_list("name", flat=True))
        cached = user._servicehall_hall_device = roles == {ROLE_BY_CODE["device"].code}
    return cached


def _ip(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _lockout(limit: Limit, kind: str, subject: str, address: str) -> None:
    from django.contrib.auth import get_user_model

    with write_transaction():
        actor = None
        if kind == "user":
            actor = get_user_model().objects.filter(username__iexact=subject).first()
        log_action(
            actor or system_actor("signin"),
            AuditLog.Action.SIGNIN_LOCKOUT,
            kind,
            subject,
            f"{limit.count} failed sign-ins; locked {limit.lock // 60} min",
            ip=_ip(address),
        )


def authenticate(request, username: str, password: str, address: str):
    """The user for these credentials, or None for a wrong pair; RateLimited (429) while the
    username or the address is locked, and for the failure that locks it."""
    key = (username or "").strip().lower()[:150]
    ratelimit.check(FAILURES_PER_ADDRESS, address)
    ratelimit.check(FAILURES_PER_USERNAME, key)
    user = auth.authenticate(request, username=username, password=password)
    if user is not None:
        ratelimit.reset(FAILURES_PER_USERNAME, key)
        return user
    reached = [
        (limit, kind, subject)
        for limit, kind, subject in (
            (FAILURES_PER_USERNAME, "user", key),
            (FAILURES_PER_ADDRESS, "address", address),
        )
        if ratelimit.hit(limit, subject) == limit.count  # exactly one request reaches it
    ]
    for limit, kind, subject in reached:
        _lockout(limit, kind, subject, address)
    if reached:
        raise ratelimit.refusal(reached[0][0], reached[0][0].lock)
    return None


def on_signed_in(sender, request, user, **kwargs) -> None:
    """When someone signs in (any way: the sign-in page, the admin's, a test's force_login),
    or a session older than this clock is first seen: the session's clock starts; a hall
    device's session lasts a year, a staff member's 12 hours."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session["signed_in_at"] = now
    request.session["seen_at"] = now
    device = is_hall_device(user)
    request.session.set_expiry(int((DEVICE_SESSION if device else ABSOLUTE).total_seconds()))


def session_ended(user, signed_in_at: int, seen_at: int, now: float) -> str | None:
    """Why this session is over ("idle", "absolute") or None. Hall devices' never ends here."""
    if now - seen_at <= IDLE.total_seconds() and now - signed_in_at <= ABSOLUTE.total_seconds():
        return None
    if is_hall_device(user):
        return None
    return "absolute" if now - signed_in_at > ABSOLUTE.total_seconds() else "idle"
