"""What the hotline keeps (S2, L6): one row per call that reached the agents' queue — answered or
abandoned (hung up while waiting: abandonment is a figure) —, and per half hour of a day the
sums the dashboard reads (`Interval`), recomputed for the days an import touched."""

from django.db import models


class Call(models.Model):
    """A call from the ACD's records (queueing.calls_file.Call), keyed by `key`: a digest of
    what the call is (queue, arrival, outcome, waits, agent…), so the same file imported twice
    adds nothing."""

    key = models.CharField(max_length=40, unique=True)
    queue = models.CharField(max_length=40)  # the file's `type` (业务类型), or --queue
    priority = models.CharField(max_length=8, blank=True)
    vip = models.BooleanField(default=False)  # from the priority (hotline.calls.is_vip)
    arrival = models.DateTimeField()  # joined the agents' queue
    day = models.DateField()  # the arrival's day and half hour, the hall's time (Asia/Shanghai)
    slot = models.PositiveSmallIntegerField()  # 0 = 00:00–00:30 … 47 = 23:30–24:00
    answered = models.BooleanField()  # False: hung up while waiting (abandoned)
    queued = models.BooleanField(default=True)  # False: answered at once, never waited
    wait = models.PositiveIntegerField()  # seconds in the queue
    service = models.PositiveIntegerField(default=0)  # seconds with the agent (handle time)
    service_start = models.DateTimeField(null=True, blank=True)
    agent = models.CharField(max_length=60, blank=True)  # who answered; blank when abandoned
    imported_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["day"])]
        permissions = [
            ("view_hotline_report", "查看热线看板 View the hotline dashboard"),
            ("import_calls", "导入热线来电记录 Import hotline call records"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.arrival:%Y-%m-%d %H:%M:%S}"


class Interval(models.Model):
    """The calls of one half hour of a day, one queue, one priority and one agent (blank: the
    abandoned ones), summed: what the dashboard adds up."""

    day = models.DateField()
    slot = models.PositiveSmallIntegerField()
    queue = models.CharField(max_length=40)
    priority = models.CharField(max_length=8, blank=True)
    vip = models.BooleanField(default=False)
    agent = models.CharField(max_length=60, blank=True)
    offered = models.PositiveIntegerField(default=0)  # reached the queue: answered + abandoned
    answered = models.PositiveIntegerField(default=0)
    answered_15 = models.PositiveIntegerField(default=0)  # answered after waiting ≤ 15 s
    answered_20 = models.PositiveIntegerField(default=0)  # ≤ 20 s
    abandoned = models.PositiveIntegerField(default=0)
    abandoned_15 = models.PositiveIntegerField(default=0)  # abandoned after waiting > 15 s
    abandoned_20 = models.PositiveIntegerField(default=0)  # > 20 s
    answer_wait = models.PositiveBigIntegerField(default=0)  # Σ seconds answered calls waited
    handle = models.PositiveBigIntegerField(default=0)  # Σ seconds of service

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "slot", "queue", "priority", "agent"], name="hotline_interval_key"
            )
        ]
