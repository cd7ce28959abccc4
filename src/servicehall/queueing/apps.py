from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "servicehall.queueing"
    label = "queueing"
    verbose_name = "排队叫号 Queue"
