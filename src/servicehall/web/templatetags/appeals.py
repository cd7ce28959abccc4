"""The appeal's fragment on the case page (web/templates/web/cases/_appeal.html) reads its data
here, so the case page's view needs no change for it."""

from django import template
from django.utils.translation import get_language

from servicehall.complaints import appeal_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def appeal_panel(context, case_id):
    """An appeal as its fragment shows it, the appeals linked to a complaint, or None."""
    from ..cases import case_of

    case = case_of(context, case_id)
    return appeal_selectors.appeal_view(case, context["request"].user, get_language() or "zh")


@register.simple_tag
def appeal_choices():
    return appeal_selectors.choices()


@register.simple_tag(takes_context=True)
def appeal_posted(context) -> dict:
    """What a refused liability decision posted, so the form comes back as it was typed."""
    request = context.get("request")
    if request is None or request.method != "POST" or "liability" not in request.POST:
        return {}
    return request.POST
