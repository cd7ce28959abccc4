from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from . import hours
from .models import (
    BusinessCategory,
    Counter,
    Desk,
    Hall,
    OpeningException,
    OpeningHours,
    ServiceType,
    StaffProfile,
)


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    filter_horizontal = ("service_types",)


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """Each interval closes after it opens (no overnight hours) and a day's intervals do not
    overlap (org/hours.validate_day), said in the interface language."""

    def clean(self):
        super().clean()
        by_day: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("opens") or not data.get("closes"):
                continue
            by_day.setdefault(data.get("weekday"), []).append((data["opens"], data["closes"]))
        for spans in by_day.values():
            hours.validate_day(spans)


def _check_interval(form: forms.ModelForm, data: dict) -> None:
    """On the form itself, before the model's constraints: the field with the error is then
    left out of them, so the user reads our sentence, not a constraint's name."""
    opens, closes = data.get("opens"), data.get("closes")
    if opens is not None and closes is not None:
        try:
            hours.validate_day([(opens, closes)])
        except ValidationError as exc:
            form.add_error("closes", exc)


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ("weekday", "opens", "closes")

    def clean(self):
        data = super().clean()
        _check_interval(self, data)
        return data


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    form = OpeningHoursForm
    formset = OpeningHoursFormSet
    extra = 0


class OpeningExceptionForm(forms.ModelForm):
    class Meta:
        model = OpeningException
        fields = ("date", "opens", "closes", "reason")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if (opens is None) != (closes is None):
            raise ValidationError(
                _("Give both the opening and the closing time, or neither for a closed day.")
            )
        _check_interval(self, data)
        return data


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    form = OpeningExceptionForm
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "area", "is_open", "notice")
    fields = ("code", "name", "area", "address", "is_open", "notice")
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 60})}}
    inlines = [OpeningHoursInline, OpeningExceptionInline, CounterInline]
    # A notice saved here reaches the hall's displays live: the queue, which owns the hall's
    # event channel, publishes every saved hall's notice (queueing/apps.py).


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
