"""The knowledge pages (K1) and the case page's suggested articles (K3), through Django's test
client, in Chinese (the default) and English."""

import pytest

from servicehall.cases import services as cases
from servicehall.knowledge.models import Article
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


as_user = client_for  # signed in, in a language if given


def text(r) -> str:
    return r.content.decode()


def test_k1_knowledge_page_searches_and_lists_by_category(clerk, publish):
    a = publish("宽带故障自助排查", "先看光猫指示灯，再重启光猫和路由器。", category="broadband")
    c = as_user(clerk)
    home = text(c.get("/kb/"))
    assert "知识库" in home and 'id="nav-kb"' in home and "宽带与网络" in home
    assert "宽带故障自助排查" in home and 'id="new-article"' not in home  # clerks read only
    hits = text(c.get("/kb/", {"q": "光纤断了"}))
    assert f'data-article="{a.pk}"' in hits and "光猫" in hits
    assert f'href="/kb/{a.pk}/"' in text(c.get("/kb/", {"category": "network"}))
    assert "宽带故障自助排查" not in text(c.get("/kb/", {"category": "billing"}))
    english = text(as_user(clerk, "en").get("/kb/"))
    assert "Knowledge base" in english and "Broadband and network" in english


@pytest.mark.parametrize("q", ["asdf qwer", "的了吗", "🙂", "宽" * 1200])
def test_k1_knowledge_page_answers_bad_queries(clerk, publish, q):
    publish("宽带故障自助排查", "重启光猫。")
    r = as_user(clerk).get("/kb/", {"q": q})
    assert r.status_code == 200 and 'id="kb-notice"' in text(r)


def test_k1_write_review_publish_on_the_pages(author, reviewer, clerk):
    c = as_user(author)
    assert 'id="article-form"' in text(c.get("/kb/new"))
    bad = c.post("/kb/new", {"title": "", "body": "x", "kind": "faq", "audience": "public"})
    assert (
        bad.status_code == 422 and "请填写标题" in text(bad) and 'data-field="title"' in text(bad)
    )
    r = c.post(
        "/kb/new",
        {
            "title": "发票打印",
            "body": "登录网上营业厅打印电子发票。",
            "kind": "faq",
            "audience": "public",
            "category": "bill",
        },
    )
    a = Article.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/kb/{a.pk}/"
    page = text(c.get(r["Location"]))
    assert (
        'id="not-published"' in page and 'id="do-submit"' in page and 'id="do-approve"' not in page
    )
    c.post(f"/kb/{a.pk}/submit", {"version": 1})
    rv = as_user(reviewer)
    page = text(rv.get(f"/kb/{a.pk}/"))
    assert 'id="do-approve"' in page and "待审核" in page
    assert f'href="/kb/{a.pk}/"' in text(rv.get("/kb/", {"tab": "review"}))
    rv.post(f"/kb/{a.pk}/approve", {"version": 1})
    rv.post(f"/kb/{a.pk}/publish", {"version": 1})
    assert 'id="published-body"' in text(as_user(clerk).get(f"/kb/{a.pk}/"))
    # edit: a new version; the published one keeps serving
    form = text(c.get(f"/kb/{a.pk}/edit"))
    assert "登录网上营业厅打印电子发票" in form
    r = c.post(
        f"/kb/{a.pk}/edit",
        {
            "version": 1,
            "title": "发票打印",
            "body": "电子发票也可在手机营业厅下载。",
            "kind": "faq",
            "audience": "public",
            "category": "bill",
            "note": "增加手机渠道",
        },
    )
    assert r.status_code == 302
    page = text(c.get(f"/kb/{a.pk}/"))
    assert 'id="head-body"' in page and "手机营业厅" in page and 'data-version="2"' in page
    reader = text(as_user(clerk).get(f"/kb/{a.pk}/"))
    assert (
        "登录网上营业厅" in reader and "手机营业厅" not in reader and 'id="versions"' not in reader
    )
    assert "登录网上营业厅" in text(c.get(f"/kb/{a.pk}/", {"v": 1}))
    stale = c.post(f"/kb/{a.pk}/submit", {"version": 1}, follow=True)
    assert "已被他人修改" in text(stale)
    own = rv.post(f"/kb/{a.pk}/archive", {"version": 2, "note": "过时"}, follow=True)
    assert "已归档" in text(own)


def test_k3_case_page_suggests_articles_and_scripts(clerk, publish):
    fault = publish("宽带故障自助排查", "光纤入户后上不了网，先看光猫指示灯。", audience="staff")
    script = publish(
        "服务用语：致歉", "非常抱歉给您的上网带来不便，我们马上为您处理宽带故障。", kind="script"
    )
    publish("国际漫游开通", "出境前开通国际漫游。")
    case = cases.open_case(
        clerk,
        kind="consultation",
        channel="hotline",
        category="broadband-fault",
        subject="家里宽带断网",
        description="客户说从昨晚开始家里宽带上不了网，光猫红灯闪。",
    )
    page = text(as_user(clerk).get(f"/cases/{case.pk}/"))
    assert 'id="suggestions"' in page and "推荐知识" in page
    articles = page.split('id="suggested-articles"')[1].split("</ul>")[0]
    assert f'href="/kb/{fault.pk}/"' in articles and "国际漫游" not in articles
    assert f'href="/kb/{script.pk}/"' in page.split('id="suggested-scripts"')[1]
    assert "Suggested articles" in text(as_user(clerk, "en").get(f"/cases/{case.pk}/"))


def test_k3_case_page_without_matches_or_without_the_right(clerk, hall):
    case = cases.open_case(
        clerk, kind="consultation", channel="hotline", category="other", description="表扬王芳"
    )
    page = text(as_user(clerk).get(f"/cases/{case.pk}/"))
    assert 'id="no-suggestions"' in page
    lead = factories.make_staff("channel", hall)
    assert lead.has_perm("knowledge.read_knowledge") is False


def test_k3_a_chat_case_is_matched_on_what_the_customer_wrote(clerk, publish):
    """A hand-over's description holds the whole chat; the assistant's answers there are about
    whatever it matched, so agent assist reads only the customer's lines."""
    roaming = publish("国际漫游开通", "出境前请开通国际漫游和国际长途。")
    invoice = publish("发票打印", "话费发票可在网上营业厅下载电子发票。")
    case = cases.open_case(
        clerk,
        kind="consultation",
        channel="web",
        category="other",
        description="智能客服对话记录：\n"
        "[10:00:01] 客户：下周去日本出差，手机漫游怎么开通\n"
        "[10:00:01] 智能客服：为您找到相关说明：【发票打印】话费发票可在网上营业厅下载电子发票。"
        "话费发票话费发票话费发票\n"
        "[10:00:09] 客户：转人工",
    )
    page = text(as_user(clerk).get(f"/cases/{case.pk}/"))
    articles = page.split('id="suggested-articles"')[1].split("</ul>")[0]
    assert f'href="/kb/{roaming.pk}/"' in articles and f'href="/kb/{invoice.pk}/"' not in articles
