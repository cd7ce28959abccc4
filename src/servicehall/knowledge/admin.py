from django.contrib import admin

from .models import Category, LabelledQuestion


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The two-level category tree (articles themselves are written and reviewed on the
    knowledge pages, /kb/, where the workflow and its history live)."""

    list_display = ("code", "name_zh", "name_en", "parent", "position")
    list_filter = ("parent",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(LabelledQuestion)
class LabelledQuestionAdmin(admin.ModelAdmin):
    """The questions the assistant learns from (K2); imported with `servicehall import-kb`."""

    list_display = ("question", "product", "attributes", "source")
    list_filter = ("source",)
    search_fields = ("question", "product")
