from django.contrib import admin

from servicehall.core.admin import MaskedFieldsAdmin

# --- compensation, upgraded complaints and the monthly report (P6, P1, P3, L6)
from .models import AssessmentRule, CompensationOffer, ComplaintUpgrade


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    """The quarter's assessment (季度考核): points deducted per event of a type; a type without
    a row deducts complaints.reports.DEFAULT_POINTS."""

    list_display = ("event", "points")


@admin.register(CompensationOffer)
class CompensationOfferAdmin(MaskedFieldsAdmin, admin.ModelAdmin):
    """Every offer (P6), read only: made, answered and approved on the case page."""

    list_display = ("case", "amount", "answer", "approval", "offered_by", "offered_at")
    list_filter = ("answer", "approval")
    free_text_fields = ("basis", "remedy", "decision_reason")
    readonly_fields = (
        "case",
        "amount",
        "offered_by",
        "offered_at",
        "threshold",
        "answer",
        "answered_at",
        "approval",
        "decided_by",
        "decided_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ComplaintUpgrade)
class ComplaintUpgradeAdmin(admin.ModelAdmin):
    list_display = ("case", "first", "source", "marked_by", "at")
    list_filter = ("source",)
    readonly_fields = ("case", "first", "source", "marked_by", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
