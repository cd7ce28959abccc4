from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicehall.core.admin import MaskedFieldsAdmin, ReadOnlyAdmin
from servicehall.core.masking import mask_name, mask_phone

from .models import (
    Appointment,
    AppointmentEvent,
    QueuePolicy,
    ShiftPlan,
    ShiftTemplate,
    Ticket,
    TicketEvent,
)
from .selectors import event_data


@admin.register(QueuePolicy)
class QueuePolicyAdmin(admin.ModelAdmin):
    list_display = (
        "hall",
        "standard_wait_limit_min",
        "vip_wait_limit_min",
        "transaction_limit_min",
        "avg_service_target_min",
        "recalls_before_no_show",
    )


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    """A hall's shifts (S4): the least-cost plan chooses how many of each active one."""

    list_display = ("hall", "name", "start", "end", "paid_break_minutes", "cost", "is_active")
    list_filter = ("hall", "is_active")


@admin.register(ShiftPlan)
class ShiftPlanAdmin(ReadOnlyAdmin):
    """Read only: plans are made and adjusted on the shift plan page, audited there."""

    list_display = ("hall", "day", "source", "made_by", "made_at", "changed_by", "changed_at")
    list_filter = ("hall", "source")
    date_hierarchy = "day"


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "counter", "from_status", "to_status", "shown_data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("data"))
    def shown_data(self, obj):
        return event_data(obj)  # a transfer summary's typed numbers masked (V2)


@admin.register(Ticket)
class TicketAdmin(MaskedFieldsAdmin, ReadOnlyAdmin):
    """Read-only: tickets change only through the queue's services, which write their events.
    The number texted when two are ahead is masked; the customer page's token never shown."""

    phone_fields = ("notify_phone",)
    secret_fields = ("token",)
    free_text_fields = ("note",)  # a clerk's note may quote the customer's numbers

    list_display = (
        "number",
        "hall",
        "day",
        "service_type",
        "priority",
        "status",
        "counter",
        "arrival_at",
    )
    list_filter = ("hall", "day", "status", "service_type", "area")
    search_fields = ("number",)
    inlines = [TicketEventInline]


class AppointmentEventInline(admin.TabularInline):
    """An appointment's history: booked, moved (old → new time), cancelled (reason), checked in."""

    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ("when", "kind_label", "who", "details")
    readonly_fields = fields
    verbose_name = _("history entry")
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("queueing.view_appointment")  # seen with its appointment

    @admin.display(description=_("time"))
    def when(self, obj):
        return timezone.localtime(obj.at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description=_("by"))
    def who(self, obj):
        staff = getattr(obj.actor, "staff", None) if obj.actor_id else None
        return staff.full_name if staff else (obj.actor.username if obj.actor else "")

    @admin.display(description=_("what happened"))
    def kind_label(self, obj):
        return APPOINTMENT_EVENT_LABELS.get(obj.kind, obj.kind)

    @admin.display(description=_("details"))
    def details(self, obj):
        d = obj.data or {}
        if obj.kind == "moved":
            return f"{d.get('old', '')[:16].replace('T', ' ')} → {d.get('new', '')[:16].replace('T', ' ')}"
        if obj.kind == "cancelled":
            return d.get("reason", "")
        if obj.kind == "checked_in":
            return d.get("ticket", "")
        return ""


APPOINTMENT_EVENT_LABELS = {
    "booked": _("Booked"),
    "moved": _("Moved"),
    "cancelled": _("Cancelled"),
    "checked_in": _("Checked in"),
    "missed": _("Missed"),
}


class StatusFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("status")


@admin.register(Appointment)
class AppointmentAdmin(MaskedFieldsAdmin, ReadOnlyAdmin):
    """Read-only: appointments change through the appointment page and API (services), which
    write their events. The customer is masked here too (V2)."""

    phone_fields = ("phone",)
    free_text_fields = ("note",)
    # The model's fields carry no verbose names (no migration for labels): every column is
    # named here, so the admin reads in Chinese.
    list_display = (
        "slot",
        "hall_name",
        "service",
        "masked_customer",
        "masked_phone",
        "status_label",
        "booked_by",
    )
    list_filter = ("hall", ("slot_at", admin.DateFieldListFilter), ("status", StatusFilter))
    date_hierarchy = "slot_at"
    list_select_related = ("hall", "service_type", "customer", "created_by__staff")
    fields = (
        "hall_name",
        "service",
        "masked_customer",
        "masked_phone",
        "slot",
        "status_label",
        "note",
        "booked_by",
        "booked_at",
    )
    readonly_fields = fields
    inlines = [AppointmentEventInline]

    @admin.display(description=_("appointment time"), ordering="slot_at")
    def slot(self, obj):
        return timezone.localtime(obj.slot_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("service hall"), ordering="hall")
    def hall_name(self, obj):
        return obj.hall.name

    @admin.display(description=_("service type"))
    def service(self, obj):
        return obj.service_type.name_zh

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("booked by"))
    def booked_by(self, obj):
        staff = getattr(obj.created_by, "staff", None) if obj.created_by_id else None
        return staff.full_name if staff else (obj.created_by.username if obj.created_by else "")

    @admin.display(description=_("booked at"))
    def booked_at(self, obj):
        return timezone.localtime(obj.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("customer"))
    def masked_customer(self, obj):
        return mask_name(obj.customer.name)

    @admin.display(description=_("phone number"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)
