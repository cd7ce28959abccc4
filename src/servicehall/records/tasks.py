"""The nightly purge (Huey): at 02:30, when the halls are closed. Idempotent: a late or
doubled run removes nothing more."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="30", hour="2"))
def nightly_purge() -> dict:
    report = services.purge(dry_run=False)
    done = {t["type"]: t["done"] for t in report["types"] if t["done"]}
    if done:
        log.info("retention purge: %s", done)
    return done
