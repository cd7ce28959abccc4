from django.contrib import admin

from servicehall.core.admin import MaskedFieldsAdmin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(MaskedFieldsAdmin, admin.ModelAdmin):
    """Masked in the admin too (V2): unmasked views go through the audited API and workbench."""

    list_display = ("id", "name", "tier", "group", "id_number")
    list_filter = ("tier", "group")
    fields = ("name", "id_number", "tier", "group", "address", "region")
    name_fields = ("name",)
    address_fields = ("address",)
    id_number_fields = ("id_number",)
