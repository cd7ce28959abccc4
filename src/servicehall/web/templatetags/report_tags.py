"""The service reports' figures on a page: shown as the reports show them, and judged against
their target (reports.targets) — the one place a threshold is written."""

from django import template

from servicehall.reports.selectors import display
from servicehall.reports.targets import TARGETS

register = template.Library()


@register.filter
def figure(value, key: str) -> str:
    """`value` as the figure `key` is shown: a share in per cent, minutes with one decimal."""
    return display(key, value if isinstance(value, int | float) else None)


@register.filter
def judged(value, key: str) -> str:
    """The cell's class: "ok" when `value` meets the target of `key`, "bad" when it misses it,
    nothing when there is no target or no value."""
    target = TARGETS.get(key)
    if target is None or not isinstance(value, int | float):
        return ""
    met = target.met(value)
    return "" if met is None else ("ok" if met else "bad")
