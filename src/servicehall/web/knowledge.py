"""The knowledge pages (K1) and agent assist (K3).

/kb/ searches and browses by category; authors and reviewers also get their work lists (my
drafts, awaiting review). The article page shows the published version — what readers and
search see — and to authors and reviewers the newer head, every version and the history, with
a button per workflow action they may take. The editor writes a new version. Every change is a
POST calling one service and a redirect back; a refusal is flashed in Chinese and English
beside the form it came from.

`suggestions` is agent assist (knowledge.assist): the case page's panel of the articles and
scripts that match a case's subject and description. `ask_panel` is agent assist at the
counter: the workbench's 知识助手 panel, what the assistant answers the customer's question."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicehall.core import validate
from servicehall.core.errors import ServiceError
from servicehall.knowledge import assist, assistant, selectors, services
from servicehall.knowledge import search as kb_search
from servicehall.knowledge.models import Audience, Category, Kind, Status
from servicehall.knowledge.workflow import ACTIONS, AUTHOR, REVIEWER

from .access import page
from .forms import attempt, error_text, sort_messages, words

READ = selectors.READ


def suggestions(user, subject: str, description: str) -> dict | None:
    """K3 on the case page (knowledge.assist); None for a user who may not read the knowledge
    base."""
    return assist.suggestions(subject, description) if selectors.may_read(user) else None


# The kinds of reply that answer the question; any other (a clarifying question, a hand-over, a
# polite word) is shown as no confident answer, never as an answer.
ANSWERED = ("answer", "article")


def ask_panel(user, question: str | None = None) -> dict | None:
    """K3 at the counter (knowledge.assist.ask): the workbench's 知识助手 panel; None for a user
    who may not read the knowledge base. Without a question, the empty box; with one, the
    assistant's reply as the page shows it — only read, never judged here: an answer with its
    confidence, or no confident answer and what the assistant would say instead, and the
    related articles apart —, or the refusal of an empty or overlong question (`error`)."""
    if not selectors.may_read(user):
        return None
    panel = {"question": question or "", "reply": None, "error": None}
    if question is None:
        return panel
    try:
        text = validate.text(
            question, "question", "问题", "the question", limit=assistant.MAX_LENGTH
        )
    except ServiceError as exc:
        panel["error"] = exc
        return panel
    reply = assist.ask(text)
    own = [a["id"] for a in reply.articles]
    panel["reply"] = {
        "kind": reply.kind,
        "answered": reply.kind in ANSWERED,
        "text": reply.text,
        "text_en": reply.text_en,
        "confidence": round(min(max(reply.confidence, 0.0), 1.0) * 100),
        "articles": reply.articles,
        "related": [a for a in reply.related if a["id"] not in own],
    }
    return panel


@page(*READ)
def kb_home(request):
    user = request.user
    g = request.GET
    q = (g.get("q") or "").strip()
    tab = g.get("tab") or "all"
    category = g.get("category") or None
    kind = g.get("kind") or None
    hits = None
    notice = None
    if q:
        if len(q) > kb_search.MAX_QUERY:
            notice = (
                f"查询内容不能超过 {kb_search.MAX_QUERY} 个字 / "
                f"The query must be at most {kb_search.MAX_QUERY} characters"
            )
            hits = []
        else:
            hits = kb_search.search(q, limit=20, audience="staff")
            if not hits:
                notice = words(
                    "没有找到相关知识，请换个说法试试", "No matching articles; try other words"
                )
    drafts = selectors.sees_drafts(user)
    status = None
    mine = False
    if drafts and tab == "review":
        status = Status.SUBMITTED
    elif drafts and tab == "mine":
        mine = True
    rows = [
        selectors.row(a)
        for a in selectors.articles(
            user, status=status, kind=kind, category=category, mine=mine, limit=100
        )
    ]
    return render(
        request,
        "web/kb/home.html",
        {
            "q": q,
            "hits": hits,
            "notice": notice,
            "rows": rows,
            "tab": tab,
            "category": category,
            "kind": kind,
            "kinds": Kind.choices,
            "tree": selectors.categories(),
            "sees_drafts": drafts,
            "max_query": kb_search.MAX_QUERY,
            "top_messages": sort_messages(request, [])[1],
        },
    )


@page(*READ)
def kb_article(request, article_id):
    user = request.user
    article = selectors.get_visible(user, article_id)
    data = selectors.detail(article, user)
    shown = None
    v = request.GET.get("v")
    if v and data["versions"]:
        shown = selectors.version_row(selectors.get_version(article, v), body=True)
    form_messages, top = sort_messages(request, ["page", *ACTIONS])
    return render(
        request,
        "web/kb/article.html",
        {
            "a": data,
            "shown": shown,
            "actions": [
                {"action": a, "label_zh": ACTIONS[a][2], "label_en": ACTIONS[a][3]}
                for a in data["allowed"]
            ],
            "form_messages": form_messages,
            "top_messages": top,
        },
    )


def _editor(request, values: dict, article=None, error: ServiceError | None = None, status=200):
    return render(
        request,
        "web/kb/edit.html",
        {
            "values": values,
            "article": article,
            "error": error,
            "error_text": error_text(error) if error else None,
            "kinds": Kind.choices,
            "audiences": Audience.choices,
            "categories": Category.objects.select_related("parent").order_by(
                "parent__position", "parent_id", "position"
            ),
        },
        status=status,
    )


@page(AUTHOR)
def kb_new(request):
    if request.method != "POST":
        return _editor(request, {"kind": request.GET.get("kind") or Kind.ARTICLE})
    p = request.POST
    try:
        article = services.create_article(
            request.user,
            title=p.get("title", ""),
            body=p.get("body", ""),
            kind=p.get("kind", ""),
            audience=p.get("audience", ""),
            category=p.get("category") or None,
            note=p.get("note", ""),
        )
    except ServiceError as exc:
        return _editor(request, p, error=exc, status=exc.status)
    messages.success(request, words("已保存草稿 v1", "Draft v1 saved"), extra_tags="form-page")
    return redirect("web:kb-article", article_id=article.pk)


@page(AUTHOR)
def kb_edit(request, article_id):
    article = selectors.get_visible(request.user, article_id)
    if request.method != "POST":
        head = article.head
        values = {
            "title": head.title,
            "body": head.body,
            "kind": article.kind,
            "audience": article.audience,
            "category": article.category.code if article.category else "",
            "version": head.number,
        }
        return _editor(request, values, article)
    p = request.POST
    try:
        article = services.edit_article(
            request.user,
            article.pk,
            version=p.get("version"),
            title=p.get("title", ""),
            body=p.get("body", ""),
            kind=p.get("kind") or None,
            audience=p.get("audience") or None,
            category=p.get("category", ""),
            note=p.get("note", ""),
        )
    except ServiceError as exc:
        return _editor(request, p, article, error=exc, status=exc.status)
    n = article.head.number
    messages.success(
        request, words(f"已保存新版本 v{n}", f"Version v{n} saved"), extra_tags="form-page"
    )
    return redirect("web:kb-article", article_id=article.pk)


@page(AUTHOR, REVIEWER)
@require_POST
def kb_action(request, article_id, op):
    p = request.POST
    label = ACTIONS[op][2] + " / " + ACTIONS[op][3] if op in ACTIONS else op
    attempt(
        request,
        lambda: services.act(
            request.user, article_id, op, version=p.get("version"), note=p.get("note", "")
        ),
        success=f"{label} ✓",
        form=op if op in ACTIONS else "page",
    )
    return redirect(reverse("web:kb-article", kwargs={"article_id": article_id}))


def help_article(request, article_id):
    """A public article for customers, no sign-in: the page the assistant's answers link to."""
    try:
        article = selectors.public_article(article_id)
    except ServiceError as exc:
        return render(request, "web/kb/help.html", {"fatal": error_text(exc)}, status=exc.status)
    return render(request, "web/kb/help.html", {"article": article})
