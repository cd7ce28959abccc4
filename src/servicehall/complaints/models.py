"""The complaint desk's records beside the Case (cases.models): see apps.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- appeals (P2, P3, L1)


class AppealSource(models.Model):
    """Where appeals come from (P2), with the deadlines each sets (L1): the acceptance decision
    within N (working) days, the answer within M (working) days. Data: an administrator edits
    it; migration 0002_appeals seeds the five sources of the handbook."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    accept_within = models.PositiveSmallIntegerField(_("acceptance decision within"), default=5)
    accept_working_days = models.BooleanField(_("acceptance counted in working days"), default=True)
    answer_within = models.PositiveSmallIntegerField(_("answer within"), default=30)
    answer_working_days = models.BooleanField(_("answer counted in working days"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("appeal source")
        verbose_name_plural = _("appeal sources")

    def __str__(self) -> str:
        return self.name_zh


class Liability(models.TextChoices):
    """P3: the liability determination of an appeal (工信部处理结论)."""

    COMPANY = "company", _("Company liability")
    HANDLED_PROPERLY = "handled_properly", _("Handled properly beforehand")
    WITHDRAWN = "withdrawn", _("Withdrawn (case dismissed)")
    CUSTOMER = "customer", _("Customer's own cause")


class CompanyFault(models.TextChoices):
    """The sub-reason of a company liability (企业责任)."""

    VIOLATION = "violation", _("Violated the rules")
    BELOW_STANDARD = "below_standard", _("Service below standard")
    MANAGEMENT_LAPSE = "management_lapse", _("Management lapse")
    STAFF_ERROR = "staff_error", _("Staff error")
    STALLING = "stalling", _("Stalling or passing the buck")
    LATE_REPLY = "late_reply", _("Reply past the date")
    INCOMPLETE_RECORDS = "incomplete_records", _("Records untrue or incomplete")


class Withdrawal(models.TextChoices):
    """Why an appeal is withdrawn (撤销)."""

    DECIDED_ELSEWHERE = "decided_elsewhere", _("Already decided elsewhere")
    NOT_PARTY = "not_party", _("Not the interested party")
    IMPERSONATED = "impersonated", _("Filed in the customer's name by someone else")


class Appeal(models.Model):
    """An appeal (申诉, case kind "appeal", numbers SS…): the Case carries the workflow and the
    timeline; this row what only an appeal has. Every figure of the monthly report is a column
    here (hall, source, received month, liability, sub-reason, major, replied late)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="appeal")
    source = models.ForeignKey(
        AppealSource, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("source")
    )
    reference = models.CharField(_("source's reference number"), max_length=40)
    # counted under: the hall of the newest linked complaint, else the registering user's hall
    hall = models.ForeignKey(
        "org.Hall", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    received_on = models.DateField(_("received on"))
    matter_on = models.DateField(_("date of the matter"))
    billing_dispute = models.BooleanField(_("billing dispute"), default=False)
    materials_due = models.DateField(_("materials asked for by"), null=True, blank=True)
    accept_due = models.DateTimeField(_("acceptance decision due"))
    answer_due = models.DateTimeField(_("answer due"))
    reply_due = models.DateTimeField(_("reply due (the hard deadline)"), db_index=True)
    warnings = models.JSONField(_("intake warnings"), default=list, blank=True)
    complaints = models.ManyToManyField(
        "cases.Case", blank=True, related_name="appeals", verbose_name=_("earlier complaints")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    liability = models.CharField(
        _("liability"), max_length=20, choices=Liability.choices, blank=True
    )
    company_fault = models.CharField(
        _("company liability sub-reason"), max_length=20, choices=CompanyFault.choices, blank=True
    )
    withdrawal = models.CharField(
        _("withdrawn because"), max_length=20, choices=Withdrawal.choices, blank=True
    )
    liability_reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_in_time = models.BooleanField(null=True, blank=True)
    major = models.BooleanField(_("major appeal"), default=False)
    major_reason = models.TextField(_("why major"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_late = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="appeal_source_reference")
        ]
        indexes = [models.Index(fields=["hall", "received_on"], name="appeal_hall_month")]
        permissions = [("handle_appeal", "Register appeals and decide their liability")]

    def __str__(self) -> str:
        return f"{self.source} {self.reference}"
