"""The periodic SLA sweep (C7): warnings, missed first responses, escalations level by level,
return visits when the confirmation does not come. Idempotent."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import F

from servicehall.core.db import write_transaction

from ..models import Case, CaseEvent
from ..workflows import ESCALATION_LEVELS, MAX_LEVEL, WORKFLOWS
from .common import _now

SWEEP_BATCH = 2000


def _due(qs, now: datetime, field: str):
    """Up to a batch of due rows, locked for this sweep (another sweep skips them)."""
    qs = qs.filter(**{f"{field}__lte": now}).order_by(field)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("id", "status", "kind", "escalation_level")[:SWEEP_BATCH])


def _events(rows, kind: str, now: datetime, **data) -> None:
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case_id=pk, at=now, kind=kind, from_status=st, to_status=st, data=data)
            for pk, st, _kind, _level in rows
        ]
    )


def _drain(qs, now: datetime, field: str, step) -> int:
    """Run `step(rows)` over every batch of rows whose `field` time has come; each batch in its
    own write transaction. `step` clears or advances `field`, so the loop ends."""
    done = 0
    while True:
        with write_transaction():
            rows = _due(qs, now, field)
            if not rows:
                return done
            done += step(rows)


def sweep(now: datetime | None = None) -> dict:
    """One pass of the SLA sweep (C7). Each step reads only rows whose watch time has come and
    clears or advances that time as it records the event, so running it twice, or late,
    changes nothing more than running it once on time."""
    now = now or _now()
    open_cases = Case.objects.filter(closed_at__isnull=True)
    # a case that follows an incident (E1) keeps no clock of its own: the incident's runs
    own_clock = open_cases.filter(follows="")

    def ids(rows) -> list[int]:
        return [r[0] for r in rows]

    def warn(rows) -> int:  # the owner, before the deadline
        Case.objects.filter(pk__in=ids(rows)).update(warn_at=None)
        _events(rows, "sla_warning", now)
        return len(rows)

    def first_response_missed(rows) -> int:
        Case.objects.filter(pk__in=ids(rows)).update(
            first_response_watch=None, first_response_missed=True
        )
        _events(rows, "first_response_missed", now)
        return len(rows)

    def escalate_overdue(rows) -> int:  # one level up per `escalate_every` past the deadline
        by_level: dict[int, list] = {}
        for r in rows:  # a row with a next escalation is below the top level
            by_level.setdefault(r[3] + 1, []).append(r)
        for level, batch in by_level.items():
            Case.objects.filter(pk__in=ids(batch)).update(
                escalation_level=level,
                breached=True,
                next_escalation_at=None
                if level == MAX_LEVEL
                else F("next_escalation_at") + F("escalate_every"),
            )
            zh, en = ESCALATION_LEVELS[level]
            _events(batch, "escalated", now, level=level, to_zh=zh, to_en=en, why="overdue")
        return len(rows)

    def return_visit(rows) -> int:  # the customer did not confirm in time (C5)
        changed = []
        for pk, status, kind, _level in rows:
            wf = WORKFLOWS.get(kind)
            t = wf.transition(status, "start_return_visit") if wf else None
            if t is None:  # this type has no return visit: stop watching
                Case.objects.filter(pk=pk).update(confirm_due=None)
                continue
            Case.objects.filter(pk=pk).update(
                confirm_due=None, status=t.target, version=F("version") + 1
            )
            changed.append(
                CaseEvent(
                    case_id=pk,
                    at=now,
                    kind="start_return_visit",
                    from_status=status,
                    to_status=t.target,
                )
            )
        CaseEvent.objects.bulk_create(changed)
        return len(changed)

    return {
        "warnings": _drain(own_clock, now, "warn_at", warn),
        "first_response_missed": _drain(
            own_clock, now, "first_response_watch", first_response_missed
        ),
        "escalations": _drain(own_clock, now, "next_escalation_at", escalate_overdue),
        "return_visits": _drain(
            open_cases.filter(resolved_at__isnull=False), now, "confirm_due", return_visit
        ),
    }
