from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "servicehall.knowledge"
    label = "knowledge"
    verbose_name = "知识库 Knowledge base"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText

        from .assistant import forget_catalogue
        from .models import Article, LabelledQuestion
        from .search import forget_index_on_commit

        # What search serves changes when an article is published or archived (services save
        # the Article then) or when the catalogue's product names change (query expansion).
        post_save.connect(forget_index_on_commit, sender=Article, dispatch_uid="kb-index-article")
        for model in (Alias, Product):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_index_on_commit, sender=model, dispatch_uid=f"kb-index-{model.__name__}"
                )
        # The assistant's view of the catalogue: forgotten on any catalogue change here; other
        # processes notice within seconds (assistant.catalogue_index).
        for model in (Alias, Product, ProductRule, Tier, TierText, LabelledQuestion):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_catalogue, sender=model, dispatch_uid=f"assistant-{model.__name__}"
                )
