"""P5 on the stream, E1 and L2: contacts placed in regions, the early warning raised from new
cases, alerts handled, incidents declared, linked, told, closed together, the waiver list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.errors import ServiceError
from servicehall.core.models import SmsMessage
from servicehall.incidents import services
from servicehall.incidents.models import Affected, Alert, Incident
from servicehall.org import regions
from servicehall.org.models import Region
from tests import factories


@pytest.fixture
def places(hall):
    province = Region.objects.create(code="yl", name="云岭省", level=1)
    city = Region.objects.create(code="lj", name="临江市", level=2, parent=province)
    east = Region.objects.create(
        code="lj-cd", name="城东区", level=3, parent=city, aliases="城东 东区"
    )
    grid = Region.objects.create(code="lj-cd-bj", name="滨江网格", level=4, parent=east)
    west = Region.objects.create(code="lj-cx", name="城西区", level=3, parent=city)
    rural = Region.objects.create(code="lj-qs", name="青山县", level=3, parent=city, rural=True)
    hall.region = grid
    hall.save()
    regions.forget()
    return {"east": east, "grid": grid, "west": west, "rural": rural, "city": city}


def report(user, text, *, customer=None, phone=None, kind="complaint", category="other", **kw):
    c = customer or factories.make_customer(phone=phone)
    return cases.open_case(
        user,
        kind=kind,
        channel="walk_in",
        category=category,
        description=text,
        customer_id=c.pk,
        **kw,
    )


def test_e1_contact_region_and_how_it_was_known(clerk, places):
    said = report(clerk, "我在城西区，手机没信号")
    assert (said.region_id, said.region_source) == (places["west"].pk, "said")
    customer = factories.make_customer()
    customer.region = places["rural"]
    customer.save()
    home = report(clerk, "宽带断网了", customer=customer)
    assert (home.region_id, home.region_source) == (places["rural"].pk, "address")
    assert home.area == "rural"  # the place's repair deadline (L2): 72 hours
    hall = report(clerk, "咨询套餐")
    assert (hall.region_id, hall.region_source) == (places["grid"].pk, "hall")
    chosen = report(clerk, "没信号", region="lj-cx")
    assert chosen.region_source == "staff"
    with pytest.raises(ServiceError) as e:
        report(clerk, "没信号", region="nowhere")
    assert e.value.field == "region"


def test_p5_four_customers_in_an_hour_raise_one_alert_for_the_district(clerk, manager, places):
    texts = ["手机没信号", "中午开始打不通电话", "无服务，一直没信号", "no signal since noon"]
    alert = None
    for i, text in enumerate(texts):
        case = report(clerk, text)
        alert = services.watch(case.pk)
        if i < 3:
            assert alert is None, f"alert after only {i + 1} customers"
    assert alert is not None
    assert (alert.region_id, alert.term, alert.customers) == (places["east"].pk, "信号", 4)
    assert alert.score > 4.5 and alert.baseline < 1
    assert set(alert.words) >= {"没信号", "打不通"}
    assert alert.cases.count() == 4
    fifth = report(clerk, "信号差，打不出去")
    again = services.watch(fifth.pk)
    assert again.pk == alert.pk and Alert.objects.count() == 1  # the same surge, one row
    assert again.customers == 5


def test_p5_one_customer_calling_five_times_is_not_a_surge(clerk, places):
    customer = factories.make_customer()
    for _ in range(5):
        case = report(clerk, "手机没信号", customer=customer)
        assert services.watch(case.pk) is None


def test_p5_alert_is_dismissed_only_with_a_reason_and_only_in_its_own_district(
    clerk, manager, places
):
    for text in ["没信号", "没信号了", "打不通", "无服务"]:
        alert = services.watch(report(clerk, text).pk)
    with pytest.raises(ServiceError) as e:
        services.dismiss(manager, alert.pk, reason="  ")
    assert e.value.field == "reason"
    other_hall = factories.make_hall("other")
    other_hall.region = places["west"]
    other_hall.save()
    stranger = factories.make_staff("hall_manager", other_hall)
    with pytest.raises(ServiceError) as e:
        services.dismiss(stranger, alert.pk, reason="基站割接，已知")
    assert e.value.code == "unknown_alert"
    services.dismiss(manager, alert.pk, reason="基站计划割接，已提前公告")
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.handled_by == manager
    with pytest.raises(ServiceError) as e:
        services.acknowledge(manager, alert.pk)
    assert e.value.status == 409


def test_e1_declare_is_refused_without_a_service_or_a_region_and_twice(manager, places):
    start = timezone.now() - timedelta(hours=1)
    with pytest.raises(ServiceError) as e:
        services.declare(manager, service="", regions_codes=["lj-cd"], started_at=start)
    assert e.value.field == "service"
    with pytest.raises(ServiceError) as e:
        services.declare(manager, service="voice", regions_codes=[], started_at=start)
    assert e.value.field == "regions"
    with pytest.raises(ServiceError) as e:
        services.declare(manager, service="voice", regions_codes=["lj-cd"], started_at="noon")
    assert e.value.field == "started_at"
    services.declare(manager, service="voice", regions_codes=["lj-cd"], started_at=start)
    with pytest.raises(ServiceError) as e:  # the grid lies in the district: it overlaps
        services.declare(
            manager,
            service="voice",
            regions_codes=["lj-cd-bj"],
            started_at=start + timedelta(minutes=20),
        )
    assert e.value.code == "duplicate_incident"
    assert Incident.objects.count() == 1
    # a hall manager declares only for the districts of their halls
    with pytest.raises(ServiceError) as e:
        services.declare(manager, service="voice", regions_codes=["lj-cx"], started_at=start)
    assert e.value.code == "unknown_region"


def test_e1_incident_links_tells_once_follows_and_closes_together(clerk, manager, places):
    start = timezone.now() - timedelta(hours=2)
    a = factories.make_customer(phone="13900000001")
    b = factories.make_customer(phone="13900000002")
    first = report(clerk, "手机没信号", customer=a)
    second = report(clerk, "打不通电话", customer=b)
    broadband = report(clerk, "宽带断网")  # another service: not linked
    west = report(clerk, "我在城西区，没信号")  # another district: not linked
    incident = services.declare(
        manager,
        service="voice",
        regions_codes=["lj-cd"],
        started_at=start,
        cause="滨江基站光缆被挖断",
        expected_recovery=timezone.now() + timedelta(hours=3),
    )
    assert incident.linked_now == 2
    assert set(Case.objects.filter(follows=incident.number)) == {first, second}
    assert not Case.objects.filter(pk__in=[broadband.pk, west.pk]).exclude(follows="").exists()
    # a later contact joins on the stream; the same customer again is not told twice
    third = report(clerk, "还是没有信号", customer=a)
    services.watch(third.pk)
    third.refresh_from_db()
    assert third.follows == incident.number
    notices = SmsMessage.objects.filter(purpose="incident_notice")
    assert sorted(m.to for m in notices) == ["13900000001", "13900000002"]
    assert Affected.objects.filter(incident=incident).count() == 2
    # filed under the service's fault category: linked whatever its words
    filed = report(clerk, "手机左上角显示仅限紧急呼叫", category="mobile-network", kind="fault")
    services.watch(filed.pk)
    filed.refresh_from_db()
    assert filed.follows == incident.number
    # by hand: neither the words nor the category caught it
    odd = report(clerk, "手机显示紧急呼叫")
    services.link_case(manager, incident.pk, odd.number)
    odd.refresh_from_db()
    assert odd.follows == incident.number
    # a linked case keeps no clock: the sweep leaves it alone even past its deadline
    Case.objects.filter(pk=first.pk).update(next_escalation_at=timezone.now() - timedelta(hours=1))
    cases.sweep()
    first.refresh_from_db()
    assert first.escalation_level == 0
    # closing resolves every linked case (the customer still confirms) and tells them once more
    closed = services.close(manager, incident.pk, resolution="光缆已熔接，基站恢复")
    for c in (first, second, third, odd):
        c.refresh_from_db()
        assert c.status == "resolved", c.number
        assert c.events.filter(kind="resolved_together").exists()
    assert SmsMessage.objects.filter(purpose="incident_restored").count() == 4
    assert closed.summary["contacts"] == 5 and closed.summary["customers"] == 4
    assert closed.summary["deadlines_missed"] == 0
    with pytest.raises(ServiceError) as e:
        services.close(manager, incident.pk, resolution="再次关闭")
    assert e.value.status == 409


def test_l2_outage_past_the_deadline_is_flagged_for_the_rental_waiver(clerk, manager, places):
    now = timezone.now()
    town = factories.make_customer()
    incident = services.declare(
        manager, service="broadband", regions_codes=["lj-cd"], started_at=now - timedelta(hours=60)
    )
    Case.objects.filter(pk=report(clerk, "宽带断网", customer=town).pk).update(
        created_at=now - timedelta(hours=59)
    )
    services.watch(Case.objects.latest("pk").pk)
    assert Affected.objects.get(incident=incident).deadline_hours == 48
    services.close(manager, incident.pk, resolution="OLT板卡更换完毕")
    row = Affected.objects.get(incident=incident)
    assert row.outage_hours > 59 and row.waive_rental
    assert services.deadline_hours("broadband", rural=True) == 72
    assert services.deadline_hours("voice", rural=True) == 48
    assert services.deadline_hours("billing", rural=False) == 0


def test_e1_linking_keeps_to_what_an_outage_causes_and_where(clerk, manager, places):
    start = timezone.now() - timedelta(hours=1)
    with pytest.raises(ServiceError) as e:  # a letter would link every case
        services.declare(
            manager, service="broadband", regions_codes=["lj-cd"], started_at=start, words=["w"]
        )
    assert e.value.field == "words"
    incident = services.declare(
        manager, service="broadband", regions_codes=["lj-cd"], started_at=start, words=["光衰"]
    )
    praise = report(clerk, "宽带断网时师傅修得很快，表扬", kind="praise", category="praise")
    filed_praise = report(clerk, "光衰修好了，wow", kind="consultation", category="praise")
    for c in (praise, filed_praise):
        services.watch(c.pk)
        c.refresh_from_db()
        assert c.follows == "", c.description
    # by hand: not a case of another district, even for a manager who works there too
    area = factories.make_staff("area_manager", None)
    west = report(clerk, "我在城西区，宽带断网")
    with pytest.raises(ServiceError) as e:
        services.link_case(area, incident.pk, west.number)
    assert e.value.code == "outside_incident"
    west.refresh_from_db()
    assert west.follows == ""


def test_e1_an_open_incident_is_a_duplicate_whatever_the_new_start(manager, places):
    now = timezone.now()
    services.declare(
        manager, service="data", regions_codes=["lj-cd"], started_at=now - timedelta(days=4)
    )
    with pytest.raises(ServiceError) as e:
        services.declare(
            manager, service="data", regions_codes=["lj-cd-bj"], started_at=now - timedelta(hours=1)
        )
    assert e.value.code == "duplicate_incident"
    # another service over the same place is another incident
    services.declare(
        manager, service="voice", regions_codes=["lj-cd"], started_at=now - timedelta(hours=1)
    )


def test_e1_what_the_customer_says_decides_between_two_mobile_incidents(clerk, manager, places):
    start = timezone.now() - timedelta(hours=1)
    sms = services.declare(manager, service="sms", regions_codes=["lj-cd"], started_at=start)
    voice = services.declare(manager, service="voice", regions_codes=["lj-cd"], started_at=start)
    signal = report(clerk, "一直没信号", category="mobile-network", kind="fault")
    silent = report(clerk, "手机不太对劲", category="mobile-network", kind="fault")
    for c in (signal, silent):
        services.watch(c.pk)
        c.refresh_from_db()
    assert signal.follows == voice.number  # not the SMS outage's, though filed alike
    assert silent.follows in (sms.number, voice.number)  # no problem said: the category


def test_e1_praise_is_neither_linked_by_hand_nor_counted_as_a_report(clerk, manager, places):
    from servicehall.incidents.models import Report

    incident = services.declare(
        manager,
        service="sms",
        regions_codes=["lj-cd"],
        started_at=timezone.now() - timedelta(hours=1),
    )
    praise = report(clerk, "表扬：虽然我收不到短信，师傅很耐心", kind="praise", category="praise")
    services.watch(praise.pk)
    assert not Report.objects.filter(case=praise).exists()
    with pytest.raises(ServiceError) as e:
        services.link_case(manager, incident.pk, praise.number)
    assert e.value.code == "not_caused"
