"""The supervisor's data, edited by an administrator: the check form and its items, the
sampling rules, the appraisal's weights (docs: README "Quality supervision")."""

from django.contrib import admin

from .models import AppraisalWeights, QualityForm, QualityItem, SamplingRule


class ItemInline(admin.TabularInline):
    model = QualityItem
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
