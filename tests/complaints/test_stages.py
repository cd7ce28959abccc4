"""A complaint's three stages (P1): accept (the four steps in the handbook's order), understand
and clarify (the causes in its order, a basis), resolve (holds or not, remedy, basis, the reply
time) in the engine's order, then the shared closed loop to the survey; a grumble settled on the
spot is not counted; responsibility recorded while the owner keeps the case (C4); the phrases
the handbook forbids refused on every text staff write, as data an administrator edits; L1's
15 days; intake at the complaint desk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.cases import services
from servicehall.cases.models import Case, CaseEvent
from servicehall.complaints import selectors as complaint_selectors
from servicehall.complaints.models import ComplaintRecord, ForbiddenPhrase
from servicehall.complaints.services import set_responsibility
from servicehall.core.errors import ServiceError
from servicehall.core.models import SmsMessage
from servicehall.customers.models import PhoneNumber
from servicehall.knowledge.models import Conversation
from servicehall.surveys.models import Survey
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

STEPS = ["listen", "ask", "calm", "confirm"]


@pytest.fixture
def desk(hall, clerk):
    """The hall's complaint desk, the clerk on it."""
    return factories.make_desk("complaint", hall, lead=clerk, members=[clerk])


def complaint(user, **kw) -> Case:
    if not PhoneNumber.objects.filter(number="13900005678").exists():
        factories.make_customer(phone="13900005678")
    values = dict(
        kind="complaint",
        channel="walk_in",
        category="complaint",
        description="客户称营业员办理套餐变更时未告知合约期，要求取消合约。",
        phone="13900005678",
    )
    return services.open_case(user, **(values | kw))


def accept(user, case, steps=STEPS, **kw):
    payload = dict(words="你们根本没说有合约期！", request="取消合约并退还违约金") | kw
    return services.act(user, case.pk, "accept", version=case.version, steps=steps, **payload)[0]


def clarify(user, case, **kw):
    payload = (
        dict(
            causes=["objective", "company"],
            explanation="合约期须在受理单上告知并由客户签字确认",
            policy="《业务受理规范》第三条",
        )
        | kw
    )
    return services.act(user, case.pk, "clarify", version=case.version, **payload)[0]


def resolve(user, case, **kw):
    payload = (
        dict(
            holds="yes",
            reason="受理单无客户对合约期的签字确认",
            remedy="取消合约，免除违约金",
            basis="《业务受理规范》第三条",
            reply_at=timezone.now() + timedelta(days=2),
        )
        | kw
    )
    return services.act(user, case.pk, "resolve", version=case.version, **payload)[0]


def refused(fn, *args, **kw) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        fn(*args, **kw)
    return exc.value


def test_p1_accept_needs_the_four_steps_in_the_handbooks_order(clerk, desk):
    case = complaint(clerk)
    err = refused(accept, clerk, case, steps=["listen", "calm", "ask", "confirm"])
    assert (err.status, err.code, err.field) == (422, "steps_out_of_order", "steps")
    assert "倾听→安抚→询问→确认" in err.zh
    err = refused(accept, clerk, case, steps=["listen", "ask", "confirm"])
    assert (err.status, err.code, err.field) == (422, "steps_incomplete", "steps")
    assert "安抚" in err.zh
    # with the times they were ticked, the times decide the order
    t = timezone.now()
    timed = [f"{s}@{(t + timedelta(seconds=i)).isoformat()}" for i, s in enumerate(STEPS)]
    err = refused(
        accept, clerk, case, steps=[timed[0], timed[1], timed[3], "calm@" + t.isoformat()]
    )
    assert err.code == "steps_out_of_order"
    case.refresh_from_db()
    assert case.status == "accepting" and not ComplaintRecord.objects.filter(case=case).exists()
    case = accept(clerk, case, steps=list(reversed(timed)))  # sent in any order, ticked in order
    assert case.status == "clarifying"
    record = ComplaintRecord.objects.get(case=case)
    assert [s["step"] for s in record.steps] == STEPS
    assert record.customer_words == "你们根本没说有合约期！"
    assert record.customer_request == "取消合约并退还违约金"


def test_p1_a_stage_out_of_order_is_the_engines_409(clerk, desk):
    case = complaint(clerk)
    err = refused(clarify, clerk, case)
    assert (err.status, err.code) == (409, "invalid_transition")
    assert [a["action"] for a in err.extra["allowed"]] == ["accept", "settle_grumble"]
    err = refused(resolve, clerk, case)
    assert err.status == 409
    case = accept(clerk, case)
    assert refused(resolve, clerk, case).status == 409


