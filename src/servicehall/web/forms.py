"""Turning a ServiceError into what a page shows: the message in the interface language and the
field at fault (the API keeps both languages)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages

from servicehall.core.errors import ServiceError

from .names import english


def words(zh: str, en: str) -> str:
    """What a page says, in the interface language only."""
    return en if english() else zh


def error_text(exc: ServiceError) -> str:
    return words(exc.zh, exc.en)


def attempt(
    request, action: Callable[[], Any], success: str | None = None, form: str = "page"
) -> Any:
    """Run a service call for a form POST; on refusal flash the error (tagged with the
    form and the field at fault, so the page can show it beside them) and return None."""
    try:
        result = action()
    except ServiceError as exc:
        messages.error(
            request, error_text(exc), extra_tags=f"form-{form} field-{exc.field or 'form'}"
        )
        return None
    if success:
        messages.success(request, success, extra_tags=f"form-{form}")
    return result


# Sent by live-page.js when it fetches the page again to refresh one part of it.
LIVE_REFRESH_HEADER = "X-ServiceHall-Live"


def sort_messages(request, forms_on_page: Iterable[str]) -> tuple[dict[str, list], list]:
    """The flashed messages split into those of a form shown on this page (by form) and the
    rest, shown at the top."""
    if request.headers.get(LIVE_REFRESH_HEADER):
        return {}, []  # a live page refreshing a part of itself: keep them for the next page
    shown = set(forms_on_page)
    by_form: dict[str, list] = {}
    rest = []
    for m in messages.get_messages(request):
        form = next((t[5:] for t in m.extra_tags.split() if t.startswith("form-")), None)
        if form in shown:
            by_form.setdefault(form, []).append(m)
        else:
            rest.append(m)
    return by_form, rest
