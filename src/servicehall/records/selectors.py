"""Reads of records and retention."""

from __future__ import annotations

from .models import PurgeRun


def last_report(dry_run: bool | None = True) -> PurgeRun | None:
    qs = PurgeRun.objects.all()
    if dry_run is not None:
        qs = qs.filter(dry_run=dry_run)
    return qs.order_by("-at", "-id").first()
