from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .masking import mask_phone
from .models import ApiToken, AuditLog, CalendarDay, CalendarYear, ImportJob, SmsMessage
from .sms import PURPOSES, outbox_text, purpose_label


class MaskedFieldsAdmin(admin.ModelAdmin):
    """An admin whose `masked_fields` (personal data shown masked, secrets) cannot be used in a
    list's URL lookups: `?phone__startswith=139…` would otherwise find a full number digit by
    digit while the page shows it masked (V2). Such a lookup is refused (400)."""

    masked_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None):
        field = lookup.split("__")[0]
        if field in self.masked_fields:
            return False
        return super().lookup_allowed(lookup, value, request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the services write (audit rows, tickets): view, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "reason", "actor__username")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at")
    readonly_fields = ("digest",)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """When the State Council publishes next year's schedule: enter its holidays and make-up
    working days as calendar days, then set the year's source to official."""

    list_display = ("year", "source", "note", "updated_at")
    list_filter = ("source",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "day"
    search_fields = ("name",)


class PurposeFilter(admin.SimpleListFilter):
    title = _("purpose")
    parameter_name = "purpose__exact"

    def lookups(self, request, model_admin):
        return [(code, label) for code, label in PURPOSES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(purpose=self.value()) if self.value() else queryset


@admin.register(SmsMessage)
class SmsMessageAdmin(MaskedFieldsAdmin, ReadOnlyAdmin):
    """The outbox, phone numbers masked (V2), one-time codes blanked and link tokens cut short
    (sms.outbox_text). The number and the text cannot be used in the list's URL lookups:
    `?text__contains=/s/Ab` would otherwise find a survey token character by character."""

    masked_fields = ("to", "text")

    list_display = ("created_at", "masked_to", "purpose_in_words", "status", "shown_text")
    list_filter = (PurposeFilter, "status")
    exclude = ("to", "text", "purpose")
    readonly_fields = ("masked_to", "purpose_in_words", "shown_text")

    @admin.display(description=_("purpose"), ordering="purpose")
    def purpose_in_words(self, obj):
        return purpose_label(obj.purpose)

    @admin.display(description=_("to"))
    def masked_to(self, obj):
        return mask_phone(obj.to)

    @admin.display(description=_("text"))
    def shown_text(self, obj):
        return outbox_text(obj)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """The files uploaded on /imports/ and how each went (the page shows the full report)."""

    list_display = ("created_at", "kind", "file_name", "user", "status", "rows_done", "error_count")
    list_filter = ("kind", "status")
    search_fields = ("file_name", "user__username")
    exclude = ("errors",)
