"""Template helpers of the hall pages: names in the interface language, event labels."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from servicehall.cases import selectors as cases_selectors
from servicehall.incidents import selectors as incidents_selectors
from servicehall.web.names import english

register = template.Library()

EVENT_LABELS = {
    "issued": _("Issued"),
    "called": _("Called"),
    "recalled": _("Recalled"),
    "started": _("Service started"),
    "finished": _("Finished"),
    "no_show": _("No-show"),
    "transferred": _("Transferred"),
    "moved_to_quiet": _("Moved to the quiet area"),
    "cancelled": _("Cancelled"),
}


@register.filter
def loc(obj, field: str = "name"):
    """`obj.name_en` when the interface is English, else `obj.name_zh` (dicts too)."""
    suffix = "en" if english() else "zh"
    key = f"{field}_{suffix}"
    if isinstance(obj, dict):
        return obj.get(key) or obj.get(f"{field}_zh", "")
    return getattr(obj, key, None) or getattr(obj, f"{field}_zh", "")


@register.filter
def event_label(kind: str):
    return EVENT_LABELS.get(kind, kind)


def _slot(line: str, token: str, span_id: str, css: str, value: str):
    before, _sep, after = line.partition("{" + token + "}")
    return format_html(
        '<p class="call-line"><span class="call-text">{}</span> <span id="{}" class="{}">{}</span>'
        ' <span class="call-text">{}</span></p>',
        before.strip(),
        span_id,
        css,
        value,
        after.strip(),
    )


@register.simple_tag
def call_line(call: dict | None):
    """The display's call in the interface language's word order, on two lines:
    请 A023 号 / 到 1号窗口 办理 — the number and counter in spans the live script updates."""
    # Translators: the display screen's call; "|" splits its two lines. Keep {number}, {counter}.
    first, _sep, second = gettext("Number {number}|please go to {counter}").partition("|")
    call = call or {}
    return format_html(
        "{}{}",
        _slot(first, "number", "latest-number", "big-number", call.get("number") or "—"),
        _slot(second, "counter", "latest-counter", "big-counter", call.get("counter") or ""),
    )


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (form values by a field name held in a variable)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


KB_EVENT_LABELS = {
    "created": _("Written"),
    "edited": _("New version"),
    "submit": _("Submitted for review"),
    "approve": _("Approved"),
    "reject": _("Sent back"),
    "publish": _("Published"),
    "archive": _("Archived"),
    "imported": _("Imported"),  # servicehall import-articles: published from a file
}


@register.filter
def kb_event(kind: str):
    """A knowledge article's history entry in the interface language."""
    return KB_EVENT_LABELS.get(kind, kind)


@register.simple_tag
def region_source(code: str) -> str:
    """How a case's region was known (org.regions.Source), in the interface language."""
    from servicehall.org.regions import Source

    return str(Source(code).label) if code in Source.values else code


@register.simple_tag(takes_context=True)
def incident_link(context, number: str) -> str:
    """A case's incident: a link for those who may see incidents, the number for the others."""
    user = context["request"].user
    target = (
        incidents_selectors.by_number(user, number)
        if user.has_perm("incidents.view_alerts")
        else None
    )
    if target is None:
        return number
    return format_html('<a href="{}">{}</a>', reverse("web:incident", args=[target.pk]), number)


@register.simple_tag
def problem_label(term: str) -> str:
    """An early-warning problem's name (incidents/problems.py) in the interface language."""
    return incidents_selectors.problem_label(term, english())


@register.simple_tag(takes_context=True)
def open_alerts(context) -> int:
    """Early-warning alerts of the user's districts waiting for a decision (the nav's badge)."""
    user = context["request"].user
    if not (user.is_authenticated and user.has_perm("incidents.view_alerts")):
        return 0
    return incidents_selectors.waiting(user)


@register.simple_tag(takes_context=True)
def unanswered_chats(context) -> int:
    """Chats handed over to the signed-in person that nobody has answered yet (the badge)."""
    user = context["request"].user
    return (
        cases_selectors.unanswered_chats(user)
        if user.is_authenticated and user.has_perm("cases.handle_case")
        else 0
    )
