"""Test data built through the real models (no fakes of our own system)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from servicehall.customers.models import Customer, PhoneNumber, Tier
from servicehall.org.models import Counter, Hall, ServiceType, StaffProfile
from servicehall.org.roles import assign_role
from servicehall.queueing.models import QueuePolicy

_seq = itertools.count(1)


def make_hall(code: str = "test-hall", *, is_open: bool = True, counters=None) -> Hall:
    """counters: list of (name, kind, [service type codes], vip_only)."""
    hall = Hall.objects.create(code=code, name=f"测试营业厅{code}", is_open=is_open)
    QueuePolicy.objects.create(hall=hall)
    counters = counters or [
        ("1号窗口", Counter.Kind.STANDARD, ["business", "payment", "consult"], False),
        ("2号窗口", Counter.Kind.STANDARD, ["business", "payment"], False),
        ("VIP专席", Counter.Kind.VIP, ["business", "payment", "consult", "vip"], False),
        ("安静咨询室", Counter.Kind.QUIET, ["complaint"], False),
    ]
    for n, (name, kind, codes, vip_only) in enumerate(counters, start=1):
        c = Counter.objects.create(hall=hall, number=n, name=name, kind=kind, vip_only=vip_only)
        c.service_types.set(ServiceType.objects.filter(code__in=codes))
    return hall


def make_staff(role: str, hall: Hall | None = None, username: str | None = None):
    i = next(_seq)
    user = get_user_model().objects.create_user(username or f"{role}{i}", password="pw-123456")
    StaffProfile.objects.create(user=user, full_name=f"员工{i}", employee_no=f"T{i:05d}", hall=hall)
    assign_role(user, role)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def make_customer(tier: str = Tier.NONE, phone: str | None = None, name: str = "张伟") -> Customer:
    i = next(_seq)
    c = Customer.objects.create(name=name, id_number=f"99010119900101{i:03d}1"[:18], tier=tier)
    PhoneNumber.objects.create(customer=c, number=phone or f"1370000{i:04d}", is_primary=True)
    return c


def counter(hall: Hall, name: str) -> Counter:
    return hall.counters.get(name=name)
