"""The complaint fragment of the case page (web/cases/_complaint.html) reads its data here:
the case page's view stays the same for every case type."""

from django import template
from django.utils.translation import get_language

from servicehall.complaints.selectors import panel

from ..cases import case_of

register = template.Library()


@register.simple_tag(takes_context=True)
def complaint_panel(context, case: dict) -> dict:
    """The script panel, the stage forms' choices and what each stage recorded; on a refused
    POST, what the user typed (`posted`), so nothing typed is lost."""
    data = panel(case_of(context, case["id"]), get_language() or "zh-hans")
    request = context.get("request")
    posted = request.POST if request is not None and request.method == "POST" else None
    data["posted"] = posted or {}
    return data
