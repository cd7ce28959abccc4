"""What a retention case (挽留, WL…) records beside its Case row (R1–R3): why the customer wants
to leave, how they were verified, their needs, where they are going and a second number; one
attempt row per level with the offer made and its outcome; and, when the customer insisted,
that their request to leave was honoured and handed on."""

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy


class Reason(models.TextChoices):
    """Why the customer wants to leave (the manual's 离网原因)."""

    PRICE = "price", pgettext_lazy("retention", "Price")
    NETWORK = "network", pgettext_lazy("retention", "Network quality")
    SERVICE = "service", pgettext_lazy("retention", "Service")
    MOVING = "moving", pgettext_lazy("retention", "Moving away")
    COMPETITOR = "competitor", pgettext_lazy("retention", "Competitor's offer")
    OTHER = "other", pgettext_lazy("retention", "Other")


class Competitor(models.TextChoices):
    TELECOM = "telecom", pgettext_lazy("retention", "China Telecom")
    UNICOM = "unicom", pgettext_lazy("retention", "China Unicom")
    BROADNET = "broadnet", pgettext_lazy("retention", "China Broadnet")
    OTHER = "other", pgettext_lazy("retention", "Other operator")


class Route(models.TextChoices):
    """Where a case goes when the first level fails (R2)."""

    CARE = "care", pgettext_lazy("retention", "Care desk")
    COMPLAINT = "complaint", pgettext_lazy("retention", "Complaint desk")
    ACCOUNT_MANAGER = "account_manager", pgettext_lazy("retention", "Account manager")


class Request(models.TextChoices):
    """What the customer asked for at the counter or in the chat."""

    CLOSE = "close", pgettext_lazy("retention", "Close the account (销户)")
    PORT = "port", pgettext_lazy("retention", "Port the number out (携号转网)")


class RetentionRecord(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="retention", primary_key=True
    )
    request = models.CharField(
        pgettext_lazy("retention", "request"),
        max_length=8,
        choices=Request.choices,
        default=Request.CLOSE,
    )
    reason = models.CharField(
        pgettext_lazy("retention", "reason"), max_length=12, choices=Reason.choices, blank=True
    )
    competitor = models.CharField(
        pgettext_lazy("retention", "competitor"),
        max_length=10,
        choices=Competitor.choices,
        blank=True,
    )
    reason_note = models.CharField(
        pgettext_lazy("retention", "reason in the customer's words"), max_length=500, blank=True
    )
    identification = models.ForeignKey(
        "customers.Identification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("retention", "customer verified"),
    )
    needs = models.TextField(pgettext_lazy("retention", "needs and suggestions"), blank=True)
    destination = models.CharField(
        pgettext_lazy("retention", "where they are going"), max_length=200, blank=True
    )
    second_phone = models.CharField(
        pgettext_lazy("retention", "second contact number"), max_length=11, blank=True
    )
    complaint_caused = models.BooleanField(
        pgettext_lazy("retention", "caused by a complaint"), default=False
    )
    routed_to = models.CharField(
        pgettext_lazy("retention", "second level"), max_length=16, choices=Route.choices, blank=True
    )
    routed_why = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    # the right to leave: the customer insisted, the request was honoured and handed on
    left_at = models.DateTimeField(
        pgettext_lazy("retention", "left at the customer's insistence"), null=True, blank=True
    )
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_ref = models.CharField(
        pgettext_lazy("retention", "request handed on"), max_length=40, blank=True
    )

    class Meta:
        verbose_name = pgettext_lazy("retention", "retention record")
        verbose_name_plural = pgettext_lazy("retention", "retention records")
        permissions = [
            ("retain_second_level", "Can try second-level retention (care, complaint, account)"),
            ("view_retention_report", "Can read the monthly retention report"),
        ]


class Offer(models.TextChoices):
    NONE = "none", pgettext_lazy("retention", "No offer")
    PLAN = "plan", pgettext_lazy("retention", "Plan from the recommender")
    OTHER = "other", pgettext_lazy("retention", "Other offer")


class Outcome(models.TextChoices):
    RETAINED = "retained", pgettext_lazy("retention", "Retained")
    FAILED = "failed", pgettext_lazy("retention", "Not retained: to the next level")
    LEFT = "left", pgettext_lazy("retention", "Left at the customer's insistence")


class RetentionAttempt(models.Model):
    """One level's attempt (R3): who, the offer (a plan with its saving as the recommender
    computed it on the server, another offer, or none), the outcome and why it succeeded."""

    record = models.ForeignKey(RetentionRecord, on_delete=models.CASCADE, related_name="attempts")
    level = models.PositiveSmallIntegerField(pgettext_lazy("retention", "level"))
    route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    offer = models.CharField(
        pgettext_lazy("retention", "offer"), max_length=8, choices=Offer.choices, default=Offer.NONE
    )
    offer_name = models.CharField(pgettext_lazy("retention", "offer"), max_length=200, blank=True)
    tier = models.ForeignKey(
        "catalog.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    new_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    saving = models.DecimalField(
        pgettext_lazy("retention", "saving a month"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    outcome = models.CharField(
        pgettext_lazy("retention", "outcome"), max_length=10, choices=Outcome.choices
    )
    why = models.TextField(pgettext_lazy("retention", "why it succeeded"), blank=True)
    note = models.TextField(pgettext_lazy("retention", "note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = pgettext_lazy("retention", "retention attempt")
        verbose_name_plural = pgettext_lazy("retention", "retention attempts")
