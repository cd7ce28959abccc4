from django.contrib import admin

from servicehall.core.admin import MaskedFieldsAdmin

from .models import Alias, Product, ProductRule, Promotion, RecommendationOffer, Tier, TierText


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


class PromotionInline(admin.StackedInline):
    model = Promotion
    extra = 0


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "price", "data_mb", "voice_minutes", "on_sale", "off_sale")
    list_filter = ("product__kind",)
    search_fields = ("name", "product__name", "code")
    inlines = [PromotionInline, TextInline]


@admin.register(RecommendationOffer)
class RecommendationOfferAdmin(MaskedFieldsAdmin, admin.ModelAdmin):
    """The record of offers and answers (M3): read-only, written by the workbench and the API.
    The customer's number is masked and cannot be searched (V2)."""

    list_display = ("at", "tier", "saving", "outcome", "moment", "channel", "offered_by")
    list_filter = ("outcome", "moment", "channel")
    search_fields = ("tier__name",)
    phone_fields = ("number",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
