from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "servicehall.org"
    label = "org"
    verbose_name = "组织 Organisation"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .roles import sync_roles_after_migrate
        from .signin import on_signed_in

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        user_logged_in.connect(on_signed_in, dispatch_uid="servicehall.org.signin")
