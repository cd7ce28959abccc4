"""The review workflow of an article's head version as data (services.py draws the diagram):
the actions, the states each starts from, where it leads and who may take it."""

from __future__ import annotations

from .models import Article, Status

AUTHOR = "knowledge.author_article"
REVIEWER = "knowledge.review_article"

# action: (sources, target, Chinese, English)
ACTIONS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "submit": ((Status.DRAFT,), Status.SUBMITTED, "提交审核", "Submit for review"),
    "approve": ((Status.SUBMITTED,), Status.REVIEWED, "审核通过", "Approve"),
    "reject": ((Status.SUBMITTED, Status.REVIEWED), Status.DRAFT, "退回修改", "Send back"),
    "publish": ((Status.REVIEWED,), Status.PUBLISHED, "发布", "Publish"),
    "archive": (
        (Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.PUBLISHED),
        Status.ARCHIVED,
        "归档",
        "Archive",
    ),
}
ACTION_PERM = {
    "submit": AUTHOR,
    "approve": REVIEWER,
    "reject": REVIEWER,
    "publish": REVIEWER,
    "archive": REVIEWER,
}


def allowed_actions(user, article: Article) -> list[str]:
    """The workflow actions this user may take on the article now."""
    out = []
    for action, (sources, _target, _zh, _en) in ACTIONS.items():
        if article.status not in sources or not user.has_perm(ACTION_PERM[action]):
            continue
        if action == "approve" and article.head.editor_id == user.pk:
            continue
        out.append(action)
    return out
