"""K1: the review workflow of knowledge articles — transitions, who may take them, versions, and
the published version serving while a newer one is drafted."""

import pytest

from servicehall.core.errors import Conflict, ServiceError
from servicehall.knowledge import search, selectors, services
from servicehall.knowledge.models import Article, ArticleEvent, Status
from tests import factories

pytestmark = pytest.mark.django_db


def test_k1_draft_submit_approve_publish(author, reviewer):
    a = services.create_article(
        author, title="补换SIM卡", body="本人携带有效身份证件到营业厅办理。", kind="faq"
    )
    assert a.status == Status.DRAFT and a.head.number == 1 and a.published is None
    a = services.act(author, a.pk, "submit", version=1)
    assert a.status == Status.SUBMITTED
    a = services.act(reviewer, a.pk, "approve", version=1)
    assert a.status == Status.REVIEWED
    assert a.head.reviewed_by == reviewer and a.head.reviewed_at is not None
    a = services.act(reviewer, a.pk, "publish", version=1)
    assert a.status == Status.PUBLISHED and a.published == a.head
    assert a.head.published_by == reviewer and a.is_live
    kinds = list(
        ArticleEvent.objects.filter(article=a).values_list("kind", "from_status", "to_status")
    )
    assert kinds == [
        ("created", "", "draft"),
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "reviewed"),
        ("publish", "reviewed", "published"),
    ]


def test_k1_published_version_keeps_serving_while_a_new_draft_exists(author, reviewer, publish):
    a = publish("停机保号", "停机保号每月收取少量保号费，号码为您保留。")
    a = services.edit_article(
        author, a.pk, version=1, body="停机保号期间号码保留，不能通话和上网。", note="补充说明"
    )
    assert a.status == Status.DRAFT and a.head.number == 2
    assert a.published.number == 1 and a.is_live
    # readers and search still get version 1
    clerk = factories.make_staff("clerk", a.created_by.staff.hall)
    shown = selectors.detail(selectors.get_visible(clerk, a.pk), clerk)
    assert "每月收取少量保号费" in shown["published"]["body"] and shown["head"] is None
    assert search.search("收取")[0].article_id == a.pk
    assert search.search("通话") == []
    services.act(author, a.pk, "submit", version=2)
    services.act(reviewer, a.pk, "approve", version=2)
    a = services.act(reviewer, a.pk, "publish", version=2)
    assert a.published.number == 2 and a.versions.count() == 2
    assert search.search("通话")[0].article_id == a.pk
    assert search.search("收取") == []


def test_k1_every_edit_is_a_new_version(author):
    a = services.create_article(author, title="发票打印", body="电子发票可在网上营业厅下载。")
    for n in range(2, 5):
        a = services.edit_article(author, a.pk, version=n - 1, body=f"电子发票第{n}稿")
        assert a.head.number == n
    assert list(a.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]
    assert a.versions.get(number=1).body == "电子发票可在网上营业厅下载。"


def test_k1_editing_a_reviewed_version_needs_a_new_review(author, reviewer):
    a = services.create_article(author, title="国际漫游开通", body="出境前开通国际漫游。")
    services.act(author, a.pk, "submit", version=1)
    services.act(reviewer, a.pk, "approve", version=1)
    a = services.edit_article(author, a.pk, version=1, title="国际漫游开通条件")
    assert a.status == Status.DRAFT and a.head.reviewed_by is None
    with pytest.raises(Conflict) as exc:
        services.act(reviewer, a.pk, "publish", version=2)
    assert exc.value.code == "invalid_transition" and [
        a["action"] for a in exc.value.extra["allowed"]
    ] == ["archive"]


