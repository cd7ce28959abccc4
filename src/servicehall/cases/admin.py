from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import SlaPolicy
from .workflows import WORKFLOWS


def _kind_name(code: str) -> str:
    wf = WORKFLOWS.get(code)
    return wf.name_zh if wf else code


class CaseTypeFilter(admin.SimpleListFilter):
    title = _("case type")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(k, wf.name_zh) for k, wf in WORKFLOWS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class SlaPolicyForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("case type"),
        required=False,
        choices=[("", _("any"))] + [(k, wf.name_zh) for k, wf in WORKFLOWS.items()],
    )

    class Meta:
        model = SlaPolicy
        fields = (
            "name",
            "kind",
            "category",
            "channel",
            "priority",
            "min_tier",
            "area",
            "first_response",
            "first_response_unit",
            "resolution",
            "resolution_unit",
            "warn_at_percent",
            "escalate_every",
            "confirm_within",
            "in_opening_hours",
            "is_active",
        )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """The deadlines (C4, C6, L2): blank fields match any case; the most specific policy that
    matches a case wins (cases/sla.py)."""

    form = SlaPolicyForm
    # what fits a 1366-px screen; priority and VIP tier are in the filters and the form
    list_display = (
        "name",
        "case_type",
        "category",
        "channel",
        "area",
        "first_response_limit",
        "resolution_limit",
        "is_active",
    )
    list_filter = (CaseTypeFilter, "is_active", "channel", "area", "priority", "min_tier")
    search_fields = ("name",)

    @admin.display(description=_("case type"), ordering="kind")
    def case_type(self, obj):
        return _kind_name(obj.kind) if obj.kind else "—"

    @admin.display(description=_("first response within"))
    def first_response_limit(self, obj):
        if obj.first_response is None:
            return "—"
        return f"{obj.first_response} {obj.get_first_response_unit_display()}"

    @admin.display(description=_("resolve within"))
    def resolution_limit(self, obj):
        return f"{obj.resolution} {obj.get_resolution_unit_display()}"
