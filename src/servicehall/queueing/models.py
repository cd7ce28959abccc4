from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.customers.models import Customer
from servicehall.org.models import BusinessCategory, Counter, Hall, ServiceType


class QueuePolicy(models.Model):
    """A hall's service levels (Q3), editable by admins; the manuals' numbers are the defaults."""

    hall = models.OneToOneField(Hall, on_delete=models.CASCADE, related_name="queue_policy")
    standard_wait_limit_min = models.PositiveSmallIntegerField(
        _("standard wait limit (min)"), default=15
    )
    vip_wait_limit_min = models.PositiveSmallIntegerField(_("VIP wait limit (min)"), default=10)
    transaction_limit_min = models.PositiveSmallIntegerField(
        _("single transaction limit (min)"), default=10
    )
    avg_service_target_min = models.PositiveSmallIntegerField(
        _("average service target (min)"), default=5
    )
    recalls_before_no_show = models.PositiveSmallIntegerField(
        _("recalls before no-show"),
        default=2,
        help_text=_("A ticket can be marked no-show after this many recalls"),
    )
    appointment_early_min = models.PositiveSmallIntegerField(
        _("appointment check-in opens (min before)"), default=30
    )
    appointment_late_min = models.PositiveSmallIntegerField(
        _("appointment check-in closes (min after)"), default=15
    )

    class Meta:
        verbose_name = _("queue policy")
        verbose_name_plural = _("queue policies")

    def __str__(self) -> str:
        return f"{self.hall}"


class CounterSession(models.Model):
    """A staff member signed in at a counter (Q2). Open while `signed_out_at` is null."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="sessions")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_sessions"
    )
    signed_in_at = models.DateTimeField()
    signed_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(signed_out_at__isnull=True),
                name="one_open_session_per_counter",
            ),
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(signed_out_at__isnull=True),
                name="one_open_session_per_staff",
            ),
        ]


class CounterPause(models.Model):
    """A pause of service at a counter (暂停服务) while its clerk stays signed in: the board shows
    it and the wait estimate does not count the counter. Open while `ended_at` is null."""

    class Reason(models.TextChoices):
        BREAK = "break", _("Break")
        TRAINING = "training", _("Training")
        BACKOFFICE = "backoffice", _("Back-office work")
        OTHER = "other", _("Other")

    session = models.ForeignKey(CounterSession, on_delete=models.CASCADE, related_name="pauses")
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("counter pause")
        verbose_name_plural = _("counter pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(ended_at__isnull=True),
                name="one_open_pause_per_counter",
            )
        ]


class TicketSequence(models.Model):
    """The last number issued today for a service type in a hall: A001, A002…"""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE)
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("hall", "service_type", "day")]


class Appointment(models.Model):
    """A booked visit (业务预约办理, Q3): checked in at the kiosk by phone number, its ticket is
    called at the booked time."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        CANCELLED = "cancelled", _("Cancelled")
        MISSED = "missed", _("Missed")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="appointments")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="appointments")
    phone = models.CharField(max_length=11)
    slot_at = models.DateTimeField(_("appointment time"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot_at"]
        indexes = [
            models.Index(fields=["hall", "phone", "slot_at"]),
            models.Index(fields=["hall", "slot_at"]),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.slot_at):%Y-%m-%d %H:%M} {self.service_type.name_zh}"


class AppointmentEvent(models.Model):
    """Every change of an appointment (booked, moved, cancelled, checked in, missed): who, when,
    and for a move the time it had before."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return ""  # a row of its appointment's history, shown without a caption


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Serving")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")
        NOT_SERVED = "not_served", _("Not served (hall closed)")

    class Area(models.TextChoices):
        MAIN = "main", _("Main hall")
        QUIET = "quiet", _("Quiet consultation area")

    class Channel(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk")
        COUNTER = "counter", _("Staff workbench")
        PHONE = "phone", _("Phone")
        WEB = "web", _("Web / app")
        SMS = "sms", _("SMS")
        APPOINTMENT = "appointment", _("Appointment")

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("hall")
    )
    day = models.DateField(_("date"))
    number = models.CharField(_("number"), max_length=8)
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("service type"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, help_text="VIP tier rank: 0 standard … 4 supreme"
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL
    )
    appointment_at = models.DateTimeField(null=True, blank=True)
    area = models.CharField(_("area"), max_length=8, choices=Area.choices, default=Area.MAIN)
    target_counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="targeted_tickets"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    issued_at = models.DateTimeField(_("issued at"))
    arrival_at = models.DateTimeField(
        _("arrived at"), help_text="When the customer started waiting; kept across transfers"
    )
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("counter"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    first_called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(default=0)
    business_category = models.ForeignKey(
        BusinessCategory, null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(max_length=200, blank=True)
    # The customer's own page for this ticket ("my ticket", reached by the slip's QR code): the
    # token is the only key to it.
    token = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    # The number texted when the ticket is nearly up (two ahead), and when that text went out.
    notify_phone = models.CharField(max_length=11, blank=True)
    near_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "day", "number"], name="ticket_number_unique_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["hall", "day", "status", "area", "arrival_at"]),
            models.Index(fields=["counter", "status"]),
            models.Index(fields=["hall", "day", "status"]),
        ]
        permissions = [
            ("issue_ticket", "Can issue queue tickets"),
            ("serve_counter", "Can sign in at a counter and serve tickets"),
            ("serve_vip_counter", "Can sign in at a VIP counter"),
            ("move_to_quiet", "Can move a ticket to the quiet consultation area"),
            ("book_appointment", "Can book appointments"),
            ("view_board", "Can view the hall board"),
            ("manage_queue", "Can open and close the hall queue"),
            ("view_display", "Can show the calling display"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_vip(self) -> bool:
        return self.priority > 0


class TicketEvent(models.Model):
    """Every state change of a ticket (docs/ARCHITECTURE.md): the timeline and the facts reports count."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]


class ShiftTemplate(models.Model):
    """A shift a hall staffs (S4): when it starts and ends, its paid break and what one person
    on it costs. The shift plan (`shifts.plan`) chooses how many of each."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="shift_templates")
    name = models.CharField(_("name"), max_length=30)
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    paid_break_minutes = models.PositiveSmallIntegerField(_("paid break (min)"), default=0)
    cost = models.DecimalField(_("cost per shift (yuan)"), max_digits=8, decimal_places=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["hall", "start", "end", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "name"], name="shift_template_name_per_hall"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"


class ShiftPlan(models.Model):
    """A hall's shift plan for one day: how many people on each template (`counts`, template
    id → number), the requirement it was made for, who made or last changed it and when."""

    class Source(models.TextChoices):
        OPTIMAL = "optimal", _("Least-cost plan")
        ADJUSTED = "adjusted", _("Adjusted by the manager")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="shift_plans")
    day = models.DateField(_("date"))
    counts = models.JSONField(default=dict)  # {"<template id>": n}
    required = models.JSONField(default=list)  # counters needed per 30-minute interval
    source = models.CharField(max_length=10, choices=Source.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("shift plan")
        verbose_name_plural = _("shift plans")
        constraints = [
            models.UniqueConstraint(fields=["hall", "day"], name="one_shift_plan_per_hall_day")
        ]
