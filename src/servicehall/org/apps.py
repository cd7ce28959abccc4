from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class OrgConfig(AppConfig):
    name = "servicehall.org"
    label = "org"
    verbose_name = "组织 Organisation"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in

        from .models import StaffProfile
        from .roles import forget_membership, sync_roles_after_migrate
        from .signin import on_signed_in

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        user_logged_in.connect(on_signed_in, dispatch_uid="servicehall.org.signin")
        # who works in which hall (roles.hall_ids_of) is remembered briefly: forget it here
        User = get_user_model()
        for model in (StaffProfile, User):
            for signal in (post_save, post_delete):
                signal.connect(forget_membership, sender=model, dispatch_uid=f"halls-{model}")
        m2m_changed.connect(forget_membership, sender=User.groups.through, dispatch_uid="halls-m2m")
