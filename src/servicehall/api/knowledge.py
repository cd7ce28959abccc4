"""Knowledge base API (K1, K3): search, the category tree, articles and their review workflow.
Search answers every query with 200 and a message when nothing matched; only an empty or
overlong query is refused (422 naming the field `q`)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status

from servicehall.core.errors import ServiceError, forbidden
from servicehall.knowledge import search as kb_search
from servicehall.knowledge import selectors, services
from servicehall.knowledge.models import Audience, Kind

from ..core.errors import Code as CoreCode
from .fields import page_offset
from .queueing import ErrorOut

router = Router(tags=["knowledge 知识库"])


class KbErrorOut(ErrorOut):
    """A 409: `allowed` as every state machine's ({action, label, label_en}, ErrorOut's), or
    the head version after a stale edit."""

    current_version: int | None = None


ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: KbErrorOut,
    422: ErrorOut,
    500: ErrorOut,
}


class HitOut(Schema):
    article_id: int
    kind: str
    title: str
    snippet: str
    score: float


class SearchOut(Schema):
    query: str
    hits: list[HitOut]
    message: str
    message_en: str


class KbSubCategoryOut(Schema):
    code: str
    name_zh: str
    name_en: str
    count: int


class KbCategoryOut(KbSubCategoryOut):
    children: list[KbSubCategoryOut]


class ArticleIn(Schema):
    title: str = Field(..., max_length=services.MAX_TITLE)
    body: str = Field(..., max_length=services.MAX_BODY)
    kind: str = Field(Kind.ARTICLE, max_length=10, description="article, faq or script (服务用语)")
    audience: str = Field(Audience.STAFF, max_length=10, description="public or staff")
    category: str | None = Field(None, max_length=40, description="category code")
    note: str = Field("", max_length=services.MAX_NOTE, description="what changed")


class EditIn(Schema):
    version: int = Field(..., description="the head version you read; a stale one gets 409")
    title: str | None = Field(None, max_length=services.MAX_TITLE)
    body: str | None = Field(None, max_length=services.MAX_BODY)
    kind: str | None = Field(None, max_length=10)
    audience: str | None = Field(None, max_length=10)
    category: str | None = Field(None, max_length=40)
    note: str = Field("", max_length=services.MAX_NOTE)


class ArticleActionIn(Schema):
    version: int = Field(..., description="the head version you read; a stale one gets 409")
    note: str = Field("", max_length=services.MAX_NOTE, description="required to send back")


class ArticleRowOut(Schema):
    id: int
    kind: str
    kind_name: str
    audience: str
    status: str
    status_name: str
    category: str | None
    category_name: str | None
    title: str
    live: bool
    published_version: int | None
    head_version: int
    updated_at: datetime


class VersionOut(Schema):
    number: int
    title: str
    editor: str | None
    created_at: datetime
    note: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    body: str | None = None


class HistoryOut(Schema):
    at: datetime
    kind: str
    actor: str | None
    version: int
    from_status: str
    to_status: str
    note: str


class ArticleOut(ArticleRowOut):
    version: int
    published: VersionOut | None
    head: VersionOut | None
    versions: list[VersionOut]
    history: list[HistoryOut]
    allowed: list[str]
    can_edit: bool


def _reader(request) -> None:
    if not selectors.may_read(request.user):
        raise forbidden("查看知识库", "read the knowledge base")


def _detail(article, user) -> dict:
    return selectors.detail(selectors.get_visible(user, article.pk), user)


@router.get("/search", response={200: SearchOut, **ERRORS})
def search(request, q: str = "", limit: int = 5, audience: str = "staff"):
    """Chinese full-text search with telecom synonyms over published articles (K1), best first.
    audience=staff (default) searches every article, public only those customers may see."""
    _reader(request)
    text = q.strip()
    if not text:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请输入要查找的内容",
            "Enter what to search for",
            field="q",
            status=422,
        )
    if len(text) > kb_search.MAX_QUERY:
        raise ServiceError(
            CoreCode.TOO_LONG,
            f"查询内容不能超过 {kb_search.MAX_QUERY} 个字",
            f"The query must be at most {kb_search.MAX_QUERY} characters",
            field="q",
            status=422,
        )
    if audience not in ("staff", "public"):
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"audience 取值无效：{audience}（可选：staff、public）",
            f"Invalid audience {audience!r}; one of staff, public",
            field="audience",
            status=422,
        )
    hits = kb_search.search(text, limit=min(max(limit, 1), 20), audience=audience)
    found = bool(hits)
    return {
        "query": text,
        "hits": [h.__dict__ for h in hits],
        "message": f"找到 {len(hits)} 条相关知识" if found else "没有找到相关知识，请换个说法试试",
        "message_en": f"{len(hits)} matching articles"
        if found
        else "No matching articles; try other words",
    }


@router.get("/categories", response={200: list[KbCategoryOut], **ERRORS})
def categories(request):
    """The two-level category tree with the number of published articles under each."""
    _reader(request)
    return selectors.categories()


@router.get("/articles", response={200: list[ArticleRowOut], **ERRORS})
def list_articles(
    request,
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    mine: bool = False,
    offset: int = 0,
    limit: int = selectors.PAGE,
):
    """Articles the caller may see, newest first: readers the published ones, authors and
    reviewers every one (status=submitted: the review queue)."""
    _reader(request)
    page = selectors.articles(
        request.user,
        status=status,
        kind=kind,
        category=category,
        mine=mine,
        offset=page_offset(offset),
        limit=min(max(limit, 1), 200),
    )
    return [selectors.row(a) for a in page]


@router.post("/articles", response={201: ArticleOut, **ERRORS})
def create_article(request, payload: ArticleIn):
    """Write a new article, FAQ or service script: version 1, a draft."""
    article = services.create_article(request.user, **payload.dict())
    return Status(201, _detail(article, request.user))


@router.get("/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def get_article(request, article_id: int):
    """The published version; for authors and reviewers also the head, every version and the
    history."""
    _reader(request)
    return selectors.detail(selectors.get_visible(request.user, article_id), request.user)


@router.patch("/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def edit_article(request, article_id: int, payload: EditIn):
    """Edit: a new version, back to draft; a published version keeps serving meanwhile."""
    data = payload.dict(exclude={"version"})
    article = services.edit_article(
        request.user,
        article_id,
        version=payload.version,
        **{k: v for k, v in data.items() if v is not None},
    )
    return _detail(article, request.user)


@router.post("/articles/{article_id}/actions/{action}", response={200: ArticleOut, **ERRORS})
def act(request, article_id: int, action: str, payload: ArticleActionIn):
    """submit, approve, reject (with a note), publish, archive. 409 lists the allowed actions."""
    article = services.act(
        request.user, article_id, action, version=payload.version, note=payload.note
    )
    return _detail(article, request.user)
