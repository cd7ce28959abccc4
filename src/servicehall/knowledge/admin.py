from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The two-level category tree (articles themselves are written and reviewed on the
    knowledge pages, /kb/, where the workflow and its history live)."""

    list_display = ("code", "name_zh", "name_en", "parent", "position")
    list_filter = ("parent",)
    search_fields = ("code", "name_zh", "name_en")
