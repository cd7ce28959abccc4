"""Retention periods per record type, legal holds and the purge's reports (V3, L4, L5)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordType(models.TextChoices):
    """What the purge keeps for a period and then removes (policies.py: the legal minimum and
    the default of each, and where its period runs from)."""

    SUBSCRIPTION = "subscription", _("Value-added subscription records")
    BILLING = "billing", _("Usage and billing records")
    IDENTITY = "identity", _("Identity registration data")
    AGREEMENT = "agreement", _("Agreements and vouchers (signed service forms)")
    AUDIT = "audit", _("Operation logs (audit log)")
    CHAT = "chat", _("Chat conversations")
    SMS = "sms", _("Text messages (outbox)")


class RetentionPolicy(models.Model):
    """How many months a record type is kept after its period starts; edited by the
    administrator, never under the legal minimum (policies.MINIMUM_MONTHS), each change an
    audit row (services.set_policy)."""

    record_type = models.CharField(
        _("record type"), max_length=20, choices=RecordType.choices, unique=True
    )
    months = models.PositiveSmallIntegerField(_("months kept"))
    updated_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        permissions = [
            ("export_customer", "Can export everything held about a customer (PIPL, audited)"),
            ("erase_customer", "Can erase a customer's data on their request (PIPL, audited)"),
        ]

    def __str__(self) -> str:
        return str(self.get_record_type_display())


class LegalHold(models.Model):
    """Nothing of the customer is purged while a hold is placed (a lawsuit, a regulator's
    inquiry, a police request): placed and released by the administrator, each an audit row."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="legal_holds",
        verbose_name=_("customer"),
    )
    reason = models.CharField(_("why"), max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("why released"), max_length=200, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(released_at__isnull=True),
                name="one_open_hold_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.customer_id}: {self.reason[:30]}"


class PurgeRun(models.Model):
    """One run of the purge and its report (services.purge): per record type what had expired,
    what was removed and what was kept and why. A dry run's report is what a run would do."""

    at = models.DateTimeField(_("run at"), db_index=True)
    dry_run = models.BooleanField(_("dry run"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}"
