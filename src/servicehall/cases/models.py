"""One case engine: every consultation, work order, fault report, suggestion
and praise — and later complaints, appeals and retention — is a Case whose `kind` names its
workflow (workflows.py) and whose `status` is a state of that workflow. The timeline users see
is the CaseEvent rows; the deadlines come from the matching SlaPolicy on the business calendar.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicehall.customers.models import Tier
from servicehall.org.models import placed_how, placed_in


class Channel(models.TextChoices):
    """C1: where the contact came from."""

    WALK_IN = "walk_in", _("Walk-in (hall counter)")
    HALL_PHONE = "hall_phone", _("Hall phone")
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web / online hall")
    APP = "app", _("Mobile app")
    SMS = "sms", _("SMS hall")
    KIOSK = "kiosk", _("Self-service terminal")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    PROACTIVE = "proactive", _("Proactive contact")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Area(models.TextChoices):
    """Where a fault is: the repair deadline differs (L2: 48 h town, 72 h rural)."""

    TOWN = "town", _("Town")
    RURAL = "rural", _("Rural")


class Unit(models.TextChoices):
    SECONDS = "seconds", _("seconds")
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    BUSINESS_DAYS = "business_days", _("business days")


class SlaPolicy(models.Model):
    """Deadlines for the cases it matches. Blank fields match anything; among the policies
    that match a case the most specific wins (category counts double when it names the case's
    own category rather than its parent). Defaults are the manuals' numbers (migration 0002)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("case type"), max_length=20, blank=True)
    category = models.ForeignKey(
        "org.BusinessCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    min_tier = models.CharField(_("from VIP tier"), max_length=10, choices=Tier.choices, blank=True)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices, blank=True)
    first_response = models.PositiveIntegerField(_("first response within"), null=True, blank=True)
    first_response_unit = models.CharField(
        max_length=16, choices=Unit.choices, default=Unit.MINUTES
    )
    resolution = models.PositiveIntegerField(_("resolve within"))
    resolution_unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.HOURS)
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn the owner when this much of the time is used (%)"), default=80
    )
    escalate_every = models.DurationField(_("escalate one level per"), default=timedelta(hours=4))
    confirm_within = models.DurationField(
        _("customer confirmation expected within"),
        default=timedelta(hours=72),
        help_text=_("After this, a return visit is due (C5)."),
    )
    in_opening_hours = models.BooleanField(
        _("counts only the hall's opening hours"),
        default=False,
        help_text=_(
            "Deadlines in seconds, minutes or hours count only the time the case's hall is "
            "open; a case without a hall, or a hall without opening hours, counts clock time."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class CaseSequence(models.Model):
    """The last case number given per number prefix and day."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="case_seq_day")]


class Case(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("case type"), max_length=20, db_index=True)
    status = models.CharField(_("status"), max_length=20)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    area = models.CharField(_("area"), max_length=10, choices=Area.choices, default=Area.TOWN)
    category = models.ForeignKey(
        "org.BusinessCategory", on_delete=models.PROTECT, verbose_name=_("category")
    )
    # where the contact comes from (P5, E1) and how that was known (org.regions.Source)
    region = placed_in()
    region_source = placed_how()
    # what the case follows instead of its own clock (an incident's number, E1): the SLA sweep
    # neither warns nor escalates it while this is set
    follows = models.CharField(_("follows"), max_length=24, blank=True)
    subject = models.CharField(_("subject"), max_length=120)
    description = models.TextField(_("description"))
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    hall = models.ForeignKey(
        "org.Hall", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    ticket = models.ForeignKey(
        "queueing.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # C4: whoever received it owns it until it is closed; the desk and handler change on transfer.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases"
    )
    desk = models.ForeignKey(
        "org.Desk", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    sla_policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL)
    promised_at = models.DateTimeField(_("reply promised by"), null=True, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    first_response_missed = models.BooleanField(default=False)
    due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # The sweep's work list (services.sweep): each is set while there is something to do at that
    # time and cleared once it is done, so a sweep reads only the rows that are due. Resolving
    # stops the clock (warn_at and next_escalation_at cleared) while the customer confirms.
    warn_at = models.DateTimeField(null=True, blank=True)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    first_response_watch = models.DateTimeField(null=True, blank=True)
    escalate_every = models.DurationField(default=timedelta(hours=4))
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    breached = models.BooleanField(_("deadline missed"), default=False)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    confirm_due = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(_("type-specific fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("opened at"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["warn_at"], name="case_warn_at"),
            models.Index(fields=["next_escalation_at"], name="case_next_escalation"),
            models.Index(fields=["first_response_watch"], name="case_first_response_watch"),
            models.Index(fields=["confirm_due"], name="case_confirm_due"),
            # The lists: open cases of a desk / an owner / a handler / everyone, due soonest
            # first (partial: closed cases are most of the table and never in these lists).
            *(
                models.Index(
                    fields=[*lead, "due_at", "id"],
                    condition=models.Q(closed_at__isnull=True),
                    name=f"case_open_{name}",
                )
                for name, lead in (
                    ("desk", ["desk"]),
                    ("owner", ["owner"]),
                    ("handler", ["handler"]),
                    ("all", []),
                )
            ),
        ]
        permissions = [
            ("open_case", "Can open cases (intake)"),
            ("handle_case", "Can work on cases of their own and their desks"),
            ("view_all_cases", "Can see every case and the SLA overview"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CaseEvent(models.Model):
    """One row per thing that happened to a case: the timeline (docs/ARCHITECTURE.md)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_timeline")]


class ConfirmationMethod(models.TextChoices):
    """How the customer confirmed that a case is solved (C5). The customer's own reply closes
    the case by itself; the other two are a member of staff closing it on the customer's
    behalf, and quality reviews each of those."""

    PHONE_CALL = "phone_call", _("Recorded phone call")
    IN_PERSON = "in_person", _("In person at the hall, with the code texted to the customer")
    CUSTOMER_REPLY = "customer_reply", _("The customer's own reply to the survey text")


STAFF_METHODS = (ConfirmationMethod.PHONE_CALL, ConfirmationMethod.IN_PERSON)


class ReviewState(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed (the customer confirmed)")
    PENDING = "pending", _("Awaiting quality review")
    OK = "ok", _("Reviewed: in order")
    NOT_OK = "not_ok", _("Reviewed: not in order")


class CaseConfirmation(models.Model):
    """The customer's confirmation that closed a case (C5): how it was given, by whom, when;
    for a closure by staff on the customer's behalf also the call's time or the texted code's
    number, and quality's review of it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="confirmation")
    method = models.CharField(
        _("how the customer confirmed"), max_length=20, choices=ConfirmationMethod.choices
    )
    by_staff = models.BooleanField(_("closed by staff on the customer's behalf"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    call_at = models.DateTimeField(_("time of the call"), null=True, blank=True)
    code_phone = models.CharField(_("code texted to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("confirmed at"), db_index=True)
    review = models.CharField(
        _("quality review"),
        max_length=12,
        choices=ReviewState.choices,
        default=ReviewState.NOT_NEEDED,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    # The customer answered the survey text "not solved" after staff had closed the case:
    # quality looks at the closure (again).
    disputed_at = models.DateTimeField(_("customer said not solved at"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("customer confirmation")
        verbose_name_plural = _("customer confirmations")
        indexes = [models.Index(fields=["review", "at"], name="confirmation_review_at")]
        permissions = [("review_closure", "Can review closures confirmed by staff")]


class ClosureCode(models.Model):
    """A one-time code texted to the customer's number on file, which the customer tells the
    clerk at the hall to confirm that the case is solved (C5). Only its hash is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_codes")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    void = models.BooleanField(default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["case", "sent_at"], name="closure_code_case")]


def attachment_storage():
    """The store of case attachments (settings STORAGES["attachments"]: the data dir, or an
    S3-compatible store), looked up when used so that settings decide, not the migration."""
    from django.core.files.storage import storages

    return storages["attachments"]


class AttachmentKind(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed service form (业务受理单)")
    SCREENSHOT = "screenshot", _("Screenshot")
    RECORDING = "recording", _("Recording")
    OTHER = "other", _("Other")


class CaseAttachment(models.Model):
    """A file on a case (P1: the signed 业务受理单, screenshots, recordings): kept in the
    attachment store under a random name; its type is the one its bytes show, not its name's.
    Uploads and deletions are case events; every download is an audit row
    (cases.services.attachments)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), storage=attachment_storage, max_length=200)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")
        indexes = [models.Index(fields=["case", "uploaded_at"], name="case_attachment_case")]
        permissions = [
            ("remove_any_attachment", "Can delete any attachment of the cases they oversee")
        ]

    def __str__(self) -> str:
        return self.name
