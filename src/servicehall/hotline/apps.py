from django.apps import AppConfig


class HotlineConfig(AppConfig):
    """The hotline's call records and their half-hour rollups (S2, L6). Beside the hall queue,
    not on top of it: the hotline is no hall, its calls read by queueing.calls_file."""

    name = "servicehall.hotline"
    label = "hotline"
    verbose_name = "热线 Hotline"
