"""Alerts of the early warning (P5) and the incidents they become (E1, L2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Service(models.TextChoices):
    """What an incident takes away; each has the problem of the dictionary (problems.py) that
    customers report it by, and a repair deadline (L2, `deadlines.py`)."""

    VOICE = "voice", _("mobile voice")
    DATA = "data", _("mobile data")
    BROADBAND = "broadband", _("broadband")
    IPTV = "iptv", _("IPTV")
    SMS = "sms", _("SMS")
    BILLING = "billing", _("billing")
    CAMPAIGN = "campaign", _("a campaign (sign-ups without consent)")


class Report(models.Model):
    """A problem a contact reported, as the stream read it (P5): the district, the problem, the
    words, the customer. The early warning's baseline is counted from these rows by the
    database — one aggregate query whatever the province's size — and only the last hours are
    replayed."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    term = models.CharField(max_length=20)
    word = models.CharField(max_length=60)
    who = models.CharField(max_length=40)  # c<customer>, p<number>, or #<case>: one customer
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("case", "term"), name="report_once")]
        indexes = [models.Index(fields=("district", "term", "at"), name="report_district_term")]


class Alert(models.Model):
    """What the early warning saw: one district, one problem, a window in which more different
    customers reported it than the district usually has. A manager acknowledges it, dismisses it
    with a reason, or turns it into an incident."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        DISMISSED = "dismissed", _("dismissed")
        INCIDENT = "incident", _("declared an incident")

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, verbose_name=_("region"))
    term = models.CharField(_("problem"), max_length=20)  # a key of problems.PROBLEMS
    words = models.JSONField(_("words customers used"), default=list)
    started_at = models.DateTimeField(_("first report"))
    last_at = models.DateTimeField(_("last report"))
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    window_minutes = models.PositiveSmallIntegerField(_("window (minutes)"))
    contacts = models.PositiveIntegerField(_("contacts"))
    customers = models.PositiveIntegerField(_("different customers"))
    baseline = models.FloatField(_("usual in such a window"))
    score = models.FloatField(_("how unusual (−log10 p)"))
    cases = models.ManyToManyField("cases.Case", related_name="+", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("early-warning alert")
        verbose_name_plural = _("early-warning alerts")
        ordering = ("-raised_at",)
        permissions = [
            ("view_alerts", "Can see early-warning alerts and incidents"),
            ("manage_incidents", "Can handle alerts and declare, run and close incidents"),
        ]


class Incident(models.Model):
    """A service interruption run as one thing (E1): its area and service, its start, cause and
    expected recovery, the contacts it caused, the customers told, the repair deadline (L2)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=120)
    service = models.CharField(_("service"), max_length=12, choices=Service.choices)
    regions = models.ManyToManyField("org.Region", related_name="+", verbose_name=_("regions"))
    started_at = models.DateTimeField(_("started at"), db_index=True)
    cause = models.TextField(_("cause"), blank=True)
    expected_recovery = models.DateTimeField(_("expected recovery"), null=True, blank=True)
    # the words a contact is linked by besides the service's problem (problems.py)
    words = models.JSONField(_("more words"), default=list, blank=True)
    notice = models.TextField(_("notice to customers"))
    show_in_halls = models.BooleanField(_("show on the halls' kiosks and displays"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    resolution = models.TextField(_("what was done"), blank=True)
    summary = models.JSONField(_("post-incident summary"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return self.number


class IncidentCase(models.Model):
    """A contact the incident caused; while linked the case follows the incident's clock."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField()
    by_hand = models.BooleanField(default=False)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("incident", "case"), name="incident_case_once")
        ]


class Affected(models.Model):
    """One customer the incident hit: told once (the SMS outbox), and when it closes whether
    their outage passed the repair deadline — the month's rental waived (L2)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("number"), max_length=20, blank=True)
    # a customer or, with none on file, a number: one row, so one notice, per incident
    key = models.CharField(max_length=40)
    region = models.ForeignKey("org.Region", null=True, on_delete=models.SET_NULL, related_name="+")
    first_contact_at = models.DateTimeField()
    told_at = models.DateTimeField(null=True, blank=True)
    deadline_hours = models.PositiveSmallIntegerField(_("repair deadline (hours)"))
    outage_hours = models.FloatField(_("outage (hours)"), null=True, blank=True)
    waive_rental = models.BooleanField(_("month's rental waived"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("incident", "key"), name="affected_once")]


class IncidentEvent(models.Model):
    """The incident's timeline (declared, linked, told, notice changed, closed)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ("at", "pk")
