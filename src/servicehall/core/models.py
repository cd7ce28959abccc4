import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who saw or exported personal data unmasked, when and why (V2, L5), who opened or closed
    a hall's ticketing, changed roles, purged records or changed their retention. Append-only,
    written only through `core.audit`, and chained: each row's `hash` is the SHA-256 of the
    previous row's hash and its own content (`audit.chain_hash`), so a row deleted, altered or
    slipped in is found by `servicehall audit verify` (`audit.verify`)."""

    class Action(models.TextChoices):
        PII_VIEW = "pii.view", _("Unmasked view of personal data")
        PII_EXPORT = "pii.export", _("Export of personal data")
        HALL_OPEN = "hall.open", _("Ticketing opened")
        HALL_CLOSE = "hall.close", _("Ticketing closed")
        SIGNIN_LOCKOUT = "signin.lockout", _("Sign-in locked after failed attempts")
        PII_ALERT = "pii.alert", _("Reveal limit reached (quality alerted)")
        ROLE_CHANGE = "role.change", _("Roles changed")
        USER_PASSWORD = "user.password", _("Password set by an administrator")
        # records (V3, L4, L5): retention and the customer's rights
        RECORDS_PURGE = "records.purge", _("Expired records purged or anonymised")
        RETENTION_POLICY = "records.policy", _("Retention period changed")
        HOLD_PLACED = "records.hold", _("Legal hold placed")
        HOLD_RELEASED = "records.release", _("Legal hold released")
        CUSTOMER_ERASE = "customer.erase", _("Customer's data erased on request")

    # set by core.audit before the hash is taken (not auto_now_add: the hash covers it)
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    reason = models.CharField(max_length=200)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    # the chain (audit.chain_hash): the hash of the row before, in id order ("" for the first
    # row ever; after a purge of old rows, the purge's row names the last hash purged)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")


class ApiToken(models.Model):
    """A bearer token for systems and scripts calling the API as a staff member.
    Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, name=name, digest=cls.hash(raw))
        return raw


class CalendarYear(models.Model):
    """A year of the business calendar (C6) and where its holidays came from. `official`: the
    State Council's schedule, holidays and make-up working days (调休) — seeded from the
    chinese-calendar package for the years it knows, or entered by an administrator when the
    schedule is published. `rules`: a year nobody has entered yet, computed from the holiday
    rules of the `holidays` package, which knows the holidays but not the make-up working
    days; deadlines still work, and admins are warned until the year is confirmed."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official schedule (State Council)")
        RULES = "rules", _("Rule-based estimate, no make-up working days")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.year} ({self.get_source_display()})"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday (is_workday False, also when it
    falls on a weekend) or a make-up working day on a weekend (is_workday True, 调休上班)."""

    day = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class SmsMessage(models.Model):
    """A text to a customer (survey links, notices). The outbox: an operator's SMS gateway
    sends the queued rows; until one is configured they stay queued and staff see them in the
    admin (the demo's stand-in for a phone)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.CharField(_("to"), max_length=20)
    text = models.CharField(_("text"), max_length=500)
    purpose = models.CharField(_("purpose"), max_length=32)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages (outbox)")


class ImportJob(models.Model):
    """A file uploaded from the imports page (V4, M1, L3) and how its import went: the phase,
    the rows checked so far, and at the end the result or the row-level error report. The
    import itself is the bills' or the catalogue's own service (core.imports runs it)."""

    class Kind(models.TextChoices):
        BILLS = "bills", _("Monthly bills")
        CUSTOMERS = "customers", _("Customers and lines")
        CATALOGUE = "catalogue", _("Plan catalogue")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        CHECKING = "checking", _("Checking every row")
        WRITING = "writing", _("Saving")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("file size (bytes)"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)  # the runner's heartbeat
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # the service's summary when done
    error_code = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=500, blank=True)  # why not imported, Chinese
    message_en = models.CharField(max_length=500, blank=True)
    errors = models.JSONField(default=list, blank=True)  # bad cells, at most 200
    error_count = models.PositiveIntegerField(default=0)  # all bad cells, shown or not

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"


class RateCounter(models.Model):
    """One rate limit's count for one subject (core/ratelimit.py), where no Redis is configured:
    `count` hits since the window began, the window ending at `window_end` (Unix seconds). Rows
    past their end are dead and are deleted now and then by the limiter itself."""

    scope = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)
    window_end = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "subject"], name="ratecounter_scope_subject")
        ]
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
