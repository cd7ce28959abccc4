"""The export buttons of a list page (web/exports.py): the same list as CSV or Excel."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from servicehall.web.exports import export_link

register = template.Library()


@register.simple_tag(takes_context=True)
def export_links(context) -> str:
    request = context["request"]
    return format_html(
        '<span class="export-links"><a class="btn ghost small" href="{}" id="export-csv" '
        'download>{}</a> <a class="btn ghost small" href="{}" id="export-xlsx" download>{}</a></span>',
        export_link(request, "csv"),
        _("CSV export"),
        export_link(request, "xlsx"),
        _("Excel export"),
    )