def test_p1_clarify_records_causes_in_the_handbooks_order_with_a_basis(clerk, desk):
    case = accept(clerk, complaint(clerk))
    err = refused(clarify, clerk, case, causes=["company", "customer"])
    assert (err.status, err.code, err.field) == (422, "causes_out_of_order", "causes")
    err = refused(clarify, clerk, case, causes=[])
    assert (err.code, err.field) == ("required", "causes")
    err = refused(clarify, clerk, case, policy="")
    assert (err.code, err.field) == ("required", "basis")
    err = refused(clarify, clerk, case, policy="", article="999999")
    assert (err.status, err.code, err.field) == (422, "unknown_article", "article")
    case = clarify(clerk, case, causes=["customer", "both", "company"])
    record = ComplaintRecord.objects.get(case=case)
    assert (record.cause_customer, record.cause_objective) == (True, False)
    assert (record.cause_both, record.cause_company) == (True, True)
    assert record.basis_policy == "《业务受理规范》第三条"
    assert case.status == "resolving"


def test_p1_resolve_needs_its_basis_and_a_future_reply_time(clerk, desk):
    case = clarify(clerk, accept(clerk, complaint(clerk)))
    err = refused(resolve, clerk, case, basis="")
    assert (err.status, err.code, err.field) == (422, "required", "basis")
    err = refused(resolve, clerk, case, holds="")
    assert (err.code, err.field) == ("required", "holds")
    err = refused(resolve, clerk, case, reply_at=timezone.now() - timedelta(hours=1))
    assert (err.status, err.field) == (422, "reply_at")
    case.refresh_from_db()
    assert case.status == "resolving" and case.resolution == ""


def test_p1_a_complaint_through_the_three_stages_to_the_survey(
    clerk, desk, django_capture_on_commit_callbacks
):
    case = complaint(clerk)
    case = clarify(clerk, accept(clerk, case), article="")
    reply_at = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        case = resolve(clerk, case, holds="no", reply_at=reply_at)
    case.refresh_from_db()
    assert case.status == "resolved"
    assert case.resolution.startswith("投诉不成立：受理单无客户")
    assert "依据：《业务受理规范》第三条" in case.resolution
    assert case.promised_at == reply_at
    record = ComplaintRecord.objects.get(case=case)
    assert record.holds is False and record.remedy == "取消合约，免除违约金"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[:4] == ["opened", "accept", "clarify", "resolve"]
    assert "survey_sent" in kinds  # the shared closed loop: the survey text went out
    survey = Survey.objects.get(case=case)
    assert SmsMessage.objects.filter(purpose="survey", text__contains=case.number).exists()
    services.customer_answer(case.pk, satisfied=True)
    case.refresh_from_db()
    assert case.status == "closed" and survey.case_id == case.pk


def test_p1_a_grumble_is_recorded_and_not_counted_as_a_complaint(clerk, desk, hall):
    counted = complaint(clerk)
    counted = services.act(
        clerk,
        counted.pk,
        "accept",
        version=counted.version,
        steps=["listen", "ask", "calm", "confirm"],
        words="我要投诉你们乱收费",
        request="退费",
    )[0]
    not_yet = complaint(clerk, description="客户在线说“我要投诉”，尚未受理")  # not counted yet
    grumble = complaint(clerk, description="客户抱怨排队时间长")
    services.act(
        clerk,
        grumble.pk,
        "settle_grumble",
        version=grumble.version,
        resolution="解释了月初缴费高峰，已引导使用自助缴费机",
    )
    grumble.refresh_from_db()
    assert grumble.status == "grumble" and grumble.is_closed
    assert ComplaintRecord.objects.get(case=grumble).grumble is True
    today = timezone.localdate()
    got = complaint_selectors.complaints_in([hall], (today.replace(day=1), today))
    assert list(got) == [counted] and not_yet not in got
    assert not complaint_selectors.complaints_in(
        [hall], (today - timedelta(days=40), today - timedelta(days=35))
    ).exists()


