from django.contrib import admin

from servicehall.core.admin import MaskedFieldsAdmin

# --- appeals (P2, P3, L1)
from .models import (
    Appeal,
    AppealSource,
    AssessmentRule,
    CompensationOffer,
    ComplaintUpgrade,
    ForbiddenPhrase,
)


@admin.register(AppealSource)
class AppealSourceAdmin(admin.ModelAdmin):
    """The appeal sources and their deadlines (L1 defaults; an administrator may tighten
    them). A source in use by appeals is switched off, not deleted."""

    list_display = (
        "name_zh",
        "name_en",
        "accept_within",
        "accept_working_days",
        "answer_within",
        "answer_working_days",
        "is_active",
    )
    list_editable = ("accept_within", "answer_within", "is_active")
    ordering = ("sort_order", "id")


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals, read only here: they are registered and decided on the pages (services)."""

    list_display = ("case", "source", "reference", "received_on", "reply_due", "liability", "major")
    list_filter = ("source", "liability", "major")
    search_fields = ("reference", "case__number")
    fields = (
        "case",
        "source",
        "reference",
        "hall",
        "received_on",
        "matter_on",
        "billing_dispute",
        "materials_due",
        "accept_due",
        "answer_due",
        "reply_due",
        "warnings",
        "liability",
        "company_fault",
        "withdrawal",
        "liability_reason",
        "evidence",
        "decided_at",
        "decided_in_time",
        "major",
        "major_reason",
        "replied_at",
        "replied_late",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- compensation, upgraded complaints and the monthly report (P6, P1, P3, L6)


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


# --- complaint stages (P1)


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(admin.ModelAdmin):
    """The phrases a note, a chat reply or a complaint stage's text may not contain; matched
    ignoring spaces and punctuation. Untick "active" (or delete) to allow one again."""

    list_display = ("phrase", "why", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    search_fields = ("phrase", "why")
