"""The complaint desk's records beside the Case (cases.models): see apps.py."""

from decimal import Decimal

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


# --- compensation, upgraded complaints and the monthly report (P6, P1, P3, L6)


class CustomerAnswer(models.TextChoices):
    THINKING = "thinking", _("Thinking it over")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Within the clerk's limit")
    PENDING = "pending", _("Awaiting the hall manager's approval")
    APPROVED = "approved", _("Approved by the hall manager")
    REJECTED = "rejected", _("Rejected by the hall manager")


class CompensationOffer(models.Model):
    """An offer made to a complaining customer (P6): the amount, the policy it rests on (有根有据),
    the customer's answer and, above the approval threshold (settings.COMPENSATION_APPROVAL_ABOVE,
    kept on the row as it was when offered), the hall manager's decision. Paid = accepted and
    (approved or within the limit)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="compensation_offers"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    basis = models.TextField(_("policy basis"))
    remedy = models.CharField(_("what is offered"), max_length=200, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(_("offered at"), db_index=True)
    threshold = models.DecimalField(
        _("approval needed above (yuan)"), max_digits=9, decimal_places=2
    )
    answer = models.CharField(
        _("customer's answer"),
        max_length=10,
        choices=CustomerAnswer.choices,
        default=CustomerAnswer.THINKING,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    approval = models.CharField(_("approval"), max_length=12, choices=Approval.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)

    class Meta:
        ordering = ["offered_at", "id"]
        verbose_name = _("compensation offer")
        verbose_name_plural = _("compensation offers")
        permissions = [
            ("offer_compensation", "Can offer compensation on a complaint"),
            ("approve_compensation", "Can approve compensation above the threshold"),
            ("view_complaint_report", "Can read the monthly complaint report"),
        ]

    @property
    def paid(self) -> bool:
        return self.answer == CustomerAnswer.ACCEPTED and self.approval in (
            Approval.NOT_NEEDED,
            Approval.APPROVED,
        )


# "Compensation paid" in SQL (the report): the same rule as CompensationOffer.paid.
PAID_Q = models.Q(answer=CustomerAnswer.ACCEPTED, approval__in=("not_needed", "approved"))
DEFAULT_APPROVAL_ABOVE = Decimal("100.00")


class UpgradeSource(models.TextChoices):
    """How a complaint came back higher (升级投诉): the same customer again after our reply, or
    through a higher channel."""

    REPEAT = "repeat", _("The same customer again after our reply")
    GROUP_EXPRESS = "group_express", _("Group company express line (集团公司快速通道)")
    PROVINCIAL_CENTRE = "provincial_centre", _("Provincial customer service centre (省客服中心)")


class ComplaintUpgrade(models.Model):
    """A complaint marked upgraded (P1): linked to the first complaint on the same matter (needed
    for a repeat; known or not for a higher channel), counted apart in the report."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="upgrade")
    first = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="upgrades",
        verbose_name=_("first complaint"),
    )
    source = models.CharField(_("came back through"), max_length=20, choices=UpgradeSource.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("upgraded complaint")
        verbose_name_plural = _("upgraded complaints")


class AssessmentEvent(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    UPGRADED = "upgraded", _("Upgraded complaint")
    PAST_DEADLINE = "past_deadline", _("Reply past its deadline")
    APPEAL = "appeal", _("Appeal")
    MAJOR_APPEAL = "major_appeal", _("Major appeal")
    COMPANY_LIABILITY = "company_liability", _("Company-liability event")


class AssessmentRule(models.Model):
    """The quarter's assessment (季度考核): points deducted per event of a type. A type without a
    row deducts complaints.reports.DEFAULT_POINTS."""

    event = models.CharField(
        _("event"), max_length=20, choices=AssessmentEvent.choices, unique=True
    )
    points = models.DecimalField(_("points deducted per event"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("assessment rule")
        verbose_name_plural = _("assessment rules")

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.points}"


# --- complaint stages (P1)


class Responsible(models.TextChoices):
    """Who caused what the customer complains of (the handbook: 非本部门责任, 代理商合作商责任);
    the case stays with its owner whatever this says (首问负责, C4)."""

    HALL = "hall", _("Our hall")
    DEPARTMENT = "department", _("Another department")
    PARTNER = "partner", _("An agent or partner")


class ComplaintRecord(models.Model):
    """What each stage of a complaint recorded (one per complaint case), in columns a report
    counts without reading the timeline: the accept stage's customer words and request, the
    causes found (the handbook's four, each a flag), the basis, whether it holds, the remedy,
    who is responsible. The timeline has the same as events, with who and when."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="complaint_record"
    )
    # accept (受理): the four steps with the time each was ticked, in order
    steps = models.JSONField(_("steps taken"), default=list, blank=True)
    customer_words = models.TextField(_("the customer's own words"), blank=True)
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # clarify (理解澄清): the causes in the handbook's order, the policy explained, the basis
    cause_customer = models.BooleanField(_("the customer's side"), default=False)
    cause_objective = models.BooleanField(_("objective causes"), default=False)
    cause_both = models.BooleanField(_("both sides"), default=False)
    cause_company = models.BooleanField(_("the company's side"), default=False)
    explanation = models.TextField(_("policy explained"), blank=True)
    basis_article = models.ForeignKey(
        "knowledge.Article",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("knowledge-base article"),
    )
    basis_policy = models.CharField(_("policy"), max_length=200, blank=True)
    clarified_at = models.DateTimeField(null=True, blank=True)
    # resolve (解决处理)
    holds = models.BooleanField(_("complaint holds"), null=True, blank=True)
    holds_reason = models.TextField(_("reason"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    policy_basis = models.TextField(_("policy basis"), blank=True)
    reply_at = models.DateTimeField(_("reply time told to the customer"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # a grumble settled on the spot (抱怨): not counted as a complaint
    grumble = models.BooleanField(_("grumble"), default=False)
    # who is responsible
    responsible = models.CharField(
        _("responsible"), max_length=12, choices=Responsible.choices, default=Responsible.HALL
    )
    responsible_name = models.CharField(_("responsible party"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("complaint record")
        verbose_name_plural = _("complaint records")

    def __str__(self) -> str:
        return str(self.case_id)


class ForbiddenPhrase(models.Model):
    """A phrase the handbook forbids staff to say (忌轻易说出“你可上法院、信产部、消协告我去”):
    a note, a chat reply or a stage's text containing it is refused before it is saved.
    Matched ignoring spaces and punctuation (complaints/phrases.py). Administrators edit the
    list in the admin; the migration seeds the handbook's."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    why = models.CharField(_("why it is forbidden"), max_length=300)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("forbidden phrase")
        verbose_name_plural = _("forbidden phrases")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase

    def clean(self) -> None:
        """A phrase is matched ignoring spaces and punctuation: what is left must be at least
        three characters, or a phrase such as "a" would refuse every note (probe finding)."""
        from django.core.exceptions import ValidationError

        from .phrases import normalise

        if len(normalise(self.phrase or "")) < MIN_PHRASE:
            raise ValidationError(
                {
                    "phrase": _(
                        "Without spaces and punctuation a phrase must keep at least 3 characters."
                    )
                }
            )


MIN_PHRASE = 3


# --- subscription disputes (P4, L4)


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