def test_p1_responsibility_is_recorded_and_the_owner_keeps_the_case(clerk, desk, hall):
    case = complaint(clerk)
    other = factories.make_staff("clerk", hall)
    services.transfer(clerk, case.pk, version=case.version, desk="complaint", summary="转投诉专席")
    case.refresh_from_db()
    err = refused(
        set_responsibility, clerk, case.pk, version=case.version, responsible="partner", name=""
    )
    assert (err.code, err.field) == ("required", "responsible_name")
    case = set_responsibility(
        clerk, case.pk, version=case.version, responsible="partner", name="城东代理点（星河通讯）"
    )
    case = set_responsibility(
        clerk, case.pk, version=case.version, responsible="department", name="市场部"
    )
    record = ComplaintRecord.objects.get(case=case)
    assert (record.responsible, record.responsible_name) == ("department", "市场部")
    events = CaseEvent.objects.filter(case=case, kind="responsibility").order_by("pk")
    assert [e.note for e in events] == ["代理商/合作商：城东代理点（星河通讯）", "其他部门：市场部"]
    case.refresh_from_db()
    assert case.owner == clerk  # first contact owns it (C4), whoever is responsible
    assert case.desk == desk
    # a stale version is refused, and someone not on the case cannot change it
    err = refused(set_responsibility, clerk, case.pk, version=case.version - 1, responsible="hall")
    assert err.code == "stale_version"
    err = refused(set_responsibility, other, case.pk, version=case.version, responsible="hall")
    assert err.status == 404
    # not a complaint: refused
    order = services.open_case(
        clerk,
        kind="work_order",
        channel="walk_in",
        category="complaint",
        description="x",
        phone="13900005678",
    )
    err = refused(set_responsibility, clerk, order.pk, version=order.version, responsible="hall")
    assert err.code == "not_a_complaint"


def test_p1_forbidden_phrases_are_refused_on_notes_replies_and_stages(clerk, desk):
    case = complaint(clerk)
    before = CaseEvent.objects.count()
    err = refused(services.comment, clerk, case.pk, note="实在不行，你 去 消协，告我！")
    assert (err.status, err.code, err.field) == (422, "forbidden_phrase", "note")
    assert "去消协告我" in err.zh and "暗示法" in err.zh
    err = refused(accept, clerk, case, words="客户很生气", request="你可以去法院告我")
    assert (err.code, err.field) == ("forbidden_phrase", "request")
    assert "你可以去法院告我" in err.zh or "去法院告我" in err.zh
    # the customer's threat reported in a note is not the phrase
    services.comment(clerk, case.pk, note="客户说要去消协告我们，已安抚")
    assert CaseEvent.objects.count() == before + 1
    case.refresh_from_db()
    assert case.status == "accepting"
    # an administrator takes the phrases off the list (in the admin): allowed again
    admin = factories.make_staff("administrator")
    web = client_for(admin)
    for p in ForbiddenPhrase.objects.filter(phrase__contains="消协"):
        r = web.post(f"/admin/complaints/forbiddenphrase/{p.pk}/delete/", {"post": "yes"})
        assert r.status_code == 302
    services.comment(clerk, case.pk, note="你去消协告我")
    assert CaseEvent.objects.count() == before + 2


def test_p1_forbidden_phrase_refused_in_a_chat_reply(hall, clerk, desk):
    from servicehall.cases.services import chat as routing
    from servicehall.knowledge import chat

    factories.make_staff("channel", hall, username="online")
    clerk.last_login = timezone.now()
    clerk.save(update_fields=["last_login"])
    factories.make_desk("front", hall, members=[clerk])  # where a chat handed over goes

    conversation = chat.start("web")
    conversation.messages.create(sender="customer", text="你们乱扣费，我要投诉")
    case = routing.open_from_chat(conversation.token)
    messages = Conversation.objects.get(pk=conversation.pk).messages.count()
    err = refused(services.reply_in_chat, case.handler, case.pk, text="那你去工信部告我吧")
    assert (err.status, err.code, err.field) == (422, "forbidden_phrase", "text")
    assert Conversation.objects.get(pk=conversation.pk).messages.count() == messages
    assert not case.events.filter(kind="chat_reply").exists()
    services.reply_in_chat(case.handler, case.pk, text="非常理解您的心情，我马上为您核查")
    assert case.events.filter(kind="chat_reply").count() == 1


def test_p1_forbidden_phrase_shown_on_the_case_page(clerk, desk):
    case = complaint(clerk)
    web = client_for(clerk)
    r = web.post(
        f"/cases/{case.pk}/comment", {"note": "你可上法院、信产部、消协告我去"}, follow=True
    )
    assert "禁语" in r.content.decode()
    assert not case.events.filter(kind="commented").exists()


def test_l1_a_complaint_is_due_in_15_days_at_the_complaint_desk(clerk, desk, hall):
    other = factories.make_desk("front", hall, members=[clerk])
    case = complaint(clerk)
    assert case.sla_policy.name == "投诉"
    assert case.due_at - case.created_at == timedelta(days=15)
    assert case.desk == desk and case.owner == clerk  # P1: the complaint desk, owned by intake
    chosen = complaint(clerk, desk="front")
    assert chosen.desk == other


