"""The knowledge API (K1): search answers, article CRUD and the workflow, and every refusal as a
4xx body with a Chinese and an English message and the field at fault."""

import pytest

from servicehall.knowledge.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def assert_error(r, status: int, field: str | None, code: str | None = None) -> dict:
    assert r.status_code == status, r.content
    body = r.json()
    assert body["message"] and body["message_en"] and body["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    if code:
        assert body["code"] == code
    return body


def test_k1_article_lifecycle_through_the_api(api_as, author, reviewer, hall):
    a = api_as(author)
    r = a.post(
        "/knowledge/articles",
        {
            "title": "补换SIM卡",
            "body": "携带身份证到营业厅补卡，旧卡立即失效。",
            "kind": "faq",
            "audience": "public",
            "category": "sim",
        },
    )
    assert r.status_code == 201, r.content
    art = r.json()
    assert art["status"] == "draft" and art["version"] == 1 and art["category"] == "sim"
    assert art["allowed"] == ["submit", "archive"] or art["allowed"] == ["submit"]
    pk = art["id"]
    assert a.post(f"/knowledge/articles/{pk}/actions/submit", {"version": 1}).status_code == 200
    rv = api_as(reviewer)
    assert (
        rv.post(f"/knowledge/articles/{pk}/actions/approve", {"version": 1}).json()["status"]
        == "reviewed"
    )
    body = rv.post(f"/knowledge/articles/{pk}/actions/publish", {"version": 1}).json()
    assert body["status"] == "published" and body["published"]["number"] == 1
    edited = a.patch(f"/knowledge/articles/{pk}", {"version": 1, "body": "补卡需本人办理。"}).json()
    assert edited["version"] == 2 and edited["published"]["number"] == 1
    assert [v["number"] for v in edited["versions"]] == [2, 1]
    # a clerk reads the published version only
    clerk = api_as(factories.make_staff("clerk", hall))
    seen = clerk.get(f"/knowledge/articles/{pk}").json()
    assert seen["published"]["body"].startswith("携带身份证") and seen["head"] is None
    assert seen["versions"] == [] and seen["allowed"] == []
    hits = clerk.get("/knowledge/search", q="手机卡丢了补办").json()
    assert hits["hits"][0]["article_id"] == pk and hits["message"] == "找到 1 条相关知识"
    assert [c["code"] for c in clerk.get("/knowledge/categories").json()][:2] == [
        "network",
        "number",
    ]
    assert [row["id"] for row in clerk.get("/knowledge/articles").json()] == [pk]


def test_k1_search_bad_input_gets_a_clear_answer(api_as, author, publish):
    publish("宽带故障自助排查", "重启光猫。")
    a = api_as(author)
    assert_error(a.get("/knowledge/search", q=""), 422, "q", "required")
    assert_error(a.get("/knowledge/search", q="  "), 422, "q", "required")
    assert_error(a.get("/knowledge/search", q="宽" * 1001), 422, "q", "too_long")
    assert_error(a.get("/knowledge/search", q="宽带", audience="aliens"), 422, "audience")
    assert_error(a.get("/knowledge/search", q="宽带", limit="many"), 422, "limit")
    for nonsense in ("asdfgh qwerty", "的了吗", "？？？", "🙂"):
        r = a.get("/knowledge/search", q=nonsense)
        assert r.status_code == 200
        assert r.json()["hits"] == [] and "没有找到" in r.json()["message"]
    assert a.get("/knowledge/search", q="宽带", limit=-3).json()["hits"]


def test_k1_api_refusals(api_as, author, reviewer, hall):
    a = api_as(author)
    assert_error(
        a.post("/knowledge/articles", {"title": "", "body": "x"}), 422, "title", "required"
    )
    assert_error(a.post("/knowledge/articles", {"body": "x"}), 422, "title")
    assert_error(
        a.post("/knowledge/articles", {"title": "t", "body": "x", "kind": "poem"}), 422, "kind"
    )
    assert_error(a.post("/knowledge/articles", {"title": "t" * 121, "body": "x"}), 422, "title")
    pk = a.post("/knowledge/articles", {"title": "致歉", "body": "非常抱歉"}).json()["id"]
    body = assert_error(
        a.patch(f"/knowledge/articles/{pk}", {"version": 7, "body": "新"}), 409, "version"
    )
    assert body["current_version"] == 1
    body = assert_error(
        api_as(reviewer).post(f"/knowledge/articles/{pk}/actions/publish", {"version": 1}),
        409,
        "action",
        "invalid_transition",
    )
    assert body["allowed"] == [{"action": "archive", "label": "归档", "label_en": "Archive"}]
    assert_error(
        a.post(f"/knowledge/articles/{pk}/actions/approve", {"version": 1}), 403, None, "forbidden"
    )
    assert_error(a.post(f"/knowledge/articles/{pk}/actions/melt", {"version": 1}), 404, "action")
    assert_error(a.get("/knowledge/articles/99999"), 404, "article")
    clerk = api_as(factories.make_staff("clerk", hall))
    assert_error(clerk.get(f"/knowledge/articles/{pk}"), 404, "article")  # a draft: not theirs
    assert_error(clerk.post("/knowledge/articles", {"title": "t", "body": "b"}), 403, None)
    assert_error(
        api_as(factories.make_staff("device", hall)).get("/knowledge/search", q="宽带"), 403, None
    )
    assert Article.objects.get(pk=pk).head.number == 1
