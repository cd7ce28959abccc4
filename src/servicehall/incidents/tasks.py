"""The early warning on the stream (P5): each new case is watched within seconds of its intake,
by a Huey task, so the intake never waits for the detector."""

import logging

from huey.contrib.djhuey import db_task

from . import services

log = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=5)
def watch_contact(case_id: int) -> int | None:
    alert = services.watch(case_id)
    if alert is not None:
        log.info("early warning: alert %s (%s) after case %s", alert.pk, alert.term, case_id)
    return alert.pk if alert else None


def on_case_opened(sender, case_id: int, **kwargs) -> None:
    """`case_opened` is sent after the intake commits: queue the watch. A queue that is away
    (Redis down) must never undo an intake: the watch is then done here, at once."""
    try:
        watch_contact(case_id)
    except Exception:
        log.warning("task queue unavailable: watching case %s in the request", case_id)
        try:
            services.watch(case_id)
        except Exception:
            log.exception("early warning failed for case %s", case_id)
