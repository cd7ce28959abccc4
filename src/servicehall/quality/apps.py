from django.apps import AppConfig


class QualityConfig(AppConfig):
    """Quality supervision (S3): checks of handled tickets and cases, rectification items on
    the case engine, the monthly appraisal. Above the case engine as complaints and retention
    are (it may import cases, complaints, surveys; none of them imports it): the
    `rectification` workflow is registered with the engine here."""

    name = "servicehall.quality"
    label = "quality"
    verbose_name = "质检考核 Quality supervision"

    def ready(self) -> None:
        from servicehall.cases.workflows import register

        from . import services
        from .workflows import RECTIFICATION

        register(RECTIFICATION)
        services.plug_into_engine()
