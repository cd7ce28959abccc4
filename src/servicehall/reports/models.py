"""The rollup tables (S2): what the dashboards and the daily and monthly reports count, one row
per hall, day and what the report breaks it down by. Written only by `rollup.rebuild`, which
replaces a (hall, day) slice whole from the raw rows, so a rebuild run twice changes nothing.

Why these grains: a province's month (200 halls × 30 days) must read in well under a second, so
each table has the fewest dimensions its views need — a few hundred thousand rows at most — and
none is per ticket. Wait times keep a histogram by minute (`wait_hist`) so a percentile over any
set of rows is exact to the minute.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

WAIT_BUCKETS = 61  # minutes 0…59, and 60 or more


class QueueDay(models.Model):
    """Tickets of one hall and day by service type and VIP or not (the day's figures, the
    breakdown by type, the wait percentile)."""

    hall = models.ForeignKey("org.Hall", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    service_type = models.ForeignKey("org.ServiceType", on_delete=models.CASCADE, related_name="+")
    vip = models.BooleanField()
    issued = models.PositiveIntegerField(default=0)
    called = models.PositiveIntegerField(default=0)  # called at least once (their wait is known)
    wait_sum_s = models.BigIntegerField(default=0)
    wait_ok = models.PositiveIntegerField(default=0)  # called within the hall's limit (15 / 10)
    # called tickets per minute waited (0…59, 60 or more): WAIT_BUCKETS counts, comma-separated —
    # a province's month is 72,000 rows, and a JSON list decodes forty times slower
    wait_hist = models.TextField(default="")
    served = models.PositiveIntegerField(default=0)  # service finished
    service_sum_s = models.BigIntegerField(default=0)
    service_long = models.PositiveIntegerField(default=0)  # over the transaction limit (10 min)
    no_show = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)  # cancelled, or not served at closing

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hall", "service_type", "vip"], name="queueday_slice"
            )
        ]
        indexes = [models.Index(fields=["hall", "day"], name="queueday_hall_day")]
        permissions = [
            ("view_service_report", "Can view the service reports and dashboards (S2)"),
        ]


class QueueHour(models.Model):
    """Tickets taken per hall, day, hour and service type (the chart by hour)."""

    hall = models.ForeignKey("org.Hall", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    service_type = models.ForeignKey("org.ServiceType", on_delete=models.CASCADE, related_name="+")
    issued = models.PositiveIntegerField(default=0)
    called = models.PositiveIntegerField(default=0)
    wait_sum_s = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hall", "hour", "service_type"], name="queuehour_slice"
            )
        ]
        indexes = [models.Index(fields=["hall", "day"], name="queuehour_hall_day")]


class StaffDay(models.Model):
    """One staff member's day in one hall: tickets served and how fast, counter ratings."""

    hall = models.ForeignKey("org.Hall", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    called = models.PositiveIntegerField(default=0)
    wait_sum_s = models.BigIntegerField(default=0)
    wait_ok = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    service_sum_s = models.BigIntegerField(default=0)
    service_long = models.PositiveIntegerField(default=0)
    no_show = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "hall", "staff"], name="staffday_slice")
        ]
        indexes = [models.Index(fields=["hall", "day"], name="staffday_hall_day")]


class CaseDay(models.Model):
    """Cases opened in a hall on a day (hall empty: the hotline's and the area desks'), by case
    type, desk and owner, and what became of them: a cohort, so a case's later events
    (closed, breached) change the row of the day it was opened. Appeals are the cases of kind
    "appeal"; complaints those the complaint desk counts (complaints.selectors.COUNTED)."""

    hall = models.ForeignKey("org.Hall", null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20)
    desk = models.ForeignKey("org.Desk", null=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)  # closed with the customer's confirmation
    responded = models.PositiveIntegerField(default=0)  # a first response given
    response_sum_s = models.BigIntegerField(default=0)
    response_missed = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)  # resolution deadline missed
    complaints = models.PositiveIntegerField(default=0)  # complaints that count (P1)

    class Meta:
        indexes = [models.Index(fields=["hall", "day"], name="caseday_hall_day")]


class SatisfactionDay(models.Model):
    """Satisfaction answers of a day (surveys after a case by the day answered, counter ratings
    by the day rated) per hall, staff member and source, with the five dimensions' sums."""

    class Source(models.TextChoices):
        SURVEY = "survey", _("Survey after a case")
        RATING = "rating", _("Counter rating")

    hall = models.ForeignKey("org.Hall", null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    answers = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    overall_sum = models.PositiveIntegerField(default=0)
    # per dimension (surveys.models.DIMENSIONS): how many answered it, the sum of their scores —
    # columns, so a province's month adds up in the database
    tangibles_n = models.PositiveIntegerField(default=0)
    tangibles_sum = models.PositiveIntegerField(default=0)
    empathy_n = models.PositiveIntegerField(default=0)
    empathy_sum = models.PositiveIntegerField(default=0)
    professionalism_n = models.PositiveIntegerField(default=0)
    professionalism_sum = models.PositiveIntegerField(default=0)
    responsiveness_n = models.PositiveIntegerField(default=0)
    responsiveness_sum = models.PositiveIntegerField(default=0)
    reliability_n = models.PositiveIntegerField(default=0)
    reliability_sum = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["hall", "day"], name="satisfactionday_hall_day")]


class RollupCursor(models.Model):
    """How far the rollup has read each source of events (`rollup.catch_up`): the last event id
    (tickets, cases, ratings) or time (surveys answered)."""

    source = models.CharField(max_length=20, unique=True)
    last_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)


class ReportDocument(models.Model):
    """A hall's daily or monthly report as made by the job (reports.documents.produce): the PDF
    and the Excel file in the attachment store, kept and listed on /reports/documents."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily report")
        MONTHLY = "monthly", _("Monthly report")

    hall = models.ForeignKey("org.Hall", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    made_at = models.DateTimeField()
    pdf_path = models.CharField(max_length=200)
    xlsx_path = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    pdf_bytes = models.PositiveIntegerField()
    xlsx_bytes = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "kind", "period_start"], name="reportdocument_period"
            )
        ]
        ordering = ["-period_start", "hall_id"]
