from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from .masking import mask_address, mask_free_text, mask_id_number, mask_name, mask_phone
from .models import ApiToken, AuditLog, CalendarDay, CalendarYear, ImportJob, SmsMessage
from .sms import PURPOSES, outbox_text, purpose_label

MASKERS = {
    "phone_fields": mask_phone,
    "id_number_fields": mask_id_number,
    "name_fields": mask_name,
    "free_text_fields": mask_free_text,
    "address_fields": mask_address,
}
KIND_LABELS = {  # the column's name where the model field has none of its own
    "phone_fields": _("phone number"),
    "id_number_fields": _("ID number"),
    "name_fields": _("full name"),  # a person's name, whatever the field calls it
    "free_text_fields": _("text"),
    "address_fields": _("address"),
}


class MaskedFieldsAdmin:
    """Personal data and secrets in the admin (V2), declared by field lists on any ModelAdmin or
    inline: `phone_fields`, `id_number_fields`, `name_fields`, `address_fields` and `free_text_fields`
    (phone and ID numbers inside typed text) are shown masked, read only, in the list and the change view;
    `secret_fields` (codes, hashes, tokens) are never shown; `no_lookup_fields` are shown as the
    admin shows them but never looked up. None of them can be used from the query string: a
    filter (`?id_number__startswith=1101`, also through a relation), the search box
    (`get_search_fields` leaves them out), `_to_field`; the list's `o=` ordering only reaches the
    masked columns, which have no order. Such a lookup answers 400 (Django's
    DisallowedModelAdminLookup), so nothing can be rebuilt digit by digit from the results."""

    phone_fields: tuple[str, ...] = ()
    id_number_fields: tuple[str, ...] = ()
    name_fields: tuple[str, ...] = ()
    free_text_fields: tuple[str, ...] = ()
    address_fields: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = ()
    no_lookup_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, masker in MASKERS.items():
            for name in getattr(self, kind):
                attr = f"masked_{name}"
                if not hasattr(self, attr):
                    setattr(self, attr, _masked_display(self.model, name, masker, kind))

    # what the admin shows
    def masked_names(self) -> set[str]:
        return {n for kind in MASKERS for n in getattr(self, kind)}

    def unlooked_names(self) -> set[str]:
        return self.masked_names() | set(self.secret_fields) | set(self.no_lookup_fields)

    def _shown(self, names):
        masked, secret = self.masked_names(), set(self.secret_fields)
        return [
            f"masked_{n}" if isinstance(n, str) and n in masked else n
            for n in names
            if not (isinstance(n, str) and n in secret)
        ]

    def get_list_display(self, request):
        return self._shown(super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._shown(super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        return [
            (name, {**opts, "fields": self._shown(opts.get("fields", ()))})
            for name, opts in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        extra = [f"masked_{n}" for n in sorted(self.masked_names())]
        return [*super().get_readonly_fields(request, obj), *extra]

    def get_exclude(self, request, obj=None):
        hidden = [*self.masked_names(), *self.secret_fields]
        return [*(super().get_exclude(request, obj) or ()), *hidden]

    # what the query string may ask
    def lookup_allowed(self, lookup, value, request=None):
        if touches_masked(self.model, lookup, self):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return [
            f
            for f in super().get_search_fields(request)
            if not touches_masked(self.model, f.lstrip("^=@"), self)
        ]

    def to_field_allowed(self, request, to_field):
        if to_field in self.unlooked_names():
            return False
        return super().to_field_allowed(request, to_field)


def _masked_display(model, name: str, masker, kind: str):
    try:
        label = model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        label = name
    if label == name.replace("_", " ") or kind == "name_fields":  # no label of its own
        label = KIND_LABELS[kind]

    def show(obj):
        return masker(getattr(obj, name, "") or "") or "—"

    show.short_description = label
    return show


def masked_fields_of(model, admin_site=None) -> set[str]:
    """Every field of `model` some registered admin (or one of its inlines) declares masked,
    secret or not to be looked up."""
    site = admin_site or admin.site
    found: set[str] = set()
    for registered_model, model_admin in site._registry.items():
        for one in (model_admin, *(i(registered_model, site) for i in model_admin.inlines)):
            if one.model is model and isinstance(one, MaskedFieldsAdmin):
                found |= one.unlooked_names()
    return found


def touches_masked(model, path: str, model_admin=None) -> bool:
    """Whether a lookup path (`customer__id_number__startswith`) names a masked field of the
    model it starts from or of any model it passes through."""
    extra = model_admin.unlooked_names() if model_admin is not None else set()
    for part in path.split(LOOKUP_SEP):
        if part in extra or part in masked_fields_of(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation or field.related_model is None:
            return False
        model, extra = field.related_model, set()
    return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the services write (audit rows, tickets): view, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(MaskedFieldsAdmin, ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor__username")
    free_text_fields = ("reason",)  # a reason may quote a number


@admin.register(ApiToken)
class ApiTokenAdmin(MaskedFieldsAdmin, admin.ModelAdmin):
    list_display = ("name", "user", "created_at")
    secret_fields = ("digest",)


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
    (sms.outbox_text); the raw text (codes, survey links) is never shown nor looked up:
    `?text__contains=/s/Ab` would otherwise find a survey token character by character."""

    phone_fields = ("to",)
    secret_fields = ("text",)

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
