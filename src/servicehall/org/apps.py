from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "servicehall.org"
    label = "org"
    verbose_name = "组织 Organisation"

    def ready(self) -> None:
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
