"""Quality's periodic job (Huey): on the 1st of each month at 03:00 the month before is
sampled by the rules in use. `services.sample` is idempotent, so a late or doubled run adds
nothing."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

log = logging.getLogger(__name__)


def last_month():
    first = timezone.localdate().replace(day=1)
    return (first - timezone.timedelta(days=1)).replace(day=1)


@db_periodic_task(crontab(minute="0", hour="3", day="1"))
def monthly_sample() -> dict:
    added = services.sample(last_month())
    log.info("quality sample %s: %s", last_month(), added)
    return added
