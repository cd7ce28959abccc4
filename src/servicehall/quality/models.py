"""Quality supervision (S3): the check form and its items (data), the sampling rules (data),
the checks themselves, the rectification items opened from them and the appraisal's weights."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class QualityForm(models.Model):
    """A scoring form (质检评分表): its items and their weights are data. The weights of an
    active form's items sum to 100, so a check's total is a weighted percentage."""

    code = models.SlugField(max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("quality form")
        verbose_name_plural = _("quality forms")

    def __str__(self) -> str:
        return self.name_zh


class QualityItem(models.Model):
    form = models.ForeignKey(QualityForm, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    weight = models.PositiveSmallIntegerField(
        _("weight (of 100)"), validators=[MaxValueValidator(100)]
    )
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("quality item")
        verbose_name_plural = _("quality items")
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="quality_item_code"),
            models.CheckConstraint(condition=models.Q(max_score__gt=0), name="quality_item_max"),
        ]

    def __str__(self) -> str:
        return self.name_zh


class RuleKind(models.TextChoices):
    COMPLAINT_CLOSED = "complaint_closed", _("Every complaint closed in the month")
    SLA_BREACH = "sla_breach", _("Every case whose deadline was missed")
    PER_CLERK = "per_clerk", _("N random tickets per clerk per month")
    RANDOM_SHARE = "random_share", _("A random share of the month's closed cases")


class SamplingRule(models.Model):
    """Which handled work is checked each month (data: the supervisor's admin edits it)."""

    code = models.SlugField(max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    per_clerk = models.PositiveSmallIntegerField(_("tickets per clerk"), default=0)
    share_percent = models.PositiveSmallIntegerField(
        _("share (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("sampling rule")
        verbose_name_plural = _("sampling rules")

    def __str__(self) -> str:
        return self.name_zh


class CheckStatus(models.TextChoices):
    TO_SCORE = "to_score", _("To score")
    SCORED = "scored", _("Scored")


class QualityCheck(models.Model):
    """One sampled piece of handled work — a queue ticket or a case —, whose work it was, why
    it was sampled, and the supervisor's scores per item (item code → score) with the total as
    a weighted percentage. A ticket or a case is sampled at most once (the constraints), so
    sampling twice adds nothing."""

    month = models.DateField(_("month"), db_index=True)  # its first day
    form = models.ForeignKey(QualityForm, on_delete=models.PROTECT, related_name="checks")
    ticket = models.ForeignKey(
        "queueing.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="quality_checks",
        verbose_name=_("staff member"),
    )
    hall = models.ForeignKey(
        "org.Hall", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why sampled"), max_length=32)  # a rule's code
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    total = models.DecimalField(
        _("total (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.TO_SCORE
    )
    created_at = models.DateTimeField()
    scored_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-month", "status", "id"]
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ticket__isnull=False),
                name="quality_check_ticket_once",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(case__isnull=False),
                name="quality_check_case_once",
            ),
        ]
        indexes = [models.Index(fields=["staff", "month"], name="quality_check_staff_month")]
        permissions = [
            ("score_check", "Can sample and score quality checks, open and verify rectifications"),
            ("view_appraisal", "Can see the staff appraisal of their halls"),
        ]

    def __str__(self) -> str:
        return f"QC{self.pk}"


class Rectification(models.Model):
    """A finding of a check turned into a rectification item (问题整改): a case of the
    `rectification` workflow, owned by the staff member or their hall manager."""

    quality_check = models.ForeignKey(
        QualityCheck, on_delete=models.PROTECT, related_name="rectifications"
    )
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        QualityItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.TextField(_("what to fix"))

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")


class AppraisalWeights(models.Model):
    """How the monthly appraisal (绩效考核) combines its parts; the newest row in use counts.
    Defaults (migration 0001): KPIs 30, quality 40, satisfaction 20, complaints 10; each
    complaint against the staff member takes 20 points off the complaints part."""

    name = models.CharField(_("name"), max_length=60)
    kpi = models.PositiveSmallIntegerField(_("KPI weight"), default=30)
    quality = models.PositiveSmallIntegerField(_("quality weight"), default=40)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction weight"), default=20)
    complaints = models.PositiveSmallIntegerField(_("complaints weight"), default=10)
    complaint_points = models.PositiveSmallIntegerField(_("points off per complaint"), default=20)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("appraisal weights")
        verbose_name_plural = _("appraisal weights")

    def __str__(self) -> str:
        return self.name
