from django.contrib import admin

from servicehall.core.admin import ReadOnlyAdmin

from .models import Appointment, QueuePolicy, Ticket, TicketEvent


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


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "counter", "from_status", "to_status", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: tickets change only through the queue's services, which write their events."""

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


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("hall", "service_type", "slot_at", "status")
    list_filter = ("hall", "status")
    exclude = ("phone",)  # masked by omission (V2); booked through the audited API
