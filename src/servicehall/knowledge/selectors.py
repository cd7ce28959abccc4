"""Reading the knowledge base: who sees which articles, the lists, an article with its versions
and history, the category tree. Readers (knowledge.read_knowledge) see live articles — a
published version, not archived; authors and reviewers see every article, drafts included."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicehall.core.errors import NotFound
from servicehall.core.validate import object_id
from servicehall.org.models import staff_name

from . import workflow
from .errors import Code
from .models import Article, ArticleVersion, Audience, Category, Status

PAGE = 50
READ = ("knowledge.read_knowledge", workflow.AUTHOR, workflow.REVIEWER)


def may_read(user) -> bool:
    return any(user.has_perm(p) for p in READ)


def sees_drafts(user) -> bool:
    return user.has_perm(workflow.AUTHOR) or user.has_perm(workflow.REVIEWER)


def visible(user) -> QuerySet:
    qs = Article.objects.select_related("head", "published", "category", "category__parent")
    if sees_drafts(user):
        return qs
    if not may_read(user):
        return qs.none()
    return qs.filter(published__isnull=False).exclude(status=Status.ARCHIVED)


def article_or_404(qs: QuerySet, article_id) -> Article:
    """The article of `qs` with that id; a non-number or missing id is the same 404."""
    pk = object_id(article_id)
    article = qs.filter(pk=pk).first() if pk is not None else None
    if article is None:
        raise NotFound(
            Code.UNKNOWN_ARTICLE,
            f"知识文章 {article_id} 不存在",
            f"Unknown article {article_id}",
            field="article",
        )
    return article


def get_visible(user, article_id) -> Article:
    return article_or_404(visible(user), article_id)


def public_article(article_id) -> dict:
    """What a customer may read without signing in (the page the assistant links to): the
    published version of a public article, not archived; anything else is the same 404."""
    qs = (
        Article.objects.select_related("published", "category")
        .filter(audience=Audience.PUBLIC, published__isnull=False)
        .exclude(status=Status.ARCHIVED)
    )
    article = article_or_404(qs, article_id)
    return {
        "id": article.pk,
        "title": article.published.title,
        "body": article.published.body,
        "category": article.category.name_zh if article.category_id else "",
        "updated": article.published.published_at or article.published.created_at,
    }


def articles(
    user,
    *,
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    mine: bool = False,
    offset: int = 0,
    limit: int = PAGE,
) -> list[Article]:
    qs = visible(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if mine:
        qs = qs.filter(Q(created_by=user) | Q(versions__editor=user)).distinct()
    return list(qs.order_by("-id")[offset : offset + limit])


def categories() -> list[dict]:
    """The two-level tree with the number of live articles under each."""
    live = (
        Article.objects.filter(published__isnull=False)
        .exclude(status=Status.ARCHIVED)
        .values_list("category_id", flat=True)
    )
    counts: dict[int | None, int] = {}
    for cid in live:
        counts[cid] = counts.get(cid, 0) + 1
    tops = []
    cats = list(Category.objects.all())
    for top in (c for c in cats if c.parent_id is None):
        children = [
            {
                "code": c.code,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "count": counts.get(c.pk, 0),
            }
            for c in cats
            if c.parent_id == top.pk
        ]
        tops.append(
            {
                "code": top.code,
                "name_zh": top.name_zh,
                "name_en": top.name_en,
                "count": counts.get(top.pk, 0) + sum(c["count"] for c in children),
                "children": children,
            }
        )
    return tops


def version_row(v: ArticleVersion | None, *, body: bool = False) -> dict | None:
    if v is None:
        return None
    row = {
        "number": v.number,
        "title": v.title,
        "editor": staff_name(v.editor),
        "created_at": v.created_at,
        "note": v.note,
        "reviewed_by": staff_name(v.reviewed_by),
        "reviewed_at": v.reviewed_at,
        "published_by": staff_name(v.published_by),
        "published_at": v.published_at,
    }
    if body:
        row["body"] = v.body
    return row


def row(a: Article) -> dict:
    shown = a.published if a.is_live else a.head
    cat = a.category
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_name": a.get_kind_display(),
        "audience": a.audience,
        "status": a.status,
        "status_name": a.get_status_display(),
        "category": cat.code if cat else None,
        "category_name": str(cat) if cat else None,
        "title": shown.title,
        "live": a.is_live,
        "published_version": a.published.number if a.published_id else None,
        "head_version": a.head.number,
        "updated_at": a.head.created_at,
    }


def detail(article: Article, user) -> dict:
    """The article as a reader sees it (the published version), what its authors work on (the
    head, when it is newer), every version and the history."""
    versions = list(
        article.versions.select_related(
            "editor__staff", "reviewed_by__staff", "published_by__staff"
        ).order_by("-number")
    )
    by_number = {v.number: v for v in versions}
    drafts = sees_drafts(user)
    events = list(article.events.select_related("actor__staff").order_by("at", "id"))
    return {
        **row(article),
        "published": version_row(by_number.get(article.published.number), body=True)
        if article.published_id
        else None,
        "head": version_row(by_number[article.head.number], body=True) if drafts else None,
        "version": article.head.number,
        "versions": [version_row(v) for v in versions] if drafts else [],
        "history": [
            {
                "at": e.at,
                "kind": e.kind,
                "actor": staff_name(e.actor),
                "version": e.version,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in events
        ]
        if drafts
        else [],
        "allowed": workflow.allowed_actions(user, article),
        "can_edit": user.has_perm(workflow.AUTHOR) and article.status != Status.ARCHIVED,
    }


def get_version(article: Article, number) -> ArticleVersion:
    n = object_id(number)
    v = article.versions.filter(number=n).first() if n is not None else None
    if v is None:
        raise NotFound(
            Code.UNKNOWN_VERSION,
            f"版本 v{number} 不存在",
            f"Unknown version v{number}",
            field="version",
        )
    return v