def test_k1_an_author_may_not_approve_their_own_version(hall, reviewer):
    manager = factories.make_staff("hall_manager", hall)  # may author and review
    a = services.create_article(manager, title="携号转网办理条件", body="在网满一定时间。")
    services.act(manager, a.pk, "submit", version=1)
    assert "approve" not in services.allowed_actions(manager, Article.objects.get(pk=a.pk))
    with pytest.raises(ServiceError) as exc:
        services.act(manager, a.pk, "approve", version=1)
    assert exc.value.code == "own_version" and exc.value.status == 403
    # another reviewer approves; the author, also a publisher, may publish after that review
    services.act(reviewer, a.pk, "approve", version=1)
    assert services.act(manager, a.pk, "publish", version=1).status == Status.PUBLISHED


@pytest.mark.parametrize(
    "role,action",
    [
        ("clerk", "create"),
        ("quality_supervisor", "create"),
        ("care_desk", "approve"),
        ("care_desk", "publish"),
        ("complaint_desk", "archive"),
        ("clerk", "submit"),
    ],
)
def test_k1_permissions(hall, author, role, action):
    user = factories.make_staff(role, hall)
    a = services.create_article(author, title="致歉用语", body="非常抱歉给您带来不便。")
    services.act(author, a.pk, "submit", version=1)
    with pytest.raises(ServiceError) as exc:
        if action == "create":
            services.create_article(user, title="t", body="b")
        else:
            services.act(user, a.pk, action, version=1)
    assert exc.value.status == 403 and exc.value.code == "forbidden"
    assert Article.objects.get(pk=a.pk).status == Status.SUBMITTED


def test_k1_reject_needs_a_note_and_returns_to_draft(author, reviewer):
    a = services.create_article(author, title="首问负责", body="第一位接待的员工负责到底。")
    services.act(author, a.pk, "submit", version=1)
    with pytest.raises(ServiceError) as exc:
        services.act(reviewer, a.pk, "reject", version=1)
    assert exc.value.field == "note"
    a = services.act(reviewer, a.pk, "reject", version=1, note="请补充转交时的要求")
    assert a.status == Status.DRAFT
    assert a.events.last().note == "请补充转交时的要求"


def test_k1_stale_version_and_bad_input_change_nothing(author, reviewer):
    a = services.create_article(author, title="宽带故障自助排查", body="先重启光猫。")
    services.edit_article(author, a.pk, version=1, body="先检查光猫指示灯。")
    with pytest.raises(Conflict) as exc:
        services.edit_article(author, a.pk, version=1, body="别的内容")
    assert exc.value.extra["current_version"] == 2
    for kwargs, field in (
        ({"title": "", "body": "x"}, "title"),
        ({"title": "t", "body": "x" * 20001}, "body"),
        ({"title": "t", "body": "x", "kind": "poem"}, "kind"),
        ({"title": "t", "body": "x", "audience": "everyone"}, "audience"),
        ({"title": "t", "body": "x", "category": "nope"}, "category"),
    ):
        with pytest.raises(ServiceError) as bad:
            services.create_article(author, **kwargs)
        assert bad.value.field == field and bad.value.status == 422
    with pytest.raises(ServiceError) as same:
        services.edit_article(author, a.pk, version=2, body="先检查光猫指示灯。")
    assert same.value.code == "no_change"
    with pytest.raises(ServiceError) as unknown:
        services.act(reviewer, a.pk, "burn", version=2)
    assert unknown.value.status == 404
    assert Article.objects.get(pk=a.pk).head.number == 2 and Article.objects.count() == 1


def test_k1_archive_takes_it_out_of_search_and_freezes_it(author, reviewer, publish):
    a = publish("营业厅营业时间", "营业厅每天早九点至晚六点营业。")
    assert search.search("营业时间")
    services.act(reviewer, a.pk, "archive", version=1, note="已过时")
    assert search.search("营业时间") == []
    with pytest.raises(Conflict):
        services.edit_article(author, a.pk, version=1, body="新内容")
    clerk = factories.make_staff("clerk", a.created_by.staff.hall)
    assert selectors.articles(clerk) == []
    assert [x.pk for x in selectors.articles(reviewer)] == [a.pk]
