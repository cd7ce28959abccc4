"""Appeals (P2, P3, L1): registered from their source with its deadlines on the business
calendar, the materials date as the hard deadline, the intake warnings of L1 Art.11, links to
the customer's earlier complaints, the liability decision with its refusals, the monthly
figures, and another hall's appeal as unknown as a missing one."""

import importlib
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.complaints import appeals
from servicehall.complaints.appeal_selectors import appeal_figures, appeal_list
from servicehall.complaints.models import Appeal
from servicehall.core.errors import ServiceError
from tests.conftest import client_for
from tests.factories import make_customer, make_hall, make_staff

PHONE = "13900005555"


def _seed_sources():
    importlib.import_module("servicehall.complaints.migrations.0002_appeals").add_sources(
        django_apps, None
    )


@pytest.fixture
def desk(hall):
    _seed_sources()  # transactional tests flush the migration's rows
    return make_staff("complaint_desk", hall)


@pytest.fixture
def customer(db):
    return make_customer(phone=PHONE, name="谢芳")


def _end(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(23, 59, 59)))


def _complaint(user, customer, days_ago: float = 30, subject="宽带提速包扣费后未提速"):
    c = cases.open_case(
        user,
        kind="complaint",
        channel="walk_in",
        category="complaint",
        phone=customer.phones.first().number,
        subject=subject,
        description="客户反映提速包扣费后网速未提升",
    )
    Case.objects.filter(pk=c.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    c.refresh_from_db()
    return c


def _register(user, **kw):
    received = kw.get("received_on") or timezone.localdate()
    received = date.fromisoformat(received) if isinstance(received, str) else received
    args = dict(
        source="provincial_centre",
        reference="TGJ-0001",
        received_on=timezone.localdate().isoformat(),
        matter_on=(received - timedelta(days=40)).isoformat(),  # 40 days before it came
        matter="客户不认可投诉处理结果，申诉要求退费",
        phone=PHONE,
        confirm_warnings=True,
    )
    return appeals.register_appeal(user, **(args | kw))


def _refused(fn) -> ServiceError:
    with pytest.raises(ServiceError) as e:
        fn()
    return e.value


# --- P2, L1: deadlines --------------------------------------------------------------------


@pytest.mark.django_db
def test_p2_l1_deadlines_per_source_count_working_days_across_the_national_day(desk, customer):
    """Received Thursday 24 Sep 2026: Friday 25 is the Mid-Autumn holiday and 1–7 October the
    National Day, so five working days end on Friday 9 October (not 1 October); the appeal
    centre answers in 30 calendar days, the company's own quality line in 15 (L1)."""
    received = date(2026, 9, 24)
    centre = _register(
        desk, reference="TGJ-0924", received_on=received.isoformat(), matter_on="2026-09-01"
    )
    line = _register(
        desk,
        source="quality_line",
        reference="ZJ-0924",
        received_on="2026-09-24",
        matter_on="2026-09-01",
    )
    a, b = Appeal.objects.get(case=centre), Appeal.objects.get(case=line)
    assert a.accept_due == _end(date(2026, 10, 9))
    assert a.answer_due == _end(date(2026, 10, 24))
    assert b.accept_due == _end(date(2026, 10, 9))
    assert b.answer_due == _end(date(2026, 10, 9))
    # no materials date: the answer is the reply deadline, and the case's due time
    assert a.reply_due == a.answer_due == Case.objects.get(pk=centre.pk).due_at
    # an administrator tightens a source: the next appeal from it follows
    a.source.answer_within, a.source.answer_working_days = 10, True
    a.source.save()
    later = Appeal.objects.get(case=_register(desk, reference="TGJ-0925", received_on=received))
    # 28–30 Sep, then 8, 9, 10 (a Saturday worked in exchange), 12, 13, 14, 15 Oct
    assert later.answer_due == _end(date(2026, 10, 15))


@pytest.mark.django_db
def test_p2_the_materials_date_is_the_hard_deadline_and_the_case_due_time(desk, customer):
    today = timezone.localdate()
    soon = _register(desk, reference="TGJ-A", materials_due=(today + timedelta(days=3)).isoformat())
    plain = _register(desk, reference="TGJ-B")
    late_materials = _register(
        desk, reference="TGJ-C", materials_due=(today + timedelta(days=60)).isoformat()
    )
    a = Appeal.objects.get(case=soon)
    assert a.reply_due == _end(today + timedelta(days=3)) < a.answer_due
    assert Case.objects.get(pk=soon.pk).due_at == a.reply_due
    # materials wanted after the answer is due: the answer stays the deadline
    c = Appeal.objects.get(case=late_materials)
    assert c.reply_due == c.answer_due
    # the list: the nearest hard deadline first, the materials named as the reason
    rows = appeal_list(desk)
    assert [r["number"] for r in rows][:1] == [soon.number]
    assert {r["number"] for r in rows} == {soon.number, plain.number, late_materials.number}
    assert rows[0]["hard_is_materials"] and rows[0]["reply"]["days"] == 3
    page = client_for(desk).get(f"/cases/{soon.pk}/").content.decode()
    assert 'id="deadline-materials"' in page and "硬期限" in page
    assert page.index('id="deadline-materials"') < page.index('id="deadline-answer"')


# --- P2: bad input --------------------------------------------------------------------------


@pytest.mark.django_db
def test_p2_an_appeal_without_source_or_reference_is_422_naming_the_field(desk, customer):
    c = client_for(desk)
    form = {
        "source": "provincial_centre",
        "reference": "TGJ-9",
        "received_on": timezone.localdate().isoformat(),
        "matter_on": timezone.localdate().isoformat(),
        "phone": PHONE,
        "matter": "申诉内容",
        "confirm_warnings": "1",
    }
    for field in ("source", "reference"):
        r = c.post("/appeals/new", form | {field: ""})
        assert r.status_code == 422
        assert f'data-field="{field}"' in r.content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    e = _refused(lambda: _register(desk, received_on=tomorrow))
    assert (e.code, e.field) == ("future_date", "received_on")
    e = _refused(lambda: _register(desk, source="nowhere"))
    assert (e.code, e.field) == ("unknown_appeal_source", "source")
    e = _refused(lambda: _register(desk, phone=""))
    assert (e.code, e.field) == ("required", "phone")
    e = _refused(lambda: _register(desk, matter="  "))
    assert (e.code, e.field) == ("required", "matter")
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    today = timezone.localdate().isoformat()
    e = _refused(lambda: _register(desk, received_on=week_ago, matter_on=today))
    assert (e.code, e.field) == ("invalid_date", "matter_on")
    assert not Case.objects.filter(kind="appeal").exists() and not Appeal.objects.exists()
    # the same reference of the same source twice: 409, the first stays alone
    _register(desk, reference="TGJ-9")
    e = _refused(lambda: _register(desk, reference="TGJ-9"))
    assert (e.status, e.code, e.field) == (409, "duplicate_appeal", "reference")
    e = _refused(lambda: _register(desk, reference=" tgj-9 "))  # the same, in small letters
    assert (e.status, e.code) == (409, "duplicate_appeal")
    _register(desk, source="consumer_assoc", reference="TGJ-9")  # another source's number
    assert Case.objects.filter(kind="appeal").count() == Appeal.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_p2_the_same_reference_registered_at_once_by_two_people_is_one_appeal(hall, customer):
    _seed_sources()
    users = [make_staff("complaint_desk", hall) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def register(user):
        try:
            barrier.wait()
            results.append(_register(user, reference="TGJ-RACE").number)
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str)[-1] == "duplicate_appeal"
    assert sum(str(r).startswith("SS") for r in results) == 1
    assert Appeal.objects.count() == Case.objects.filter(kind="appeal").count() == 1


# --- L1: intake warnings ----------------------------------------------------------------


@pytest.mark.django_db
def test_l1_intake_warnings_billing_5_months_other_2_years_no_earlier_complaint(desk, customer):
    today = timezone.localdate()
    billing_old = (today - timedelta(days=160)).isoformat()  # over 5 months
    billing_recent = (today - timedelta(days=120)).isoformat()  # 4 months
    other_old = (today - timedelta(days=2 * 366 + 5)).isoformat()

    # first submit: refused with the warnings, nothing written
    e = _refused(
        lambda: _register(desk, billing_dispute=True, matter_on=billing_old, confirm_warnings=False)
    )
    assert (e.code, e.field) == ("unconfirmed_warnings", "confirm_warnings")
    assert e.extra["warnings"] == ["billing_over_5_months", "no_earlier_complaint"]
    assert "5个月" in e.zh and not Appeal.objects.exists()
    # the page shows them with the box to confirm
    r = client_for(desk).post(
        "/appeals/new",
        {
            "source": "provincial_centre",
            "reference": "TGJ-W",
            "received_on": today.isoformat(),
            "matter_on": billing_old,
            "billing_dispute": "1",
            "phone": PHONE,
            "matter": "申诉内容",
        },
    )
    page = r.content.decode()
    assert r.status_code == 422 and 'id="appeal-confirm"' in page and "超过5个月" in page
    # confirmed: registered, the warnings stored and shown on its page
    case = _register(desk, reference="TGJ-W", billing_dispute=True, matter_on=billing_old)
    assert Appeal.objects.get(case=case).warnings == [
        "billing_over_5_months",
        "no_earlier_complaint",
    ]
    assert "超过5个月" in client_for(desk).get(f"/cases/{case.pk}/").content.decode()

    # after a complaint on record: a recent billing dispute warns of nothing
    _complaint(desk, customer)
    recent = _register(desk, reference="TGJ-R", billing_dispute=True, matter_on=billing_recent)
    assert Appeal.objects.get(case=recent).warnings == []
    # the same 4-month-old matter is no warning either when it is not billing; 2 years is
    assert appeals.intake_warnings(
        customer=customer,
        phone=PHONE,
        billing_dispute=False,
        matter_on=date.fromisoformat(other_old),
        received_on=today,
    ) == ["other_over_2_years"]
    assert (
        appeals.intake_warnings(
            customer=customer,
            phone=PHONE,
            billing_dispute=False,
            matter_on=date.fromisoformat(billing_old),
            received_on=today,
        )
        == []
    )


@pytest.mark.django_db
def test_l1_a_complaint_after_the_appeal_arrived_is_no_earlier_complaint(desk, customer):
    received = timezone.localdate() - timedelta(days=10)
    _complaint(desk, customer, days_ago=2)  # made after the appeal was received
    assert appeals.intake_warnings(
        customer=customer,
        phone=PHONE,
        billing_dispute=False,
        matter_on=received,
        received_on=received,
    ) == ["no_earlier_complaint"]


# --- P2: links to earlier complaints --------------------------------------------------------


@pytest.mark.django_db
def test_p2_an_appeal_links_the_customers_complaints_shown_on_both_pages(desk, customer):
    older = _complaint(desk, customer, days_ago=60, subject="九月话费异常")
    newer = _complaint(desk, customer, days_ago=20, subject="十月提速包扣费")
    someone_else = _complaint(desk, make_customer(phone="13900006666"), days_ago=5)
    assert list(appeals.linkable_complaints(desk, customer)) == [newer, older]  # newest first

    # the form offers them once the number is typed
    page = client_for(desk).post("/appeals/new", {"phone": PHONE, "find": "1"}).content.decode()
    assert page.index(newer.number) < page.index(older.number)
    assert someone_else.number not in page

    e = _refused(lambda: _register(desk, complaints=[someone_else.pk]))
    assert (e.code, e.field) == ("invalid_choice", "complaints")
    case = _register(desk, complaints=[older.pk, newer.pk])
    appeal = Appeal.objects.get(case=case)
    assert set(appeal.complaints.all()) == {older, newer}
    assert appeal.warnings == []  # complaints on record
    assert appeal.hall == newer.hall

    c = client_for(desk)
    appeal_page = c.get(f"/cases/{case.pk}/").content.decode()
    assert older.number in appeal_page and newer.number in appeal_page
    for complaint in (older, newer):
        page = c.get(f"/cases/{complaint.pk}/").content.decode()
        assert 'id="linked-appeals"' in page and case.number in page
    assert case.number not in c.get(f"/cases/{someone_else.pk}/").content.decode()


# --- P3: the liability decision --------------------------------------------------------------


def _investigating(user, **kw):
    case = _register(user, **kw)
    case, _ = cases.act(user, case.pk, "investigate", version=case.version)
    return case


@pytest.mark.django_db
def test_p3_liability_refusals_name_the_field_and_change_nothing(desk, customer):
    registered = _register(desk, reference="TGJ-0")
    e = _refused(
        lambda: appeals.decide(
            desk,
            registered.pk,
            version=1,
            liability="customer",
            reason="用户操作不当",
            evidence="详单",
        )
    )
    assert (e.status, e.code) == (409, "invalid_transition")  # facts first: investigate

    case = _investigating(desk)
    v = case.version
    base = dict(version=v, liability="company", company_fault="stalling", evidence="受理单")
    for payload, field in (
        (base | {"reason": ""}, "reason"),
        (base | {"liability": "", "reason": "未按时答复"}, "liability"),
        (base | {"liability": "fault", "reason": "未按时答复"}, "liability"),
        (base | {"company_fault": "", "reason": "未按时答复"}, "company_fault"),
        (base | {"company_fault": "rude", "reason": "未按时答复"}, "company_fault"),
        (
            base | {"liability": "withdrawn", "company_fault": "", "reason": "已由法院受理"},
            "withdrawal",
        ),
        (base | {"liability": "customer", "reason": "用户原因"}, "company_fault"),
        (base | {"evidence": "", "reason": "未按时答复"}, "evidence"),
        (base | {"major": True, "reason": "未按时答复"}, "major_reason"),
    ):
        e = _refused(lambda p=payload: appeals.decide(desk, case.pk, **p))
        assert (e.status, e.field) == (422, field), payload
    case.refresh_from_db()
    appeal = Appeal.objects.get(case=case)
    assert (case.status, case.version, appeal.liability, appeal.decided_at) == (
        "investigating",
        v,
        "",
        None,
    )
    assert not case.events.filter(kind="decide_liability").exists()

    # the page's form: the refusal beside it, in words
    r = client_for(desk).post(
        f"/appeals/{case.pk}/decide",
        {"version": v, "liability": "company", "company_fault": "stalling", "evidence": "受理单"},
        follow=True,
    )
    assert "请填写定责理由" in r.content.decode()
    assert Appeal.objects.get(case=case).liability == ""


@pytest.mark.django_db
def test_p3_each_liability_is_recorded_with_who_when_and_within_the_deadline(desk, customer):
    for i, (liability, extra, shown) in enumerate(
        (
            ("company", {"company_fault": "late_reply"}, "超过回复日期"),
            ("handled_properly", {}, "先期处理得当"),
            ("withdrawn", {"withdrawal": "impersonated"}, "他人假冒用户名义申诉"),
            ("customer", {}, "用户原因"),
        )
    ):
        case = _investigating(desk, reference=f"TGJ-L{i}")
        appeals.decide(
            desk,
            case.pk,
            version=case.version,
            liability=liability,
            reason="经核查受理单与详单得出结论",
            evidence="业务受理单、通话详单",
            **extra,
        )
        case.refresh_from_db()
        a = Appeal.objects.get(case=case)
        assert case.status == "decided"
        assert (a.liability, a.decided_by, a.decided_in_time) == (liability, desk, True)
        assert a.company_fault == extra.get("company_fault", "")
        assert a.withdrawal == extra.get("withdrawal", "")
        page = client_for(desk).get(f"/cases/{case.pk}/").content.decode()
        assert shown in page and 'id="decided-in-time"' in page and "期限内定责" in page

    # a decision after the hard deadline is stored as late
    late = _investigating(desk, reference="TGJ-LATE")
    Appeal.objects.filter(case=late).update(reply_due=timezone.now() - timedelta(hours=1))
    appeals.decide(
        desk,
        late.pk,
        version=late.version,
        liability="customer",
        reason="用户自行订购",
        evidence=f"{PHONE}发出的订购短信",
    )
    assert Appeal.objects.get(case=late).decided_in_time is False
    page = client_for(desk).get(f"/cases/{late.pk}/").content.decode()
    assert "超期定责" in page and "订购短信" in page
    assert PHONE not in page  # the number typed into the evidence is masked (V2)


@pytest.mark.django_db
def test_p3_the_monthly_figures_count_source_major_sub_reasons_and_late_replies(
    desk, customer, hall
):
    west = make_hall("west-hall")
    west_desk = make_staff("complaint_desk", west)
    stalling = _investigating(desk, reference="M1")
    appeals.decide(
        desk,
        stalling.pk,
        version=stalling.version,
        liability="company",
        company_fault="stalling",
        reason="多次来电未答复",
        evidence="来电记录",
        major=True,
        major_reason="群体性投诉苗头",
    )
    error = _investigating(desk, source="miit_centre", reference="M2")
    appeals.decide(
        desk,
        error.pk,
        version=error.version,
        liability="company",
        company_fault="staff_error",
        reason="营业员录错套餐",
        evidence="受理单",
    )
    Appeal.objects.filter(case=error).update(reply_due=timezone.now() - timedelta(hours=1))
    error.refresh_from_db()
    cases.act(desk, error.pk, "reply", version=error.version, resolution="已答复工信部申诉中心")
    _register(desk, source="consumer_assoc", reference="M3")  # undecided
    _register(west_desk, reference="W1")  # another hall's
    last_year = (timezone.localdate() - timedelta(days=400)).isoformat()
    _register(desk, reference="OLD", received_on=last_year)  # another month

    f = appeal_figures([hall], timezone.localdate())
    by_source = {s["code"]: s["count"] for s in f["by_source"]}
    assert f["total"] == 3
    assert by_source == {
        "quality_line": 0,
        "consumer_assoc": 1,
        "provincial_centre": 1,
        "group": 0,
        "miit_centre": 1,
    }
    assert (f["major"], f["decided"], f["company_liability"]) == (1, 2, 2)
    assert f["company_by_reason"]["stalling"] == f["company_by_reason"]["staff_error"] == 1
    assert f["company_by_reason"]["violation"] == 0
    assert (f["replied_late"], f["past_deadline"]) == (1, 1)
    assert Appeal.objects.get(case=error).replied_late is True
    assert Case.objects.get(pk=error.pk).status == "replied"
    assert appeal_figures(None, timezone.localdate())["total"] == 4
    assert appeal_figures([west.pk], timezone.localdate())["total"] == 1


# --- P2: halls ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_p2_another_halls_appeal_is_404(desk, customer, hall):
    case = _investigating(desk, reference="TGJ-H")
    west = make_hall("west-hall")
    for role in ("hall_manager", "complaint_desk"):
        other = make_staff(role, west)
        c = client_for(other)
        assert c.get(f"/cases/{case.pk}/").status_code == 404
        r = c.post(
            f"/appeals/{case.pk}/decide",
            {
                "version": case.version,
                "liability": "customer",
                "reason": "用户原因",
                "evidence": "x",
            },
        )
        assert r.status_code == 404
        assert case.number not in c.get("/appeals/?state=any").content.decode()
        e = _refused(
            lambda u=other: appeals.decide(
                u,
                case.pk,
                version=case.version,
                liability="customer",
                reason="用户原因",
                evidence="x",
            )
        )
        assert (e.status, e.field) == (404, "case")
    assert Appeal.objects.get(case=case).liability == ""
    # their own hall's manager lists it, in every list it belongs to
    own = client_for(make_staff("hall_manager", hall))
    for state in ("", "open", "any", "investigating"):
        assert case.number in own.get(f"/appeals/?state={state}").content.decode(), state
    assert case.number not in own.get("/appeals/?state=closed").content.decode()
    # a clerk neither registers nor decides appeals
    clerk = make_staff("clerk", hall)
    assert client_for(clerk).get("/appeals/new").status_code == 403
    e = _refused(lambda: _register(clerk, reference="TGJ-CLERK"))
    assert e.status == 403
