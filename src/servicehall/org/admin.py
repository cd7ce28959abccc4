from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from servicehall.core.admin import MaskedFieldsAdmin
from servicehall.core.errors import ServiceError

from . import hours, services
from .models import (
    BusinessCategory,
    Counter,
    Desk,
    Hall,
    OpeningException,
    OpeningHours,
    Region,
    ServiceType,
    StaffProfile,
)
from .roles import ROLES, roles_of


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
    list_display = ("code", "name", "area", "region", "is_open", "notice")
    fields = ("code", "name", "area", "region", "address", "is_open", "notice")
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 60})}}
    inlines = [OpeningHoursInline, OpeningExceptionInline, CounterInline]
    # A notice saved here reaches the hall's displays live: the queue, which owns the hall's
    # event channel, publishes every saved hall's notice (queueing/apps.py).


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """The region tree (P5, E1): each process reads it again within a minute (org/regions.py)."""

    list_display = ("code", "name", "level", "parent", "rural", "aliases")
    list_filter = ("level", "rural")
    search_fields = ("code", "name", "aliases")


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
    list_display = ("employee_no", "full_name", "user", "hall", "counter")
    search_fields = ("full_name", "employee_no")


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "hall", "lead", "is_active")
    list_filter = ("hall", "is_active")
    filter_horizontal = ("members",)


def _in_language(exc: ServiceError) -> str:
    return exc.en if (get_language() or "").startswith("en") else exc.zh


def _role_label(role) -> str:
    return role.name_en if (get_language() or "").startswith("en") else role.name_zh


class StaffUserChangeForm(UserChangeForm):
    """A staff account: roles as check boxes, changed only through org.services.set_roles
    (audited, with its rules); groups, single permissions, superuser and staff flags are not
    form fields at all."""

    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    actor = None  # set per request by StaffUserAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.code, _role_label(r)) for r in ROLES]
        if self.instance.pk:
            self.initial["roles"] = [r.code for r in roles_of(self.instance)]

    def clean_roles(self):
        codes = self.cleaned_data.get("roles") or []
        try:
            services.check_role_change(self.actor, self.instance, codes)
        except ServiceError as exc:
            raise ValidationError(_in_language(exc)) from exc
        return codes


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(MaskedFieldsAdmin, UserAdmin):
    """Staff accounts (V2, L5): who may see what changes only through roles, each change an
    audit row (who, whom, from → to); an administrator never changes their own roles nor grants
    a role that unmasks (org/services.py); superuser, staff flag and single permissions are
    read only; a password set here is audited. The password hash cannot be looked up."""

    form = StaffUserChangeForm
    no_lookup_fields = ("password",)
    list_display = ("username", "first_name", "last_name", "role_list", "is_active", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            gettext_lazy("Roles"),
            {"fields": ("is_active", "roles", "is_staff", "is_superuser", "user_permissions")},
        ),
        (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("is_staff", "is_superuser", "user_permissions", "last_login", "date_joined")
    filter_horizontal = ()

    @admin.display(description=gettext_lazy("Roles"))
    def role_list(self, obj):
        return "、".join(_role_label(r) for r in roles_of(obj)) or "—"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            services.set_roles(request.user, form.instance, form.cleaned_data["roles"])

    def user_change_password(self, request, id, form_url=""):
        target = User.objects.filter(pk=id).first()
        if target is not None:
            try:
                services.check_password_settable(request.user, target)
            except ServiceError as exc:
                raise PermissionDenied(_in_language(exc)) from exc
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            services.password_set(request.user, User.objects.get(pk=id))
        return response
