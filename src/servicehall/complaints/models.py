"""The complaint desk's records beside the Case (cases.models): see apps.py."""

# --- subscription disputes (P4, L4) -------------------------------------------------------------

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceKind(models.TextChoices):
    """The five records of a value-added subscription (移动信息业务核查), in the order they
    happen: the user's order, the platform's second-confirmation request, the user's reply,
    the charges and the content sent down."""

    ORDER = "order", _("Order (the user's request)")
    REQUEST = "request", _("Confirmation request sent to the user")
    CONFIRM = "confirm", _("The user's confirmation")
    CHARGE = "charge", _("Charge")
    DELIVERY = "delivery", _("Content delivered")


class SubscriptionEvidence(models.Model):
    """One row of an imported evidence file (docs/formats/subscription-evidence.md): which line
    and service, what happened, when, from which number or access code to which. `key` is the
    row's fingerprint (complaints/subscriptions/evidence.py), so importing a file twice stores
    each row once."""

    key = models.UUIDField(unique=True)  # 16 bytes: an index cheaper than 32 characters
    line = models.CharField(_("line"), max_length=11)
    sp_code = models.CharField(_("SP code"), max_length=20)
    service_code = models.CharField(_("service code"), max_length=40)
    service_name = models.CharField(_("service name"), max_length=100, blank=True)
    kind = models.CharField(_("record"), max_length=10, choices=EvidenceKind.choices)
    at = models.DateTimeField(_("sent or received at"))
    from_addr = models.CharField(_("from (number or access code)"), max_length=21)
    to_addr = models.CharField(_("to (number or access code)"), max_length=21)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    period = models.CharField(_("billing period"), max_length=7, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription evidence")
        verbose_name_plural = _("subscription evidence")
        # one plain index to read a line's rows (db_index would add a LIKE index on PostgreSQL
        # that every bulk load would maintain for nothing)
        indexes = [models.Index(fields=["line"], name="sp_evidence_line")]
        permissions = [("import_evidence", "Can import value-added subscription evidence")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sp_code}/{self.service_code} {self.at:%Y-%m-%d %H:%M}"


class SubscriptionVerification(models.Model):
    """A verification of one disputed subscription on a complaint (P4): the verdict, the
    reasons, the refund and how it was computed, and the evidence it was decided on as it was
    then (the snapshot: a later import never changes a report already printed)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="subscription_verifications"
    )
    line = models.CharField(_("line"), max_length=11)
    sp_code = models.CharField(_("SP code"), max_length=20)
    service_code = models.CharField(_("service code"), max_length=40)
    service_name = models.CharField(_("service name"), max_length=100, blank=True)
    authorised = models.BooleanField(_("authorised"))
    reasons = models.JSONField(default=list)  # [{code, zh, en}]
    refund = models.DecimalField(_("refund (yuan)"), max_digits=10, decimal_places=2)
    computation = models.JSONField(default=list)  # one entry per charge
    window_hours = models.PositiveIntegerField(default=24)
    evidence = models.JSONField(default=list)  # the rows, in time order
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField()

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = _("subscription verification")
        verbose_name_plural = _("subscription verifications")
        permissions = [("verify_subscription", "Can verify a disputed value-added subscription")]

    def __str__(self) -> str:
        return f"{self.line} {self.sp_code}/{self.service_code}"
