"""The monthly complaint report (P3, L6) on a seeded month: complaints (grumbles not counted),
the complaint rate against customers served, upgraded complaints apart, compensation paid,
replies past deadline, the quarter's assessment with configurable points, the month's notice;
scoping (a hall manager reads their hall only: another hall is a 404), the drill-down to the
cases and the Excel export read back with openpyxl."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from itertools import count

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from servicehall.cases import services
from servicehall.cases.models import Case
from servicehall.complaints import compensation, reports, upgrades
from servicehall.complaints.models import AssessmentRule, CompensationOffer
from servicehall.core.errors import ServiceError
from servicehall.org.models import ServiceType
from servicehall.queueing.models import Ticket
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MONTH = date(2026, 11, 1)
_numbers = count(1)


def at(day: int, hour: int = 10, month: date = MONTH) -> datetime:
    return timezone.make_aware(datetime(month.year, month.month, day, hour))


def complaint(user, hall, when: datetime, *, category="complaint", phone=None, accept=True) -> Case:
    """A complaint opened at `when`; accepted by the desk (the accept stage) unless not."""
    case = services.open_case(
        user,
        kind="complaint",
        channel="walk_in",
        category=category,
        description="客户投诉",
        phone=phone,
        hall=hall.code,
    )
    if accept:
        case = services.act(
            user,
            case.pk,
            "accept",
            version=case.version,
            steps=["listen", "ask", "calm", "confirm"],
            words="客户原话",
            request="客户诉求",
        )[0]
    Case.objects.filter(pk=case.pk).update(created_at=when, due_at=when + timedelta(days=15))
    return Case.objects.get(pk=case.pk)


def served(hall, n: int, day: date, customer=None, status=Ticket.Status.DONE) -> None:
    kind = ServiceType.objects.first()
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    Ticket.objects.bulk_create(
        Ticket(
            hall=hall,
            day=day,
            number=f"A{next(_numbers):04d}",
            service_type=kind,
            channel="kiosk",
            status=status,
            issued_at=moment,
            arrival_at=moment,
            customer=customer,
        )
        for _ in range(n)
    )


@pytest.fixture
def month(hall):
    """Hall A (the fixture's) and hall B, November 2026 seeded."""
    other = factories.make_hall("hall-b")
    desk = factories.make_staff("complaint_desk", hall)
    manager = factories.make_staff("hall_manager", hall)
    a1 = complaint(desk, hall, at(5, 10))
    a2 = complaint(desk, hall, at(5, 11))
    a3 = complaint(desk, hall, at(12), category="other")
    # a grumble settled on the spot: recorded, not a complaint
    g = complaint(desk, hall, at(13), accept=False)
    # a hand-over nobody took up (an empty "我要投诉" chat): not a complaint yet, but its
    # deadline runs — past it, it is a reply past deadline all the same
    late = complaint(desk, hall, at(3), accept=False)
    services.act(desk, g.pk, "settle_grumble", version=g.version, resolution="当场解释清楚")
    # outside the month: October (same quarter) and December
    complaint(desk, hall, at(30, month=date(2026, 10, 1)))
    complaint(desk, hall, at(1, month=date(2026, 12, 1)))
    complaint(factories.make_staff("complaint_desk", other), other, at(20))
    # upgraded: a3 came through the provincial centre
    upgrades.mark_upgraded(desk, a3.pk, source="provincial_centre")
    # past deadline: a1 still open past its due time; a2 and a3 resolved in time
    Case.objects.filter(pk__in=[a1.pk, late.pk]).update(due_at=at(6))
    Case.objects.filter(pk__in=[a2.pk, a3.pk]).update(resolved_at=at(14), status="resolved")
    # compensation: 20 accepted (paid), 300 accepted but awaiting approval (not paid),
    # 150 accepted and approved (paid), 50 refused (not paid)
    offers = []
    for amount, ans in (
        ("20", "accepted"),
        ("300", "accepted"),
        ("150", "accepted"),
        ("50", "refused"),
    ):
        o = compensation.offer(desk, a1.pk, amount=amount, basis="服务承诺")
        offers.append(compensation.answer(desk, a1.pk, o.pk, answer=ans))
    compensation.decide(manager, a1.pk, offers[2].pk, approve=True)
    CompensationOffer.objects.update(answered_at=at(8))
    # 200 customers served in the month, some no-shows that are not service
    people = [factories.make_customer() for _ in range(4)]
    for i, person in enumerate(people):
        served(hall, 50, date(2026, 11, 3 + i), customer=person)
    served(hall, 30, date(2026, 11, 9), status=Ticket.Status.NO_SHOW)
    served(hall, 99, date(2026, 10, 9))  # another month
    return {"a": hall, "b": other, "manager": manager, "a3": a3, "a1": a1, "grumble": g}


def area_manager():
    return factories.make_staff("area_manager")


def test_p3_the_months_figures_per_hall(month):
    r = reports.monthly_report(area_manager(), MONTH)
    rows = {row["hall"].code: row for row in r["halls"]}
    a = rows["test-hall"]
    assert a["complaints"] == 3  # not the grumble, not October's or December's
    assert a["grumbles"] == 1
    assert a["served"] == 200  # finished tickets of November only
    assert a["rate"] == Decimal("1.50") and a["rate_ok"] is False  # target ≤ 1 %
    assert a["upgraded"] == 1
    assert a["past_deadline"] == 2  # a1, and the complaint never accepted
    assert (a["paid"], a["paid_sum"]) == (2, Decimal("170.00"))
    assert rows["hall-b"]["complaints"] == 1 and rows["hall-b"]["rate"] is None
    assert r["total"]["complaints"] == 4
    assert {c["category__code"]: c["n"] for c in r["by_category"]} == {"complaint": 3, "other": 1}
    by_day = {d["day"]: d["n"] for d in r["by_day"]}
    assert len(by_day) == 30 and by_day[date(2026, 11, 5)] == 2 and by_day[date(2026, 11, 1)] == 0
    assert "投诉率1.50%" in r["notice_zh"] and "超标" in r["notice_zh"]
    assert "升级投诉1件" in r["notice_zh"] and "兑现补偿2笔共170.00元" in r["notice_zh"]


def test_p3_a_grumble_is_not_a_complaint_and_an_upgrade_counts_apart(month):
    before = reports.monthly_report(area_manager(), MONTH, "test-hall")["halls"][0]
    # settling another complaint as a grumble takes it out of the complaints
    desk = factories.make_staff("complaint_desk", month["a"])
    g = complaint(desk, month["a"], at(20), accept=False)
    after = reports.monthly_report(area_manager(), MONTH, "test-hall")["halls"][0]
    assert after["complaints"] == before["complaints"]  # not accepted yet: not counted yet
    services.act(desk, g.pk, "settle_grumble", version=g.version, resolution="解释清楚")
    after = reports.monthly_report(area_manager(), MONTH, "test-hall")["halls"][0]
    assert (after["complaints"], after["grumbles"]) == (
        before["complaints"],
        before["grumbles"] + 1,
    )
    assert after["upgraded"] == 1 and after["complaints"] == 3  # the upgrade is one of them


def test_p3_the_quarters_assessment_deducts_the_configured_points(month):
    r = reports.monthly_report(area_manager(), MONTH, "test-hall")
    items = {i["event"]: i for i in r["assessment"][0]["items"]}
    assert items["complaint"]["count"] == 4  # October and November: Q4 so far
    assert items["complaint"]["deducted"] == Decimal("2.0")  # 0.5 each by default
    AssessmentRule.objects.create(event="complaint", points=Decimal("1.5"))
    r = reports.monthly_report(area_manager(), MONTH, "test-hall")
    items = {i["event"]: i for i in r["assessment"][0]["items"]}
    assert items["complaint"]["deducted"] == Decimal("6.0")
    assert r["assessment"][0]["deducted"] == sum(i["deducted"] for i in items.values())


def test_l6_appeals_per_million_users_per_quarter_against_the_yardstick(month, monkeypatch):
    """The appeals come from the appeals part (merged by the lead); its shape, given here for
    the hall's two months of the quarter, is what the report turns into the L6 rate."""

    def figures(halls, m):
        return {
            "by_source": {"通管局申诉中心": 1},
            "major": 1 if m == MONTH else 0,
            "company_liability": {"超过回复日期": 1},
            "past_deadline": 0,
            "total": 1,
        }

    monkeypatch.setattr(reports, "_appeal_figures", figures)
    a = reports.monthly_report(area_manager(), MONTH, "test-hall")
    row = a["halls"][0]
    users = row["users"]
    assert users == 4  # the customers the hall served (the complaints name nobody)
    assert row["per_million"] == (Decimal(2) * 1_000_000 / users).quantize(Decimal("0.01"))
    assert row["per_million_ok"] is False  # far above 20 per million in a five-user hall
    items = {i["event"]: i["count"] for i in a["assessment"][0]["items"]}
    assert (items["appeal"], items["major_appeal"], items["company_liability"]) == (2, 1, 2)
    assert a["appeals"]["by_source"] == {"通管局申诉中心": 1}


def test_p3_the_placeholder_appeals_are_zero_until_the_appeals_part_is_merged(month):
    r = reports.monthly_report(area_manager(), MONTH, "test-hall")
    assert r["appeals"]["total"] == 0 and r["halls"][0]["per_million"] == Decimal("0.00")


def test_p3_a_hall_manager_reads_their_hall_only(month):
    c = client_for(month["manager"])
    r = c.get("/reports/complaints", {"month": "2026-11"})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-hall="test-hall"' in page and 'data-hall="hall-b"' not in page
    for path in ("/reports/complaints", "/reports/complaints.xlsx", "/reports/complaints/cases"):
        assert c.get(path, {"month": "2026-11", "hall": "hall-b"}).status_code == 404
    with pytest.raises(ServiceError) as e:
        reports.monthly_report(month["manager"], MONTH, "hall-b")
    assert (e.value.code, e.value.status) == ("unknown_hall", 404)
    quality = client_for(factories.make_staff("quality_supervisor"))
    page = quality.get("/reports/complaints", {"month": "2026-11"}).content.decode()
    assert 'data-hall="test-hall"' in page and 'data-hall="hall-b"' in page
    clerk = client_for(factories.make_staff("complaint_desk", month["a"]))
    assert clerk.get("/reports/complaints").status_code == 403
    assert c.get("/reports/complaints", {"month": "2026-13"}).status_code == 422


def test_p3_drill_down_lists_the_cases_behind_a_figure(month):
    c = client_for(month["manager"])
    page = c.get(
        "/reports/complaints/cases",
        {"month": "2026-11", "hall": "test-hall", "what": "upgraded"},
    ).content.decode()
    assert month["a3"].number in page and month["a1"].number not in page
    page = c.get(
        "/reports/complaints/cases", {"month": "2026-11", "what": "grumbles"}
    ).content.decode()
    assert month["grumble"].number in page and month["a1"].number not in page
    report = c.get("/reports/complaints", {"month": "2026-11"}).content.decode()
    assert (
        "/reports/complaints/cases?month=2026-11&amp;what=past_deadline&amp;hall=test-hall"
        in report
    )


def test_p3_the_excel_export_has_every_table_and_the_figures(month):
    c = client_for(factories.make_staff("quality_supervisor"))
    r = c.get("/reports/complaints.xlsx", {"month": "2026-11"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == [
        "汇总",
        "按类别",
        "按日",
        "申诉来源",
        "企业责任",
        "季度考核",
        "月度通报",
    ]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[0][:5] == ("营业厅", "投诉", "抱怨（不计入）", "服务客户", "投诉率")
    a = next(row for row in summary if row[0] == month["a"].name)
    assert a[1:9] == (3, 1, 200, 0.015, 1, 2, 2, 170.0)  # 2 past deadline (one never accepted)
    cats = dict(list(wb["按类别"].iter_rows(values_only=True))[1:])
    assert cats["服务投诉"] == 3
    notice = "\n".join(row[0] for row in wb["月度通报"].iter_rows(min_row=2, values_only=True))
    assert f"{month['a'].name}受理投诉3件" in notice and "投诉率1.50%" in notice


def test_p3_the_report_counts_in_sql_not_row_by_row(month):
    """As many queries for ten times the complaints and offers: aggregates, not loops."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = area_manager()
    reports.monthly_report(user, MONTH)  # the user's permissions and halls, read once
    with CaptureQueriesContext(connection) as few:
        reports.monthly_report(user, MONTH)
    desk = factories.make_staff("complaint_desk", month["a"])
    for day in range(1, 28):
        case = complaint(desk, month["a"], at(day))
        offer = compensation.offer(desk, case.pk, amount="10", basis="服务承诺")
        compensation.answer(desk, case.pk, offer.pk, answer="accepted")
    CompensationOffer.objects.update(answered_at=at(8))
    reports.monthly_report(user, MONTH)  # read the halls again: a new staff member forgot them
    with CaptureQueriesContext(connection) as many:
        r = reports.monthly_report(user, MONTH)
    assert r["total"]["complaints"] == 4 + 27
    assert len(many) == len(few), "\n".join(q["sql"][:90] for q in many.captured_queries)
