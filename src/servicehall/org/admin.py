from django.contrib import admin

from .models import BusinessCategory, Counter, Desk, Hall, ServiceType, StaffProfile


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    filter_horizontal = ("service_types",)


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area", "is_open", "notice")
    inlines = [CounterInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "notice" in form.changed_data:  # the hall's displays follow live
            from servicehall.core.events import publish_on_commit
            from servicehall.queueing.services import channel_name

            publish_on_commit(channel_name(obj.pk), {"type": "notice", "notice": obj.notice})


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "prefix", "name_zh", "name_en", "expected_minutes", "is_active")
    list_editable = ("expected_minutes", "is_active")


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("hall", "number", "name", "kind", "vip_only", "is_active")
    list_filter = ("hall", "kind")
    filter_horizontal = ("service_types",)


@admin.register(BusinessCategory)
class BusinessCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "parent", "is_active")
    list_filter = ("parent",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("employee_no", "full_name", "user", "hall")
    search_fields = ("full_name", "employee_no")


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "hall", "lead", "is_active")
    list_filter = ("hall", "is_active")
    filter_horizontal = ("members",)
