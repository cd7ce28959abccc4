"""The knowledge base (K1): articles, FAQs and service scripts (服务用语) in two levels of
categories, each with a review workflow and every edit kept as a version.

An Article is the stable thing staff link to; its text lives in ArticleVersion rows. `head` is
the newest version (the one being written or reviewed) and `status` is where the head stands in
the workflow: 草稿 draft → 待审核 submitted → 已审核 reviewed → 已发布 published, or 已归档
archived for the whole article. `published` is the version that serves readers and search; it
keeps serving while a newer head is drafted and reviewed, until that head is published in its
place. The workflow's history is the ArticleEvent rows (who, when, from → to).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.org.models import placed_how, placed_in


class Category(models.Model):
    """Two levels: a top category (宽带与网络) and its sub-categories (宽带故障)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"parent__isnull": True},
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")

    def __str__(self) -> str:
        return f"{self.parent.name_zh} / {self.name_zh}" if self.parent_id else self.name_zh

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and (self.parent.parent_id or self.parent_id == self.pk):
            raise ValidationError(_("Categories have two levels: the parent must be a top one."))


class Kind(models.TextChoices):
    ARTICLE = "article", _("Article")
    FAQ = "faq", _("FAQ")
    SCRIPT = "script", _("Service script")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public (customers and staff)")
    STAFF = "staff", _("Staff only")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Article(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.STAFF
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("category"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    head = models.ForeignKey(
        "ArticleVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    published = models.ForeignKey(
        "ArticleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes when what search serves changes (publish, archive): other processes compare it
    # to the stamp of the index they hold (search.py).
    served_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        indexes = [models.Index(fields=["status", "kind"], name="kb_article_status_kind")]
        permissions = [
            ("read_knowledge", "Can read the knowledge base (published articles)"),
            ("author_article", "Can write knowledge articles and submit them for review"),
            ("review_article", "Can review, publish and archive knowledge articles"),
        ]

    def __str__(self) -> str:
        version = self.published or self.head
        return version.title if version else f"#{self.pk}"

    @property
    def is_live(self) -> bool:
        """Readers and search see it: a published version and not archived."""
        return self.published_id is not None and self.status != Status.ARCHIVED


class ArticleVersion(models.Model):
    """One edit: the whole text as it was written, and who reviewed and published it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written at"))
    note = models.CharField(_("change note"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleEvent(models.Model):
    """One row per change to an article: the history users see (docs/ARCHITECTURE.md)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["article", "at"], name="kb_event_history")]


class Conversation(models.Model):
    """A customer's chat with the assistant (K2) on the web/app chat page or through the API.

    The `token` is the customer's only key to it (the chat page holds it in its URL; nothing else
    of the customer is needed to chat). When the customer asks for a person the conversation is
    handed over: a case is opened with the whole conversation attached (C8) and its number kept
    here."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web / online hall")
        APP = "app", _("Mobile app")
        SMS = "sms", _("SMS hall")

    token = models.CharField(max_length=32, unique=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    case_number = models.CharField(_("case"), max_length=20, blank=True)
    # The customer's own line, once they proved it with a code sent to it by SMS (V2): then the
    # assistant answers about their own plan and bills.
    phone = models.CharField(_("verified number"), max_length=11, blank=True)
    # where the customer is (P5, E1): a place they named, else their verified line's address
    region = placed_in()
    region_source = placed_how()
    pending_phone = models.CharField(max_length=11, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class Message(models.Model):
    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        ASSISTANT = "assistant", _("Assistant")
        AGENT = "agent", _("Customer service agent")  # the person who took the chat over

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(_("sender"), max_length=9, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
        help_text="the agent who wrote it",
    )
    text = models.TextField(_("text"))
    kind = models.CharField(
        _("kind of answer"), max_length=10, blank=True, help_text="answer / article / handover …"
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["conversation", "id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        from servicehall.core.masking import mask_free_text

        # captions the message's row in the admin: numbers the customer typed masked (V2)
        return f"{self.get_sender_display()}：{mask_free_text(self.text)[:30]}"


class LabelledQuestion(models.Model):
    """A customer question labelled with the product and the attributes it asks (K2): the
    assistant learns from these on top of its phrase lists (knowledge/learning.py). Imported
    from JSONL with `servicehall import-kb` (the CCKS 2021 format)."""

    question = models.TextField()
    product = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=list)
    # the label picks tiers (a price, data amount or version named), and the answer given
    constrained = models.BooleanField(default=False)
    answer = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("labelled question")
        verbose_name_plural = _("labelled questions")

    def __str__(self) -> str:
        return self.question[:40]
