"""Turning a ServiceError into what a page shows: one bilingual message and the field at fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages

from servicehall.core.errors import ServiceError


def error_text(exc: ServiceError) -> str:
    return f"{exc.zh} / {exc.en}"


def attempt(request, action: Callable[[], Any], success: str | None = None) -> Any:
    """Run a service call for a form POST; on refusal flash the bilingual error and return None."""
    try:
        result = action()
    except ServiceError as exc:
        messages.error(request, error_text(exc), extra_tags=f"field-{exc.field or 'form'}")
        return None
    if success:
        messages.success(request, success)
    return result
