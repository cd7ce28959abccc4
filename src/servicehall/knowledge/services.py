"""Every operation that changes the knowledge base (K1): one function per use case, in a
transaction, permission checked at entry, an ArticleEvent row for the history.

Workflow of an article's newest version (`head`):

    create/edit ──> 草稿 draft ──submit──> 待审核 submitted ──approve──> 已审核 reviewed ──publish──> 已发布 published
                        ^                       │                            │
                        └──────reject───────────┘      edit (any state but archived) makes a new draft head
    archive: any state ──> 已归档 archived (leaves search at once; kept for the history)

- Every edit is a new ArticleVersion; nothing is overwritten. Editing a published article
  makes a new draft head while the published version keeps serving readers and search, until
  the new head is itself reviewed and published.
- Editing a submitted or reviewed head makes a new draft: a review covers the text it read.
- Authors (knowledge.author_article) create, edit and submit. Reviewers
  (knowledge.review_article) approve or reject, publish and archive.
- Four eyes: nobody approves a version they wrote themselves (the editor of the head), even a
  reviewer who may also author. Publishing needs an approved head; the publisher may be anyone
  with the reviewer permission, the approver or the author included — the second pair of eyes
  is the review.
- Every write carries the head version number the caller read (`version`); a stale one answers
  409 with the current number, so two editors never overwrite each other.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from servicehall.core import validate
from servicehall.core.audit import system_actor
from servicehall.core.db import write_transaction
from servicehall.core.errors import (
    Conflict,
    NotFound,
    ServiceError,
    check_version,
    forbidden,
    invalid_transition,
    require_perm,
)

from ..core.errors import Code as CoreCode
from . import articles_file
from .errors import Code
from .models import Article, ArticleEvent, ArticleVersion, Audience, Category, Kind, Status
from .selectors import article_or_404
from .workflow import ACTION_PERM, ACTIONS, AUTHOR, REVIEWER, allowed_actions

MAX_TITLE = 120
MAX_BODY = 20000
MAX_NOTE = 200


def _bad(code: StrEnum, zh: str, en: str, field: str, status: int = 422) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=status)


LABELS = {
    "title": ("标题", "the title"),
    "body": ("正文", "the text"),
    "note": ("说明", "the note"),
}


def _text(value, field: str, limit: int, *, required: bool = True) -> str:
    zh, en = LABELS[field]
    return validate.text(value, field, zh, en, limit=limit, required=required)


def _choice(value, choices, field: str, label_zh: str) -> str:
    if value not in choices.values:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            f"{label_zh}取值无效：{value}（可选：{'、'.join(choices.values)}）",
            f"Invalid {field} {value!r}; one of {', '.join(choices.values)}",
            field,
        )
    return value


def _category(code) -> Category | None:
    if code in (None, ""):
        return None
    cat = Category.objects.filter(code=str(code)).first()
    if cat is None:
        raise _bad(
            CoreCode.UNKNOWN_CATEGORY,
            f"未知的知识分类：{code}",
            f"Unknown category {code!r}",
            "category",
        )
    return cat


def get_article(article_id, *, for_update: bool = False) -> Article:
    qs = Article.objects.select_related("head", "published", "category")
    if for_update and connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    return article_or_404(qs, article_id)


def _check_version(article: Article, version) -> None:
    current = article.head.number
    check_version(
        version,
        current,
        f"文章已被他人修改（当前版本 v{current}），请刷新后再操作",
        f"The article was changed by someone else (now v{current}); reload and try again",
    )


def _event(article: Article, kind: str, actor, from_status: str, note: str = "") -> ArticleEvent:
    return ArticleEvent.objects.create(
        article=article,
        at=timezone.now(),
        kind=kind,
        actor=actor,
        version=article.head.number,
        from_status=from_status,
        to_status=article.status,
        note=note[:500],
    )


def create_article(
    user,
    *,
    title: str,
    body: str,
    kind: str = Kind.ARTICLE,
    audience: str = Audience.STAFF,
    category: str | None = None,
    note: str = "",
) -> Article:
    require_perm(user, AUTHOR, "编写知识文章", "write knowledge articles")
    title = _text(title, "title", MAX_TITLE)
    body = _text(body, "body", MAX_BODY)
    _choice(kind, Kind, "kind", "类型")
    _choice(audience, Audience, "audience", "适用对象")
    cat = _category(category)
    note = _text(note, "note", MAX_NOTE, required=False)
    now = timezone.now()
    with write_transaction():
        article = Article.objects.create(
            kind=kind, audience=audience, category=cat, status=Status.DRAFT, created_by=user
        )
        article.head = ArticleVersion.objects.create(
            article=article,
            number=1,
            title=title,
            body=body,
            editor=user,
            created_at=now,
            note=note,
        )
        article.save(update_fields=["head"])
        _event(article, "created", user, "", note)
    return article


def edit_article(
    user,
    article_id,
    *,
    version,
    title: str | None = None,
    body: str | None = None,
    kind: str | None = None,
    audience: str | None = None,
    category: str | None = None,
    note: str = "",
) -> Article:
    """A new version (the whole text); the head goes back to draft. A published version keeps
    serving until the new one is published."""
    require_perm(user, AUTHOR, "编辑知识文章", "edit knowledge articles")
    with write_transaction():
        article = get_article(article_id, for_update=True)
        if article.status == Status.ARCHIVED:
            raise Conflict(
                Code.ARCHIVED,
                "已归档的文章不能再编辑",
                "An archived article cannot be edited",
                field="article",
                extra={"allowed": []},
            )
        _check_version(article, version)
        head = article.head
        new_title = _text(head.title if title is None else title, "title", MAX_TITLE)
        new_body = _text(head.body if body is None else body, "body", MAX_BODY)
        note = _text(note, "note", MAX_NOTE, required=False)
        fields = []
        if kind is not None and kind != article.kind:
            article.kind = _choice(kind, Kind, "kind", "类型")
            fields.append("kind")
        if audience is not None and audience != article.audience:
            article.audience = _choice(audience, Audience, "audience", "适用对象")
            fields.append("audience")
        if category is not None:
            cat = _category(category)
            if cat != article.category:
                article.category = cat
                fields.append("category")
        if new_title == head.title and new_body == head.body and not fields:
            raise _bad(Code.NO_CHANGE, "内容没有变化", "Nothing was changed", "body")
        from_status = article.status
        article.head = ArticleVersion.objects.create(
            article=article,
            number=head.number + 1,
            title=new_title,
            body=new_body,
            editor=user,
            created_at=timezone.now(),
            note=note,
        )
        article.status = Status.DRAFT
        if fields and article.is_live and ("audience" in fields or "kind" in fields):
            # Who may read what is served changes now, not at the next publication.
            article.served_changed_at = timezone.now()
            fields.append("served_changed_at")
        article.save(update_fields=["head", "status", *fields])
        _event(article, "edited", user, from_status, note)
    return article


def act(user, article_id, action: str, *, version, note: str = "") -> Article:
    """submit, approve, reject, publish or archive (see the module's diagram)."""
    if action not in ACTIONS:
        if not (user.has_perm(AUTHOR) or user.has_perm(REVIEWER)):
            raise forbidden("处理知识文章", "work on knowledge articles")
        raise NotFound(
            Code.UNKNOWN_ACTION,
            f"未知的操作：{action}（可选：{'、'.join(ACTIONS)}）",
            f"Unknown action {action!r}; one of {', '.join(ACTIONS)}",
            field="action",
        )
    sources, target, zh, en = ACTIONS[action]
    require_perm(user, ACTION_PERM[action], zh, en.lower())
    note = _text(note, "note", MAX_NOTE, required=action == "reject")
    with write_transaction():
        article = get_article(article_id, for_update=True)
        _check_version(article, version)
        if article.status not in sources:
            raise invalid_transition(
                f"文章当前为“{Status(article.status).label}”，不能{zh}",
                f"The article is {article.status}: cannot {en.lower()}",
                field="action",
                status=article.status,
                allowed=[(a, ACTIONS[a][2], ACTIONS[a][3]) for a in allowed_actions(user, article)],
            )
        head = article.head
        now = timezone.now()
        if action == "approve":
            if head.editor_id == user.pk:
                raise ServiceError(
                    Code.OWN_VERSION,
                    "不能审核自己编写的版本，请由其他审核人审核",
                    "You cannot approve a version you wrote; another reviewer must",
                    field="action",
                    status=403,
                )
            head.reviewed_by, head.reviewed_at = user, now
            head.save(update_fields=["reviewed_by", "reviewed_at"])
        elif action == "publish":
            head.published_by, head.published_at = user, now
            head.save(update_fields=["published_by", "published_at"])
            article.published = head
        elif action == "reject":
            head.reviewed_by, head.reviewed_at = None, None
            head.save(update_fields=["reviewed_by", "reviewed_at"])
        from_status = article.status
        article.status = target
        fields = ["status"]
        if action in ("publish", "archive"):
            article.served_changed_at = now
            fields += ["published", "served_changed_at"]
        article.save(update_fields=fields)
        _event(article, action, user, from_status, note)
    return article


# --- importing a file of questions and answers (`servicehall import-articles`, K2) ----------

IMPORT_ACTOR = "import"  # the system account an import from the command line is recorded under
IMPORT_LOCK = 0x4B42_4152  # PostgreSQL advisory lock: one import of articles at a time
ENTRY_LABELS = {"title": ("标题", "the title"), "answer": ("答案", "the answer")}


AUDIENCE_WORDS = {
    Audience.PUBLIC: ("面向客户", "public"),
    Audience.STAFF: ("仅限员工", "staff-only"),
}


def _entry_text(entry, field: str, limit: int) -> str:
    """An entry's title or answer, checked as a form's field is; a refusal names where the
    entry stands in its file (its CSV line, its JSON key)."""
    value = entry.title if field == "title" else entry.answer
    zh, en = ENTRY_LABELS[field]
    try:
        validate.storable(value, field)
        return validate.text(value, field, zh, en, limit=limit)
    except ServiceError as exc:
        where_zh, where_en = entry.where
        raise ServiceError(
            exc.code,
            f"{where_zh}：{exc.zh}",
            f"{where_en}: {exc.en}",
            field=field,
            status=422,
            extra={"errors": [{**entry.position, "field": field}]},
        ) from None


def _live_by_title(titles: list[str]) -> dict[str, Article]:
    """The article each title already names: the one whose published version has that title,
    else whose head has it (archived articles are gone: a title of theirs is a new article);
    the oldest when several do. Locked for the transaction where the database can."""
    found: dict[str, Article] = {}
    by_head: dict[str, Article] = {}
    for i in range(0, len(titles), 400):
        chunk = titles[i : i + 400]
        qs = (
            Article.objects.exclude(status=Status.ARCHIVED)
            .filter(Q(published__title__in=chunk) | Q(head__title__in=chunk))
            .select_related("head", "published")
            .order_by("pk")
        )
        if connection.features.has_select_for_update:
            qs = qs.select_for_update(of=("self",))
        wanted = set(chunk)
        for a in qs:
            if a.published_id and a.published.title in wanted:
                found.setdefault(a.published.title, a)
            if a.head.title in wanted:
                by_head.setdefault(a.head.title, a)
    return by_head | found


def import_articles(
    entries,
    *,
    source: str,
    user=None,
    kind: str = Kind.FAQ,
    audience: str = Audience.PUBLIC,
    category: str | None = None,
) -> dict:
    """Each entry (knowledge.articles_file.Entry: a title, its answer, where it stands in its
    file) becomes a published article, searchable at once: a new article; a new published
    version of the article that already has the title, when the answer differs; nothing when
    it is the same, so importing a file again is harmless. Every entry is checked before
    anything is written: one bad entry refuses the whole file, naming its line or key.

    `user` None is the command line, recorded as the system account `import`; a user must
    both write and publish articles (an import is published without a second review: the file
    is the operator's own published FAQ). Each article gets an `imported` event naming the
    file. `kind`, `audience` and `category` are those of the new articles; an updated one
    keeps its own. {"created", "updated", "unchanged"}."""
    if user is not None:
        require_perm(user, AUTHOR, "导入知识文章", "import knowledge articles")
        require_perm(user, REVIEWER, "导入并发布知识文章", "import and publish knowledge articles")
    _choice(kind, Kind, "kind", "类型")
    _choice(audience, Audience, "audience", "适用对象")
    cat = _category(category)
    entries = list(entries)
    limit = settings.IMPORT_LIMITS["articles"]["rows"]
    if len(entries) > limit:
        raise articles_file.too_many(limit)
    checked: dict[str, str] = {}
    first_at: dict[str, object] = {}
    for entry in entries:
        title = _entry_text(entry, "title", MAX_TITLE)
        answer = _entry_text(entry, "answer", MAX_BODY)
        if title in checked:
            (zh1, en1), (zh2, en2) = first_at[title].where, entry.where
            raise ServiceError(
                Code.DUPLICATE_TITLE,
                f"{zh2}：标题“{title}”与{zh1}重复，每个标题只能出现一次",
                f"{en2}: the title “{title}” is already on {en1[:1].lower()}{en1[1:]}; "
                "each title may appear once",
                field="title",
                status=422,
                extra={"errors": [{**entry.position, "field": "title"}]},
            )
        checked[title], first_at[title] = answer, entry
    name = Path(source).name[:100]
    note = f"从 {name} 导入 / imported from {name}"
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with write_transaction():
        if connection.vendor == "postgresql":  # two imports of one file: one article a title
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        actor = user or system_actor(IMPORT_ACTOR)
        existing = _live_by_title(list(checked))
        now = timezone.now()
        for title, answer in checked.items():
            article = existing.get(title)
            if article is not None and article.audience != audience:
                # a staff text must never become a public article's answer, nor the reverse
                where_zh, where_en = first_at[title].where
                is_zh, is_en = AUDIENCE_WORDS[article.audience]
                raise ServiceError(
                    Code.AUDIENCE_CONFLICT,
                    f"{where_zh}：标题“{title}”已是一篇{is_zh}的文章，与本次导入的对象不同，"
                    "未导入任何数据",
                    f"{where_en}: “{title}” is already a {is_en} article, not for this import's "
                    "readers; nothing was imported",
                    field="audience",
                    status=409,
                    extra={"errors": [{**first_at[title].position, "field": "audience"}]},
                )
            if article is None:
                article = Article.objects.create(
                    kind=kind,
                    audience=audience,
                    category=cat,
                    status=Status.PUBLISHED,
                    created_by=actor,
                    served_changed_at=now,
                )
                number, from_status = 1, ""
                counts["created"] += 1
            elif (
                article.published_id
                and article.published.title == title
                and article.published.body == answer
            ):
                counts["unchanged"] += 1
                continue
            else:
                number, from_status = article.head.number + 1, article.status
                counts["updated"] += 1
            version = ArticleVersion.objects.create(
                article=article,
                number=number,
                title=title,
                body=answer,
                editor=actor,
                created_at=now,
                note=note[:MAX_NOTE],
                published_by=actor,
                published_at=now,
            )
            article.head = article.published = version
            article.status = Status.PUBLISHED
            article.served_changed_at = now
            article.save(update_fields=["head", "published", "status", "served_changed_at"])
            _event(article, "imported", actor, from_status, note)
    return counts