def test_p1_the_case_page_takes_the_stages_with_the_script_panel(clerk, desk):
    case = complaint(clerk)
    web = client_for(clerk)
    page = web.get(f"/cases/{case.pk}/").content.decode()
    for technique in ("重复法", "暗示法", "以退为进法", "转移法"):
        assert technique in page
    assert 'id="accept"' in page and 'id="settle_grumble"' in page
    assert page.count('id="accept"') == 1  # the stage's own form, not the generic one too
    # out of order: refused beside the form, what was typed kept, nothing recorded
    url = f"/cases/{case.pk}/complaint/accept"
    form = {"version": case.version, "words": "原话甲", "request": "诉求乙"}
    r = web.post(url, form | {"steps_order": "listen,calm,ask,confirm"})
    body = r.content.decode()
    assert r.status_code == 422 and "顺序不能颠倒" in body and "原话甲" in body
    case.refresh_from_db()
    assert case.status == "accepting"
    r = web.post(url, form | {"steps_order": "listen,ask,calm,confirm"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "clarifying"
    r = web.post(
        f"/cases/{case.pk}/complaint/responsibility",
        {"version": case.version, "responsible": "partner", "responsible_name": "星河通讯"},
    )
    assert r.status_code == 302
    page = web.get(f"/cases/{case.pk}/").content.decode()
    assert "原话甲" in page and 'id="clarify"' in page and "星河通讯" in page


def test_p1_the_stages_through_the_api(clerk, desk, api_as):
    case = complaint(clerk)
    api = api_as(clerk)
    words = {"words": "原话", "request": "诉求"}
    r = api.post(
        f"/complaints/{case.pk}/accept",
        {"version": case.version, "steps": ["ask", "listen", "calm", "confirm"]} | words,
    )
    assert r.status_code == 422
    assert (r.json()["code"], r.json()["field"]) == ("steps_out_of_order", "steps")
    r = api.post(
        f"/complaints/{case.pk}/clarify",
        {"version": case.version, "causes": ["company"], "explanation": "x", "policy": "y"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    r = api.post(f"/complaints/{case.pk}/accept", {"version": case.version, "steps": STEPS} | words)
    assert r.status_code == 200 and r.json()["status"] == "clarifying"
    version = r.json()["version"]
    r = api.post(
        f"/complaints/{case.pk}/clarify",
        {"version": version, "causes": ["customer"], "explanation": "说明", "article": 999999},
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "unknown_article",
        "article",
    )
    r = api.post(
        f"/complaints/{case.pk}/clarify",
        {"version": version, "causes": ["customer"], "explanation": "说明", "policy": "资费规定"},
    )
    assert r.status_code == 200
    reply_at = (timezone.now() + timedelta(days=1)).isoformat()
    body = {"version": r.json()["version"], "holds": False, "reason": "理由", "remedy": "解释"}
    r = api.post(f"/complaints/{case.pk}/resolve", body | {"basis": "", "reply_at": reply_at})
    assert (r.status_code, r.json()["field"]) == (422, "basis")
    r = api.post(
        f"/complaints/{case.pk}/resolve", body | {"basis": "资费规定", "reply_at": reply_at}
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert r.json()["resolution"].startswith("投诉不成立")


def test_v2_p1_numbers_typed_into_a_stage_are_masked_on_the_page_and_the_api(clerk, desk, api_as):
    case = complaint(clerk)
    accept(clerk, case, words="我的副卡13912345678被停机了", request="恢复13912345678的通话")
    page = client_for(clerk).get(f"/cases/{case.pk}/").content.decode()
    assert "13912345678" not in page and "被停机了" in page
    r = api_as(clerk).get(f"/cases/{case.pk}")
    assert r.status_code == 200 and "13912345678" not in r.content.decode()


def test_p1_a_forbidden_phrase_too_short_to_mean_anything_is_refused_in_the_admin(db):
    """ "a" would refuse every note, "。，！" could never match: the admin keeps neither."""
    web = client_for(factories.make_staff("administrator"))
    before = ForbiddenPhrase.objects.count()
    for phrase in ("a", "。，！", " 告 我 "):
        r = web.post(
            "/admin/complaints/forbiddenphrase/add/",
            {"phrase": phrase, "why": "测试", "active": "on"},
        )
        assert r.status_code == 200 and "至少应有3个字" in r.content.decode(), phrase
    assert ForbiddenPhrase.objects.count() == before
    r = web.post(
        "/admin/complaints/forbiddenphrase/add/",
        {"phrase": "你去告我吧", "why": "测试", "active": "on"},
    )
    assert r.status_code == 302 and ForbiddenPhrase.objects.count() == before + 1
