"""Test data built through the real models (no fakes of our own system)."""

from __future__ import annotations

import importlib
import itertools
import pkgutil

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from servicehall.cases.models import SlaPolicy
from servicehall.customers.models import Customer, PhoneNumber, Tier
from servicehall.org.models import Counter, Desk, Hall, ServiceType, StaffProfile
from servicehall.org.roles import assign_role
from servicehall.queueing.models import QueuePolicy

_seq = itertools.count(1)


def ensure_reference_data() -> None:
    """Transactional tests flush every table, the reference rows of the data migration too:
    put them back the way the migration does (it is idempotent)."""
    if not ServiceType.objects.exists():
        seed = importlib.import_module(
            "servicehall.org.migrations.0002_seed_service_types_and_categories"
        ).seed
        seed(django_apps, None)
        importlib.import_module("servicehall.org.migrations.0004_case_categories").add(
            django_apps, None
        )
    if not SlaPolicy.objects.exists():
        importlib.import_module("servicehall.cases.migrations.0002_default_sla_policies").add(
            django_apps, None
        )
        importlib.import_module("servicehall.cases.migrations.0004_sla_opening_hours").flag(
            django_apps, None
        )
    if not SlaPolicy.objects.filter(kind="complaint").exists():
        # the complaint stages' seeds (P1, L1): the forbidden phrases, the 15-day policy
        migrations = importlib.import_module("servicehall.complaints.migrations")
        name = next(
            m.name
            for m in pkgutil.iter_modules(migrations.__path__)
            if m.name.endswith("_complaint_stages")
        )
        importlib.import_module(f"servicehall.complaints.migrations.{name}").seed(django_apps, None)


def _ensure_quality_seeds() -> None:
    """The quality app's seeds (its form, sampling rules, weights, the rectification SLA), put
    back after a transactional test flushed them, as the migration writes them (idempotent)."""
    from servicehall.quality.models import SamplingRule

    if not SamplingRule.objects.exists():
        importlib.import_module("servicehall.quality.migrations.0001_initial").seed(
            django_apps, None
        )


def make_hall(code: str = "test-hall", *, is_open: bool = True, counters=None) -> Hall:
    """counters: list of (name, kind, [service type codes], vip_only)."""
    ensure_reference_data()
    _ensure_quality_seeds()
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
    # no password: tests sign in with force_login, and hashing 50 passwords costs seconds
    user = get_user_model().objects.create_user(username or f"{role}{i}", password=None)
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


def make_desk(code: str, hall: Hall | None = None, *, lead=None, members=()) -> Desk:
    names = {"fault": ("障碍处理台", "Fault desk"), "front": ("综合受理台", "Front desk")}
    zh, en = names.get(code, (f"班组{code}", f"Desk {code}"))
    desk = Desk.objects.create(code=code, name_zh=zh, name_en=en, hall=hall, lead=lead)
    desk.members.set(members)
    return desk
