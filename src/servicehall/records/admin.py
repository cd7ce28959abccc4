"""The administrator's retention periods and legal holds (admin → 记录留存), and the purge's
reports. Every change goes through records.services: the legal minimum refused with its
reason, each change an audit row."""

from django import forms
from django.contrib import admin
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from servicehall.core.errors import ServiceError

from . import services
from .models import LegalHold, PurgeRun, RetentionPolicy
from .policies import MINIMUM_MONTHS


def _words(exc: ServiceError) -> str:
    return exc.en if (translation.get_language() or "").startswith("en") else exc.zh


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["months"]

    def clean_months(self):
        try:
            return services.check_months(self.instance.record_type, self.cleaned_data["months"])
        except ServiceError as exc:
            raise forms.ValidationError(_words(exc)) from None


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    form = RetentionPolicyForm
    list_display = ("record_type", "months", "legal_minimum", "updated_at", "updated_by")
    readonly_fields = ("record_type", "legal_minimum", "updated_at", "updated_by")
    fields = ("record_type", "months", "legal_minimum", "updated_at", "updated_by")

    @admin.display(description=_("legal minimum (months)"))
    def legal_minimum(self, obj):
        return MINIMUM_MONTHS[obj.record_type]

    def has_add_permission(self, request):
        return False  # one row per record type, seeded by the migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.set_policy(
            request.user, obj.record_type, obj.months, ip=request.META.get("REMOTE_ADDR")
        )


class LegalHoldForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ["customer", "reason", "release_reason"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    form = LegalHoldForm
    list_display = ("customer", "reason", "placed_by", "placed_at", "released_at")
    list_filter = ("released_at",)
    raw_id_fields = ("customer",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("customer", "reason")
        return ("customer", "reason", "placed_by", "placed_at", "release_reason", "released_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        done = ("released_at",) if obj.released_at is None else ("release_reason", "released_at")
        return ("customer", "reason", "placed_by", "placed_at", *done)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        ip = request.META.get("REMOTE_ADDR")
        try:
            if not change:
                hold = services.place_hold(request.user, obj.customer_id, obj.reason, ip=ip)
                obj.pk = hold.pk
            elif obj.release_reason and obj.released_at is None:
                services.release_hold(request.user, obj.pk, obj.release_reason, ip=ip)
        except ServiceError as exc:
            self.message_user(request, _words(exc), level="error")


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    """The purge's reports: the last dry run says what tonight's run would do."""

    list_display = ("at", "dry_run", "by", "summary")
    list_filter = ("dry_run",)
    fields = ("at", "dry_run", "by", "table")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _en(self):
        return (translation.get_language() or "").startswith("en")

    @admin.display(description=_("summary"))
    def summary(self, obj):
        return (
            ", ".join(
                f"{t['label_en' if self._en() else 'label_zh']} {t['done']}/{t['expired']}"
                for t in obj.report.get("types", [])
                if t["expired"] or t["kept_count"]
            )
            or "—"
        )

    @admin.display(description=_("report"))
    def table(self, obj):
        en = self._en()
        rows = []
        for t in obj.report.get("types", []):
            kept = format_html_join(
                "",
                "<li>{} ×{}: {}</li>",
                ((k["item"], k["count"], k["en"] if en else k["zh"]) for k in t["kept"]),
            )
            rows.append(
                (
                    t["label_en" if en else "label_zh"],
                    t["months"],
                    t["cutoff"],
                    t["expired"],
                    t["done"],
                    t["kept_count"],
                    format_html('<ul style="margin:0;padding-left:1em">{}</ul>', kept)
                    if t["kept"]
                    else "—",
                )
            )
        head = (
            ("Record type", "Months", "Before", "Expired", "Done", "Kept", "Why kept")
            if en
            else ("记录类型", "保留月数", "截止日期之前", "到期", "已处理", "保留", "保留原因")
        )
        return format_html(
            '<div style="overflow-x:auto"><table><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table></div>",
            format_html_join("", "<th>{}</th>", ((h,) for h in head)),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                rows,
            ),
        )
