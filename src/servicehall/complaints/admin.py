from django.contrib import admin

# --- appeals (P2, P3, L1)
from .models import Appeal, AppealSource


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
