from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "servicehall.catalog"
    label = "catalog"
    verbose_name = "产品目录 Catalogue"
