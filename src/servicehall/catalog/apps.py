from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "servicehall.catalog"
    label = "catalog"
    verbose_name = "产品目录 Catalogue"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Alias, ProductRule, Tier, TierText, touch_product

        for model in (Alias, Tier, ProductRule):
            for signal in (post_save, post_delete):
                signal.connect(touch_product, sender=model, dispatch_uid=f"touch-{model.__name__}")
        # a tier text is edited on its tier's admin page, which saves the tier too; not on
        # delete, where a product's cascade would look up every text's tier
        post_save.connect(touch_product, sender=TierText, dispatch_uid="touch-TierText")
