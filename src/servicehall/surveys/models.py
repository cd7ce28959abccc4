"""Satisfaction surveys (S1) sent after a case is resolved (C5): the customer answers on a
phone-sized page reached by a link in a text message, confirms (or disputes) the result and
rates the service overall and on the five dimensions of the manuals."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# S1: 有形度, 同理度, 专业度, 反应度, 信赖度 — (field, Chinese, English, the question asked)
DIMENSIONS = (
    ("tangibles", "有形度", "Tangibles", "营业环境、设施和人员仪表是否让您满意？"),
    ("empathy", "同理度", "Empathy", "工作人员是否理解并关心您的需求？"),
    ("professionalism", "专业度", "Professionalism", "工作人员的业务是否熟练、解答是否准确？"),
    ("responsiveness", "反应度", "Responsiveness", "您的问题是否得到及时响应和处理？"),
    ("reliability", "信赖度", "Reliability", "处理结果是否可靠、兑现了承诺？"),
)
SCORES = [(i, str(i)) for i in range(1, 6)]


class Survey(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="surveys")
    token = models.CharField(max_length=40, unique=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("staff rated"),
    )
    hall = models.ForeignKey("org.Hall", null=True, blank=True, on_delete=models.SET_NULL)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    resolved = models.BooleanField(_("customer says resolved"), null=True)
    overall = models.PositiveSmallIntegerField(_("overall"), null=True, choices=SCORES)
    tangibles = models.PositiveSmallIntegerField(null=True, choices=SCORES)
    empathy = models.PositiveSmallIntegerField(null=True, choices=SCORES)
    professionalism = models.PositiveSmallIntegerField(null=True, choices=SCORES)
    responsiveness = models.PositiveSmallIntegerField(null=True, choices=SCORES)
    reliability = models.PositiveSmallIntegerField(null=True, choices=SCORES)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [models.Index(fields=["staff", "answered_at"], name="survey_staff_answered")]


class CounterRating(models.Model):
    """The customer's rating of a counter service (评价器, S1), given on the rating device beside
    the counter right after the service was finished: overall 1–5 and, optionally, the five
    dimensions. One per ticket; the staff member rated is the one who served it."""

    ticket = models.OneToOneField(
        "queueing.Ticket", on_delete=models.CASCADE, related_name="rating"
    )
    hall = models.ForeignKey("org.Hall", on_delete=models.CASCADE, related_name="+")
    counter = models.ForeignKey("org.Counter", on_delete=models.CASCADE, related_name="ratings")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counter_ratings",
        verbose_name=_("staff rated"),
    )
    overall = models.PositiveSmallIntegerField(_("overall"), choices=SCORES)
    tangibles = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    empathy = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    professionalism = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    responsiveness = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    reliability = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    rated_at = models.DateTimeField(_("rated at"))

    class Meta:
        ordering = ["-rated_at"]
        verbose_name = _("counter rating")
        verbose_name_plural = _("counter ratings")
        indexes = [
            models.Index(fields=["staff", "rated_at"], name="rating_staff_at"),
            models.Index(fields=["hall", "rated_at"], name="rating_hall_at"),
        ]
        permissions = [("rate_service", "Can take customers' ratings on a counter device")]
