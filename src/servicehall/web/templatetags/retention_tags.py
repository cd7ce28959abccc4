"""The case page's retention panel (web/cases/_retention.html): the record, each level's
attempt, the plan the recommender finds with its saving, and the forms the user may use. Read
here so the case page's own view does not change."""

from django import template

from servicehall.retention import selectors

from ..cases import case_of

register = template.Library()


@register.simple_tag(takes_context=True)
def retention_panel(context, case_id):
    """None where the panel has no place (not a retention case); else what it shows."""
    return selectors.panel(case_of(context, case_id), context["request"].user)
