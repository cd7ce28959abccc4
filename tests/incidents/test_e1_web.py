"""The pages of the early warning and the incidents (P5, E1, L2) through the full request stack:
every role on every route, in its own district and another's; refusals beside their forms; the
halls' screens and the assistant telling customers of an open incident; the waiver list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.incidents import services
from servicehall.incidents.models import Alert, Incident
from servicehall.knowledge import assistant
from servicehall.org import regions
from servicehall.org.models import Region
from servicehall.org.roles import ROLES
from tests import factories


@pytest.fixture
def two_districts(db):
    city = Region.objects.create(code="lj", name="临江市", level=2)
    east = Region.objects.create(code="lj-cd", name="城东区", level=3, parent=city)
    west = Region.objects.create(code="lj-cx", name="城西区", level=3, parent=city)
    regions.forget()
    halls = {}
    for code, region in (("east", east), ("west", west)):
        hall = factories.make_hall(code)
        hall.region = region
        hall.save()
        halls[code] = hall
    return halls


def surge(hall, texts=("没信号", "手机没信号", "无服务", "打不通")):
    clerk = factories.make_staff("clerk", hall)
    alert = None
    for text in texts:
        case = cases.open_case(
            clerk,
            kind="complaint",
            channel="walk_in",
            category="other",
            description=text,
            customer_id=factories.make_customer().pk,
        )
        alert = services.watch(case.pk) or alert
    return alert


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_e1_every_role_on_every_incident_route_in_its_own_district_and_another(two_districts):
    east, west = two_districts["east"], two_districts["west"]
    alert = surge(east)
    manager = factories.make_staff("hall_manager", east)
    incident = services.declare(
        manager, service="voice", regions_codes=["lj-cd"], started_at=alert.started_at
    )
    routes = [
        ("GET", "/incidents/", None),
        ("GET", f"/incidents/{incident.pk}/", None),
        ("GET", f"/incidents/{incident.pk}/waivers.csv", None),
        ("POST", f"/incidents/{incident.pk}/link", {"case": "XX"}),
        ("POST", f"/incidents/{incident.pk}/update", {"cause": "传输中断"}),
        ("POST", f"/alerts/{alert.pk}/acknowledge", {}),
    ]
    failures = []
    for role in ROLES:
        for hall in (east, west):
            user = factories.make_staff(role.code, hall)
            c = client_of(user)
            for method, url, body in routes:
                r = c.get(url) if method == "GET" else c.post(url, body)
                view = "incidents.view_alerts" if method == "GET" else "incidents.manage_incidents"
                if not user.has_perm(view):
                    ok = r.status_code == 403
                elif url == "/incidents/":
                    ok = r.status_code == 200
                elif role.spans_halls or hall == east:
                    ok = r.status_code in (200, 302)
                else:  # another district's incident or alert: as unknown as a missing one
                    ok = r.status_code == 404
                if not ok:
                    failures.append((role.code, hall.code, method, url, r.status_code))
    assert failures == []
    # the list of a west manager does not show east's alert
    west_manager = factories.make_staff("hall_manager", west)
    assert "城东区" not in client_of(west_manager).get("/incidents/").content.decode()


def test_p5_dismissing_without_a_reason_is_refused_beside_the_form(two_districts):
    alert = surge(two_districts["east"])
    c = client_of(factories.make_staff("hall_manager", two_districts["east"]))
    r = c.post(f"/alerts/{alert.pk}/dismiss", {"reason": "", "version": alert.version}, follow=True)
    page = r.content.decode()
    assert "排除原因" in page and "field-reason" in page
    alert.refresh_from_db()
    assert alert.status == Alert.Status.NEW
    r = c.post(
        f"/alerts/{alert.pk}/dismiss",
        {"reason": "营销短信群发后的正常咨询", "version": alert.version},
        follow=True,
    )
    alert.refresh_from_db()
    assert alert.status == Alert.Status.DISMISSED


def test_e1_declare_form_refuses_without_a_region_keeping_what_was_typed(two_districts):
    c = client_of(factories.make_staff("hall_manager", two_districts["east"]))
    r = c.post(
        "/incidents/declare",
        {"service": "broadband", "started_at": "2026-12-02T12:00", "cause": "OLT掉电"},
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert 'data-field="regions"' in page and "OLT掉电" in page
    r = c.post(
        "/incidents/declare",
        {
            "service": "broadband",
            "regions": ["lj-cd"],
            "started_at": "2026-12-02T12:00",
            "words": "短",
        },
    )
    assert r.status_code == 422 and 'data-field="words"' in r.content.decode()
    assert not Incident.objects.exists()


def test_e1_halls_screens_and_the_assistant_tell_of_an_open_incident(two_districts):
    east, west = two_districts["east"], two_districts["west"]
    manager = factories.make_staff("hall_manager", east)
    incident = services.declare(
        manager,
        service="voice",
        regions_codes=["lj-cd"],
        started_at=timezone.now() - timedelta(hours=1),
        expected_recovery=timezone.now() + timedelta(hours=4),
    )
    kiosk_east = client_of(factories.make_staff("device", east)).get("/kiosk/east/")
    assert "故障通知" in kiosk_east.content.decode()
    display_east = client_of(factories.make_staff("device", east)).get("/display/east/")
    assert "故障通知" in display_east.content.decode()
    kiosk_west = client_of(factories.make_staff("device", west)).get("/kiosk/west/")
    assert "故障通知" not in kiosk_west.content.decode()
    # the assistant: "没信号" in the district → the notice; in another district → self-help
    here = assistant.reply("我在城东区，手机没信号怎么办")
    assert here.kind == "notice" and incident.number in here.text
    assert assistant.reply("我在城西区，手机没信号怎么办").kind != "notice"
    # where the customer lives, from their verified line
    customer = factories.make_customer(phone="13911112222")
    customer.region = Region.objects.get(code="lj-cd")
    customer.save()
    assert assistant.reply("手机没信号", phone="13911112222").kind == "notice"
    services.close(manager, incident.pk, resolution="基站恢复正常")
    assert assistant.reply("我在城东区，手机没信号怎么办").kind != "notice"
    assert (
        "故障通知"
        not in client_of(factories.make_staff("device", east)).get("/kiosk/east/").content.decode()
    )


def test_l2_waiver_list_exports_the_customers_past_the_deadline_masked(two_districts):
    east = two_districts["east"]
    manager = factories.make_staff("hall_manager", east)
    incident = services.declare(
        manager,
        service="broadband",
        regions_codes=["lj-cd"],
        started_at=timezone.now() - timedelta(hours=50),
    )
    clerk = factories.make_staff("clerk", east)
    customer = factories.make_customer(phone="13955556666")
    case = cases.open_case(
        clerk,
        kind="fault",
        channel="hotline",
        category="other",
        description="宽带断网两天了",
        customer_id=customer.pk,
    )
    services.watch(case.pk)
    services.close(manager, incident.pk, resolution="OLT板卡更换完毕")
    r = client_of(manager).get(f"/incidents/{incident.pk}/waivers.csv")
    text = r.content.decode("utf-8-sig")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert "139****6666" in lines[1] and "13955556666" not in text
    assert str(customer.pk) in lines[1]


def test_e1_a_chat_keeps_where_the_customer_is_and_how_it_was_known(two_districts):
    from servicehall.cases.services import chat as chat_routing
    from servicehall.knowledge import chat
    from servicehall.knowledge.models import Conversation

    token = chat.start("web").token
    chat_routing.say(token, "你好")
    assert Conversation.objects.get(token=token).region_id is None
    chat_routing.say(token, "我在城西区，手机没信号")
    conversation = Conversation.objects.get(token=token)
    assert (conversation.region.code, conversation.region_source) == ("lj-cx", "said")
    chat_routing.say(token, "城东区也这样")  # the first place named stays
    assert Conversation.objects.get(token=token).region.code == "lj-cx"


def test_e1_an_update_reaches_the_screens_not_the_customers_phones_again(two_districts):
    from servicehall.core.models import SmsMessage

    east = two_districts["east"]
    manager = factories.make_staff("hall_manager", east)
    surge(east)
    incident = services.declare(
        manager,
        service="voice",
        regions_codes=["lj-cd"],
        started_at=timezone.now() - timedelta(hours=1),
    )
    texted = SmsMessage.objects.count()
    c = client_of(manager)
    r = c.post(
        f"/incidents/{incident.pk}/update",
        {"notice": "【故障通知】城东区基站抢修中，预计今晚22:00恢复", "version": incident.version},
    )
    assert r.status_code == 302
    kiosk = client_of(factories.make_staff("device", east)).get("/kiosk/east/")
    assert "预计今晚22:00恢复" in kiosk.content.decode()
    assert SmsMessage.objects.count() == texted  # at most once per customer per incident
    incident.refresh_from_db()
    assert incident.events.filter(kind="updated").exists()
    r = c.post(
        f"/incidents/{incident.pk}/update",
        {"expected_recovery": "2020-01-01T00:00", "version": incident.version},
        follow=True,
    )
    assert "field-expected_recovery" in r.content.decode()
