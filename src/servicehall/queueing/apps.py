from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "servicehall.queueing"
    label = "queueing"
    verbose_name = "排队叫号 Queue"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from servicehall.org.models import Counter, Hall

        from .models import QueuePolicy
        from .services import forget_calling_setup, publish_notice

        post_save.connect(publish_notice, sender=Hall, dispatch_uid="hall-notice")
        for model in (Counter, Hall, QueuePolicy):
            for signal in (post_save, post_delete):
                signal.connect(forget_calling_setup, sender=model, dispatch_uid=f"calling-{model}")
        m2m_changed.connect(
            forget_calling_setup, sender=Counter.service_types.through, dispatch_uid="calling-m2m"
        )
