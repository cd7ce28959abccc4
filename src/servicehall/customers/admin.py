from django.contrib import admin

from servicehall.core.masking import mask_id_number, mask_name

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Masked in the admin too (V2): unmasked views go through the audited API and workbench."""

    list_display = ("id", "masked_name", "tier", "group", "masked_id")
    list_filter = ("tier", "group")
    fields = ("masked_name", "masked_id", "tier", "group")
    readonly_fields = ("masked_name", "masked_id")

    @admin.display(description="姓名 Name")
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description="证件号 ID number")
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)
