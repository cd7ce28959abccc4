"""Periodic queue work (Huey): the opening-hours sweep every minute — ticketing opens and
closes by the halls' schedules, the day is closed, earlier days' leftovers are marked not
served. Idempotent, so a late or doubled run (two workers, a restart) does no harm."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def opening_hours_sweep() -> dict:
    done = services.apply_opening_hours()
    if any(done.values()):
        log.info("Opening hours sweep: %s", done)
    return done
