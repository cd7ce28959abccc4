"""The supervisor's data, edited by an administrator: the check form and its items, the
sampling rules, the appraisal's weights (docs: README "Quality supervision")."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import AppraisalWeights, QualityForm, QualityItem, SamplingRule


class ItemFormSet(BaseInlineFormSet):
    """The items' weights sum to 100, so a check's total is a percentage."""

    def clean(self):
        super().clean()
        total = sum(
            f.cleaned_data.get("weight") or 0
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        )
        if total != 100:
            raise ValidationError(
                f"各质检项权重合计须为 100（现为 {total}） / "
                f"the items' weights must sum to 100 (now {total})"
            )


class ItemInline(admin.TabularInline):
    model = QualityItem
    formset = ItemFormSet
    extra = 0
    fields = ("order", "code", "name_zh", "name_en", "weight", "max_score")


@admin.register(QualityForm)
class QualityFormAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "code", "is_active")
    inlines = [ItemInline]


@admin.register(SamplingRule)
class SamplingRuleAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "kind", "per_clerk", "share_percent", "is_active", "order")
    list_editable = ("per_clerk", "share_percent", "is_active")


@admin.register(AppraisalWeights)
class AppraisalWeightsAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kpi",
        "quality",
        "satisfaction",
        "complaints",
        "complaint_points",
        "is_active",
    )
