from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A place (P5, E1): province → city → district (区县) → grid (网格/片区). Halls, customers'
    addresses and contacts are placed in one; the early warning counts by district, an incident
    names the districts or grids it hits. `rural`: the fault-repair deadline of a rural place
    (L2: 72 hours, a town's 48); a grid takes its district's unless it says so itself.
    `aliases`: other names customers use for it (城东, 东区), separated by spaces or commas."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        DISTRICT = 3, _("district / county")
        GRID = 4, _("grid")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("within"),
    )
    rural = models.BooleanField(_("rural (72-hour repair deadline)"), default=False)
    aliases = models.CharField(_("other names"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ("level", "code")

    def __str__(self) -> str:
        return self.name


def placed_in() -> models.ForeignKey:
    """Where a contact comes from (a case, a chat): one definition for every model that keeps
    it, beside `placed_how` (org.regions.locate gives both)."""
    return models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("region"),
    )


def placed_how() -> models.CharField:
    """How the region was known (org.regions.Source), empty while unknown."""
    return models.CharField(_("region known from"), max_length=10, blank=True)


class Hall(models.Model):
    """A service hall (营业厅). `is_open` is whether it issues tickets now: the manager opens
    the queue in the morning and closes it at night (the kiosk refuses tickets when closed)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    area = models.CharField(_("area"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="halls",
        verbose_name=_("region"),
    )
    is_open = models.BooleanField(_("issuing tickets"), default=False)
    notice = models.CharField(
        _("hall notice"),
        max_length=200,
        blank=True,
        help_text=_("One line shown along the bottom of the calling display"),
    )
    # The state the opening-hours schedule last put the hall in (None: never applied). The
    # schedule acts only when its own state changes, so a manager's override holds until the
    # next opening or closing time (org/hours.py).
    schedule_open = models.BooleanField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("service hall")
        verbose_name_plural = _("service halls")

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    """A kind of business a ticket is taken for (业务类型, Q1). Operator-wide reference data."""

    code = models.SlugField(max_length=32, unique=True)
    prefix = models.CharField(
        _("ticket prefix"),
        max_length=2,
        unique=True,
        help_text=_("Letter printed before the ticket number, e.g. A"),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50)
    expected_minutes = models.PositiveSmallIntegerField(
        _("expected service minutes"),
        default=5,
        help_text=_("Used for wait estimates until enough services have been timed today"),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name_zh


class Counter(models.Model):
    """A counter or window (窗口/柜台) of a hall and the service types it serves (Q2)."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard counter")
        VIP = "vip", _("VIP counter")
        QUIET = "quiet", _("Quiet consultation area")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STANDARD)
    service_types = models.ManyToManyField(
        ServiceType, related_name="counters", verbose_name=_("service types")
    )
    vip_only = models.BooleanField(
        _("VIP only"), default=False, help_text=_("A VIP counter that never calls standard tickets")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hall", "number"]
        unique_together = [("hall", "number")]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.hall.name} {self.name}"


class BusinessCategory(models.Model):
    """Two-level business taxonomy (C2, 咨询种类 → 业务): recorded when a service finishes."""

    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("business category")
        verbose_name_plural = _("business categories")

    def __str__(self) -> str:
        return f"{self.parent.name_zh} / {self.name_zh}" if self.parent_id else self.name_zh


def staff_name(user) -> str | None:
    """How a staff member is named on pages and timelines: their full name, else their login
    (None for no one)."""
    if user is None:
        return None
    return getattr(getattr(user, "staff", None), "full_name", None) or user.username


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    full_name = models.CharField(_("full name"), max_length=50)
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    hall = models.ForeignKey(
        Hall, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    # A work mobile: where the hall's reports are texted to a manager (reports.documents)
    mobile = models.CharField(_("work mobile"), max_length=11, blank=True)
    # A hall device's counter: the rating tablet (评价器) beside it, which rates that counter's
    # services only. A device with none is the hall's spare and may stand at any counter.
    counter = models.ForeignKey(
        "Counter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
        verbose_name=_("bound counter (rating device)"),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_no})"


class Desk(models.Model):
    """A team that handles cases (C4, C8): a hall's front desk, the hotline, the fault desk, the
    complaint and care desks. Its lead is the first level of escalation (C7); its members see
    its queue. A desk without a hall serves the whole area."""

    code = models.SlugField(max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    hall = models.ForeignKey(
        Hall, null=True, blank=True, on_delete=models.PROTECT, related_name="desks"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_desks",
        verbose_name=_("team lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="desks", verbose_name=_("members")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")

    def __str__(self) -> str:
        return self.name_zh


class OpeningHours(models.Model):
    """When a hall serves, week by week: one or more intervals per weekday (0 Monday … 6
    Sunday), and 7 for the statutory holidays of the business calendar (none: closed on
    holidays). A date in `OpeningException` overrides both."""

    HOLIDAY = 7
    WEEKDAYS = [
        (0, _("Monday")),
        (1, _("Tuesday")),
        (2, _("Wednesday")),
        (3, _("Thursday")),
        (4, _("Friday")),
        (5, _("Saturday")),
        (6, _("Sunday")),
        (HOLIDAY, _("Public holidays")),
    ]

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["hall", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A date on which a hall keeps other hours than its week says: closed (no times) or open
    from `opens` to `closes` (a holiday's short day, a stocktaking afternoon)."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="opening_exceptions")
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["hall", "date"]
        unique_together = [("hall", "date")]
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens__isnull=True, closes__isnull=True)
                | models.Q(opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens")),
                name="opening_exception_times",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.date}"
