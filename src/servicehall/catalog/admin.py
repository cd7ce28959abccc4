from django.contrib import admin

from .models import Alias, Product, ProductRule, Tier, TierText


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


class RuleInline(admin.StackedInline):
    model = ProductRule
    extra = 0


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    fields = ("name", "price", "data_mb", "voice_minutes", "sms", "validity_hours", "off_sale")
    show_change_link = True


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "aliases__name")
    inlines = [AliasInline, TierInline, RuleInline]


class TextInline(admin.StackedInline):
    model = TierText
    extra = 0


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "price", "data_mb", "voice_minutes", "on_sale", "off_sale")
    list_filter = ("product__kind",)
    search_fields = ("name", "product__name", "code")
    inlines = [TextInline]
