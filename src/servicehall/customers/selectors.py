"""Reads of customer data."""

from __future__ import annotations

from .models import Bill


def recent_bills(number: str, months: int = 3) -> list[Bill]:
    """The line's latest bills, newest first."""
    return list(Bill.objects.filter(number=number).order_by("-month")[:months])
