"""V2 in the admin: the administrator cannot get around masking. No lookup, search, ordering or
`_to_field` on a masked field from any admin page answers with data; list and change views
show masked values only (core/admin.py MaskedFieldsAdmin, declared by field lists)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from servicehall.catalog.models import Product, RecommendationOffer, Tier
from servicehall.core.admin import MaskedFieldsAdmin, touches_masked
from servicehall.core.audit import log_pii_access
from servicehall.core.models import ApiToken
from servicehall.core.sms import queue_sms
from servicehall.knowledge import chat
from servicehall.org.models import ServiceType
from servicehall.queueing import services as queue
from servicehall.queueing.models import Appointment
from tests.factories import make_customer, make_staff

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ID_NUMBER = "110101199003071234"
CODE = "482913"


@pytest.fixture
def data(hall):
    customer = make_customer("gold", phone=PHONE, name="欧阳娜娜")
    customer.id_number = ID_NUMBER
    customer.save()
    queue_sms(PHONE, f"【营业厅】您的验证码是{CODE}，5分钟内有效", "chat_verify")
    ticket = queue.issue_ticket(make_staff("device", hall), hall, "payment", phone=PHONE)
    Appointment.objects.create(
        hall=hall,
        service_type=ServiceType.objects.get(code="payment"),
        customer=customer,
        phone=PHONE,
        slot_at=timezone.now() + timedelta(hours=2),
    )
    conversation = chat.start("web")
    conversation.phone, conversation.code_hash = PHONE, "a" * 64
    conversation.save()
    conversation.messages.create(sender="customer", text=f"我的号码 {PHONE} 身份证 {ID_NUMBER}")
    product = Product.objects.create(name="畅享测试套餐")
    tier = Tier.objects.create(product=product, code="t-1", name="59元档", price=59)
    admin_user = make_staff("administrator", hall)
    RecommendationOffer.objects.create(
        number=PHONE,
        customer=customer,
        tier=tier,
        months=3,
        current_cost=Decimal(99),
        new_cost=Decimal(59),
        saving=Decimal(40),
        explanation="",
        outcome="accepted",
        moment="handling",
        offered_by=admin_user,
        at=timezone.now(),
    )
    raw_token = ApiToken.issue(admin_user, "script")
    log_pii_access(admin_user, "customer", customer.pk, [], f"回电 {PHONE}")
    admin_user.set_password("demo-2026")
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    return {
        "client": client,
        "customer": customer,
        "ticket": ticket,
        "conversation": conversation,
        "token": raw_token,
        "digest": ApiToken.hash(raw_token),
        "user": admin_user,
    }


def secrets_of(data) -> list[str]:
    user = data["user"]
    return [
        PHONE,
        ID_NUMBER,
        "欧阳娜娜",
        CODE,
        data["ticket"].token,
        data["conversation"].token,
        data["digest"],
        data["token"],
        user.password.split("$")[-1],  # the hash itself
    ]


HOSTILE = [
    "/admin/customers/customer/?id_number__startswith=1101",
    "/admin/customers/customer/?id_number__contains=0307",
    "/admin/customers/customer/?name__startswith=欧",
    "/admin/customers/customer/?phones__number__startswith=139",
    "/admin/core/smsmessage/?text__contains=4829",
    "/admin/core/smsmessage/?text__regex=验证码是4",
    "/admin/core/smsmessage/?to__startswith=1391",
    "/admin/core/apitoken/?digest__startswith=a",
    "/admin/core/auditlog/?reason__contains=1391",
    "/admin/queueing/ticket/?notify_phone__startswith=139",
    "/admin/queueing/ticket/?token__startswith=a",
    "/admin/queueing/appointment/?phone__startswith=139",
    "/admin/queueing/appointment/?customer__id_number__startswith=1101",
    "/admin/knowledge/conversation/?phone__startswith=139",
    "/admin/knowledge/conversation/?code_hash__startswith=a",
    "/admin/knowledge/conversation/?token__gt=a",
    "/admin/knowledge/conversation/?messages__text__contains=1391",
    "/admin/catalog/recommendationoffer/?number__startswith=139",
    "/admin/auth/user/?password__startswith=pbkdf2",
    "/admin/auth/user/?password__contains=a",
    "/admin/queueing/ticket/?note__contains=139",  # a clerk's note quoting a number (probe)
    "/admin/queueing/appointment/?note__contains=139",
]


def test_v2_hostile_admin_filters_are_refused(data):
    hidden = secrets_of(data)
    for url in HOSTILE:
        r = data["client"].get(url)
        assert r.status_code == 400, (url, r.status_code)
        body = r.content.decode()
        assert not [s for s in hidden if s in body], url
        assert "无法处理此请求" in body  # said in words, in the house style


def test_v2_admin_search_and_ordering_do_not_reach_masked_fields(data):
    c, hidden = data["client"], secrets_of(data)
    # search: the box does not look in the number (an empty answer would tell as much as a hit)
    full = c.get("/admin/catalog/recommendationoffer/", {"q": "59元"})
    probe = c.get("/admin/catalog/recommendationoffer/", {"q": "1391234"})
    assert full.status_code == probe.status_code == 200
    assert "1 条结果" not in probe.content.decode() and "0 条结果" in probe.content.decode()
    assert c.get("/admin/core/auditlog/", {"q": "1391"}).content.decode().count("回电") == 0
    # ordering by a masked column: not offered, and an `o=` on it changes nothing
    make_customer("none", phone="13700000001", name="赵一").__class__.objects.filter(
        name="赵一"
    ).update(id_number="000000000000000001")
    plain = c.get("/admin/customers/customer/").content.decode()

    def first_is_new(html: str) -> bool:
        return html.index("000***********0001") < html.index("110***********1234")

    for o in ("4", "-4", "4.1", "-4.-1"):  # column 4: the ID number
        ordered = c.get("/admin/customers/customer/", {"o": o}).content.decode()
        assert first_is_new(ordered) == first_is_new(plain), o
    assert "o=4" not in plain  # the header offers no sorting on the masked ID column
    # _to_field on a masked field and _changelist_filters carrying a lookup
    customer = data["customer"]
    assert (
        c.get(f"/admin/customers/customer/{ID_NUMBER}/change/?_to_field=id_number").status_code
        == 400
    )
    page = c.get(
        f"/admin/customers/customer/{customer.pk}/change/",
        {"_changelist_filters": "id_number__startswith=1101"},
    )
    assert page.status_code == 200
    back = c.get("/admin/customers/customer/?id_number__startswith=1101")
    assert back.status_code == 400
    for r in (plain, page.content.decode()):
        assert not [s for s in hidden if s in r]


def test_v2_admin_list_and_change_views_show_masked_values(data):
    c, hidden = data["client"], secrets_of(data)
    pages = {
        "/admin/customers/customer/": ["110***********1234", "欧***"],
        f"/admin/customers/customer/{data['customer'].pk}/change/": ["110***********1234"],
        "/admin/core/smsmessage/": ["139****5678"],
        f"/admin/queueing/ticket/{data['ticket'].pk}/change/": ["139****5678"],
        "/admin/queueing/appointment/": ["139****5678"],
        f"/admin/knowledge/conversation/{data['conversation'].pk}/change/": [
            "139****5678",
            "110***********1234",
        ],
        "/admin/catalog/recommendationoffer/": [],
        f"/admin/catalog/recommendationoffer/{RecommendationOffer.objects.get().pk}/change/": [
            "139****5678"
        ],
        "/admin/core/apitoken/": [],
        f"/admin/core/apitoken/{ApiToken.objects.get().pk}/change/": [],
        "/admin/core/auditlog/": ["回电 139****5678"],
        f"/admin/auth/user/{data['user'].pk}/change/": [],
    }
    for url, shown in pages.items():
        r = c.get(url)
        body = r.content.decode()
        assert r.status_code == 200, url
        assert not [s for s in hidden if s in body], url
        for s in shown:
            assert s in body, (url, s)


def test_v2_every_admin_declares_its_personal_fields_and_never_looks_them_up():
    """Applied everywhere: each registered admin whose model has a field named like personal
    data or a secret declares it, and none of its filters, search fields, date hierarchy or
    sortable columns reaches a declared field."""
    sensitive = {"phone", "notify_phone", "pending_phone", "id_number", "token", "code_hash"}
    sensitive |= {"digest", "password"}
    expected = {
        ("customers", "customer"): {"name", "id_number"},
        ("core", "smsmessage"): {"to", "text"},
        ("catalog", "recommendationoffer"): {"number"},
        ("knowledge", "conversation"): {"phone", "pending_phone", "code_hash", "token"},
        ("queueing", "ticket"): {"notify_phone", "token"},
        ("queueing", "appointment"): {"phone"},
    }
    for model, model_admin in admin.site._registry.items():
        names = {f.name for f in model._meta.get_fields()}
        key = (model._meta.app_label, model._meta.model_name)
        needed = (names & sensitive) | expected.get(key, set())
        if needed:
            assert isinstance(model_admin, MaskedFieldsAdmin), key
            assert needed <= model_admin.unlooked_names(), (key, needed)
        paths = [f.lstrip("^=@") for f in model_admin.search_fields]
        paths += [
            f if isinstance(f, str) else f[0]
            for f in model_admin.list_filter
            if not isinstance(f, type)
        ]
        paths += [model_admin.date_hierarchy] if model_admin.date_hierarchy else []
        for column in model_admin.list_display:
            order = getattr(getattr(model_admin, column, None), "admin_order_field", None)
            paths += [order.lstrip("-")] if isinstance(order, str) else []
        for p in paths:
            assert not touches_masked(model, p), (key, p)
    assert get_user_model() in admin.site._registry
