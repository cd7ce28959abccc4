"""The rollup's jobs (Huey): every minute the slices the new events touched (`catch_up`); at
01:30 the day before rebuilt whole, which catches an event committed late behind a higher id.
Both idempotent: a doubled or late run writes the same rows again."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import rollup

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-catch-up")
def catch_up() -> int:
    touched = rollup.catch_up()
    return sum(len(h) for h in touched.values())


@db_periodic_task(crontab(minute="30", hour="1"))
def rebuild_yesterday() -> dict:
    from datetime import timedelta

    return rollup.rebuild(timezone.localdate() - timedelta(days=1))


# The 18:00 scene: the day's report when the hall closes (the demo hall closes at 18:00); the
# rollup caught up first so the last tickets count.
@db_periodic_task(crontab(minute="5", hour="18"))
@lock_task("reports-daily")
def daily_reports() -> int:
    from .documents import daily_all

    rollup.catch_up()
    return daily_all(timezone.localdate())


@db_periodic_task(crontab(minute="0", hour="3", day="1"))
@lock_task("reports-monthly")
def monthly_reports() -> int:
    from datetime import timedelta

    from .documents import monthly_all

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    return monthly_all(last_month)
