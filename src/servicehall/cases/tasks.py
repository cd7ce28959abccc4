"""Periodic case work (Huey): the SLA sweep every minute (C7). The sweep is idempotent, so a
late or doubled run (two workers, a restart) does no harm."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep() -> dict:
    done = services.sweep()
    if any(done.values()):
        log.info("SLA sweep: %s", done)
    return done
