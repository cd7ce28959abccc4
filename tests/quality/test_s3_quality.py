"""Quality supervision (S3): sampling by rule and at random, idempotent and audited; scoring
on the form's items with bilingual refusals naming the item; hall scoping; rectification
items on the case engine walked to closure, a missed deadline escalating to the hall manager;
the monthly appraisal on hand-made data with known answers."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from servicehall.cases import selectors as case_selectors
from servicehall.cases import services as cases
from servicehall.cases.models import Case, CaseEvent
from servicehall.cases.services.sweep import sweep
from servicehall.complaints.models import ComplaintRecord
from servicehall.core.errors import ServiceError
from servicehall.core.models import AuditLog
from servicehall.org.models import ServiceType
from servicehall.quality import appraisal, selectors, services
from servicehall.quality.models import AppraisalWeights, QualityCheck, SamplingRule
from servicehall.queueing.models import Ticket
from servicehall.surveys.models import CounterRating
from tests.conftest import client_for
from tests.factories import counter, make_hall, make_staff

MONTH = date(2026, 10, 1)
TZ = timezone.get_default_timezone()
FULL = {"language": 10, "first_contact": 10, "timeliness": 10, "resolution": 10, "records": 10}


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=TZ)


def ticket(hall, clerk, n: int, *, wait: int = 5, service: int = 6, day: int = 12) -> Ticket:
    issued = at(day, 9) + timedelta(minutes=n)
    called = issued + timedelta(minutes=wait)
    return Ticket.objects.create(
        hall=hall,
        day=issued.date(),
        number=f"A{n:03d}",
        service_type=ServiceType.objects.get(code="payment"),
        channel="kiosk",
        status=Ticket.Status.DONE,
        issued_at=issued,
        arrival_at=issued,
        first_called_at=called,
        called_at=called,
        started_at=called,
        finished_at=called + timedelta(minutes=service),
        served_by=clerk,
    )


def closed_case(owner, *, kind="work_order", day: int = 15, breached=False) -> Case:
    case = cases.open_case(
        owner, kind=kind, channel="walk_in", category="other", description="质检样本工单"
    )
    Case.objects.filter(pk=case.pk).update(
        closed_at=at(day), due_at=at(day - 1), breached=breached, status="closed"
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def world(db):
    east, west = make_hall("east"), make_hall("west")
    return {
        "east": east,
        "west": west,
        "clerk": make_staff("clerk", east),
        "clerk2": make_staff("clerk", east),
        "west_clerk": make_staff("clerk", west),
        "qa": make_staff("quality_supervisor", None),
        "manager": make_staff("hall_manager", east),
        "west_manager": make_staff("hall_manager", west),
    }


def test_s3_sampling_by_rule_and_idempotent(world):
    clerk, clerk2 = world["clerk"], world["clerk2"]
    tickets = [ticket(world["east"], clerk, n) for n in range(5)]
    ticket(world["east"], clerk2, 10)
    complaint = closed_case(clerk, kind="complaint")
    late = closed_case(clerk2, breached=True)
    september = ticket(world["east"], clerk, 20)
    Ticket.objects.filter(pk=september.pk).update(finished_at=at(1) - timedelta(days=2))
    added = services.sample(MONTH, world["qa"])
    assert added["complaints"] == 1 and added["breaches"] == 1
    assert added["per_clerk"] == 4  # 3 of the clerk's 5 tickets, the one of clerk2
    checks = QualityCheck.objects.filter(month=MONTH)
    assert checks.get(case=complaint).reason == "complaints"
    assert checks.get(case=late).staff == clerk2
    assert checks.filter(ticket__in=tickets).count() == 3
    assert not checks.filter(ticket__number="A020").exists()
    # again: nothing more, and the same three tickets
    chosen = set(checks.filter(ticket__in=tickets).values_list("ticket", flat=True))
    assert sum(services.sample(MONTH, world["qa"]).values()) == 0
    assert set(checks.filter(ticket__in=tickets).values_list("ticket", flat=True)) == chosen
    assert AuditLog.objects.filter(action="quality.sample", actor=world["qa"]).count() == 2
    # a rule raised to 4 tops the clerk up by one, no more
    SamplingRule.objects.filter(code="per_clerk").update(per_clerk=4)
    assert services.sample(MONTH, world["qa"])["per_clerk"] == 1  # clerk +1; clerk2 had 1 only
    assert checks.filter(ticket__in=tickets).count() == 4


def test_s3_random_share_is_a_fixed_draw(world):
    SamplingRule.objects.exclude(code="random").update(is_active=False)
    SamplingRule.objects.filter(code="random").update(share_percent=50)
    made = [closed_case(world["clerk"]) for _ in range(40)]
    added = services.sample(MONTH)  # the monthly job: no user, the job's name in the audit
    assert 8 <= added["random"] <= 32  # about half of 40
    assert AuditLog.objects.filter(action="quality.sample", actor__username="quality-sampling")
    assert services.sample(MONTH) == {"random": 0}
    assert QualityCheck.objects.filter(case__in=made).count() == added["random"]


def test_s3_scoring_validates_each_item(world):
    t = ticket(world["east"], world["clerk"], 1)
    services.sample(MONTH, world["qa"])
    check = QualityCheck.objects.get(ticket=t)
    with pytest.raises(ServiceError) as e:
        services.score(world["qa"], check.pk, {**FULL, "timeliness": ""})
    assert e.value.field == "score_timeliness" and "时限" in e.value.zh
    assert "Timeliness" in e.value.en
    with pytest.raises(ServiceError) as e:
        services.score(world["qa"], check.pk, {**FULL, "resolution": "11"})
    assert e.value.code == "score_out_of_range" and "解决质量" in e.value.zh
    assert e.value.field == "score_resolution" and "0–10" in e.value.en
    for bad in ("-1", "7.5", "abc"):
        with pytest.raises(ServiceError):
            services.score(world["qa"], check.pk, {**FULL, "records": bad})
    assert QualityCheck.objects.get(pk=check.pk).status == "to_score"
    # weights 20/20/20/25/15: 10,10,10,5,0 of 10 -> 20+20+20+12.5+0 = 72.5
    scored = services.score(
        world["qa"],
        check.pk,
        {**FULL, "resolution": "5", "records": "0"},
        "记录不完整",
        version=check.version,
    )
    assert scored.total == Decimal("72.5") and scored.status == "scored"
    assert scored.supervisor == world["qa"] and scored.comments == "记录不完整"
    assert AuditLog.objects.filter(action="quality.score", object_id=str(check.pk)).exists()
    with pytest.raises(ServiceError) as e:  # a clerk may not score
        services.score(world["clerk2"], check.pk, FULL)
    assert e.value.status == 403


def test_s3_checks_are_scoped_to_halls(world):
    east_t = ticket(world["east"], world["clerk"], 1)
    west_t = ticket(world["west"], world["west_clerk"], 2)
    services.sample(MONTH, world["qa"])
    east = QualityCheck.objects.get(ticket=east_t)
    west = QualityCheck.objects.get(ticket=west_t)
    assert set(selectors.listing(world["qa"], month=MONTH)) == {east, west}
    assert list(selectors.listing(world["manager"], month=MONTH)) == [east]
    with pytest.raises(ServiceError) as e:  # another hall's check: as a missing one
        selectors.get_check(world["manager"], west.pk)
    assert e.value.status == 404 and e.value.code == "unknown_check"
    # the clerk sees their own check only, and none of another's
    assert selectors.get_check(world["clerk"], east.pk) == east
    with pytest.raises(ServiceError):
        selectors.get_check(world["clerk2"], east.pk)


def _scored(world):
    t = ticket(world["east"], world["clerk"], 1)
    services.sample(MONTH, world["qa"])
    check = QualityCheck.objects.get(ticket=t)
    return services.score(world["qa"], check.pk, {**FULL, "language": "4"}, "用语不规范")


def test_s3_rectification_walks_to_closure(world):
    check = _scored(world)
    qa, clerk = world["qa"], world["clerk"]
    case = services.open_rectification(
        qa, check.pk, finding="服务用语不规范，需重新学习服务用语规范", item="language"
    )
    assert case.kind == "rectification" and case.owner == clerk and case.hall == world["east"]
    assert case.due_at is not None and case.status == "open"
    assert case.sla_policy.kind == "rectification"  # its own policy, not the category's
    # 5 business days: the deadline is a business day at least 5 days after opening
    assert case.due_at - case.created_at >= timedelta(days=5)
    row = selectors.rectifications_of(check)[0]
    assert row["number"] == case.number and row["status_zh"] == "待整改"
    v = case.version
    case, _ = cases.act(clerk, case.pk, "start_fixing", version=v)
    cases.comment(clerk, case.pk, note="已组织学习服务用语规范")
    case, _ = cases.act(
        clerk, case.pk, "submit_evidence", version=case.version, resolution="已完成培训考试"
    )
    # the owner is not offered verification; quality is
    offered = {a["action"] for a in case_selectors.detail(case, clerk)["allowed"]}
    assert "verify" not in offered and "reject" not in offered
    assert {"verify", "reject"} <= {a["action"] for a in case_selectors.detail(case, qa)["allowed"]}
    with pytest.raises(ServiceError) as e:  # the owner may not verify their own fix
        cases.act(clerk, case.pk, "verify", version=case.version, note="通过")
    assert e.value.status == 403
    case, _ = cases.act(qa, case.pk, "reject", version=case.version, reason="缺少考试成绩")
    assert case.status == "reopened" and case.due_at is not None
    case, _ = cases.act(
        clerk, case.pk, "submit_evidence", version=case.version, resolution="附考试成绩 95 分"
    )
    case, _ = cases.act(qa, case.pk, "verify", version=case.version, note="整改到位")
    assert case.status == "verified" and case.closed_at is not None
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[:3] == ["opened", "rectification_owner", "start_fixing"]
    assert kinds[-1] == "verify" and "reject" in kinds
    assert selectors.rectifications_of(check)[0]["closed"] is True


def test_s3_rectification_breach_escalates_to_hall_manager(world):
    check = _scored(world)
    case = services.open_rectification(
        world["qa"], check.pk, finding="首问负责未落实，需整改", owner="manager"
    )
    assert case.owner == world["manager"] and case.escalation_level == 1
    sweep(case.due_at + timedelta(minutes=1))
    case.refresh_from_db()
    assert case.breached and case.escalation_level == 2
    event = CaseEvent.objects.filter(case=case, kind="escalated").get()
    assert event.data["to_zh"] == "营业厅经理"


def test_s3_rectification_refusals(world):
    t = ticket(world["east"], world["clerk"], 1)
    services.sample(MONTH, world["qa"])
    check = QualityCheck.objects.get(ticket=t)
    with pytest.raises(ServiceError) as e:
        services.open_rectification(world["qa"], check.pk, finding="需整改的问题描述")
    assert e.value.code == "check_not_scored" and e.value.status == 409
    services.score(world["qa"], check.pk, FULL)
    with pytest.raises(ServiceError) as e:
        services.open_rectification(world["qa"], check.pk, finding="x", owner="staff")
    assert e.value.field == "finding"
    with pytest.raises(ServiceError) as e:
        services.open_rectification(world["qa"], check.pk, finding="需整改的问题", owner="boss")
    assert e.value.field == "owner" and "营业厅经理" in e.value.zh


def test_s3_appraisal_known_answers(world):
    clerk, clerk2, east = world["clerk"], world["clerk2"], world["east"]
    # clerk: 4 tickets called, 3 within 15 minutes -> KPI 75; service 6 minutes each
    for n, wait in enumerate((5, 10, 15, 40)):
        ticket(east, clerk, n, wait=wait)
    ticket(east, clerk2, 9, wait=20, service=10)  # clerk2: KPI 0
    SamplingRule.objects.exclude(code="per_clerk").update(is_active=False)
    SamplingRule.objects.filter(code="per_clerk").update(per_clerk=2)
    services.sample(MONTH, world["qa"])
    c1, c2 = QualityCheck.objects.filter(staff=clerk).order_by("pk")
    services.score(world["qa"], c1.pk, FULL)  # 100
    services.score(world["qa"], c2.pk, {**FULL, "resolution": "6", "records": "0"})  # 75
    # satisfaction: 4 counter ratings for clerk, 3 satisfied -> 75
    for n, overall in enumerate((5, 5, 4, 2)):
        t = Ticket.objects.filter(served_by=clerk).order_by("pk")[n]
        CounterRating.objects.create(
            ticket=t,
            hall=east,
            counter=counter(east, "1号窗口"),
            staff=clerk,
            overall=overall,
            rated_at=at(12, 11, n),
            **{
                d: overall
                for d in (
                    "tangibles",
                    "empathy",
                    "professionalism",
                    "responsiveness",
                    "reliability",
                )
            },
        )
    # one complaint against clerk (our hall responsible, named)
    complaint = cases.open_case(
        world["manager"],
        kind="complaint",
        channel="walk_in",
        category="complaint",
        description="投诉受理员态度",
    )
    Case.objects.filter(pk=complaint.pk).update(status="resolving", created_at=at(20))
    ComplaintRecord.objects.create(
        case=complaint, responsible="hall", responsible_name=clerk.username
    )
    AppraisalWeights.objects.update(
        kpi=30, quality=40, satisfaction=20, complaints=10, complaint_points=20
    )
    closed_case(world["manager"])  # the manager closed a case, nothing else: no score
    from servicehall.reports import rollup

    rollup.rebuild_range(MONTH, date(2026, 10, 31))  # what the catch-up job keeps current
    rows = {r["staff"]: r for r in appraisal.appraisal(world["manager"], MONTH)["rows"]}
    assert rows[world["manager"].username]["cases_closed"] == 1
    assert rows[world["manager"].username]["score"] is None
    r = rows[clerk.username]
    assert (r["called"], r["served"], r["waits_within_15"]) == (4, 4, 75.0)
    assert r["mean_service_minutes"] == 6.0
    assert r["quality"] == 87.5 and r["satisfaction"] == 75.0 and r["complaints"] == 1
    # 0.3*75 + 0.4*87.5 + 0.2*75 + 0.1*80 = 22.5 + 35 + 15 + 8 = 80.5
    assert r["score"] == 80.5
    r2 = rows[clerk2.username]  # no checks, no ratings: KPI 0 and complaints 100 over 30+10
    assert r2["waits_within_15"] == 0.0 and r2["quality"] is None
    assert r2["score"] == 25.0  # (30*0 + 10*100) / 40
    # scoping: the west manager sees none of east; the clerk sees only their line
    west_rows = appraisal.appraisal(world["west_manager"], MONTH)["rows"]
    assert clerk.username not in {x["staff"] for x in west_rows}
    assert appraisal.own_line(clerk, MONTH)["score"] == 80.5
    with pytest.raises(ServiceError) as e:
        appraisal.appraisal(clerk, MONTH)
    assert e.value.status == 403


@pytest.mark.django_db(transaction=True)
def test_s3_two_supervisors_sampling_at_once_add_each_check_once():
    """Two supervisors press 「抽取」 for the same month at the same instant, through the page:
    each ticket and case is checked once, and the clerk has exactly N per-clerk samples."""
    import threading

    from django.db import connection

    hall = make_hall("quality-race")
    clerk = make_staff("clerk", hall)
    for n in range(6):
        ticket(hall, clerk, n)
    closed_case(clerk, kind="complaint")
    clients = [client_for(make_staff("quality_supervisor", None)) for _ in range(2)]
    barrier = threading.Barrier(2)
    codes = [None, None]

    def run(i):
        try:
            barrier.wait(timeout=30)
            codes[i] = clients[i].post("/quality/sample", {"month": "2026-10"}).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert codes == [302, 302]
    checks = QualityCheck.objects.filter(month=MONTH)
    assert checks.filter(reason="per_clerk", staff=clerk).count() == 3
    assert checks.filter(reason="complaints").count() == 1
    assert checks.filter(ticket__isnull=False).values("ticket").distinct().count() == 3


def test_s3_admin_refuses_weights_not_summing_to_100(db):
    from django.contrib.auth import get_user_model

    from servicehall.quality.models import QualityForm

    form = QualityForm.objects.get(code="standard")
    items = list(form.items.all())
    assert sum(i.weight for i in items) == 100  # the seeded form
    admin = get_user_model().objects.create_superuser("qa-admin", password=None)
    c = client_for(admin)
    url = f"/admin/quality/qualityform/{form.pk}/change/"
    data = {"code": form.code, "name_zh": form.name_zh, "name_en": form.name_en, "is_active": "on"}
    data |= {
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, i in enumerate(items):
        data |= {
            f"items-{n}-id": str(i.pk),
            f"items-{n}-form": str(form.pk),
            f"items-{n}-order": str(i.order),
            f"items-{n}-code": i.code,
            f"items-{n}-name_zh": i.name_zh,
            f"items-{n}-name_en": i.name_en,
            f"items-{n}-weight": str(i.weight + (5 if n == 0 else 0)),
            f"items-{n}-max_score": str(i.max_score),
        }
    r = c.post(url, data)
    assert r.status_code == 200 and "权重合计须为 100（现为 105）" in r.content.decode()
    data["items-0-weight"] = str(items[0].weight)
    assert c.post(url, data).status_code == 302
