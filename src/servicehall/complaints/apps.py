from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """The complaint desk (P1–P4, P6): complaints, appeals and subscription disputes as case
    types of the one case engine (cases/): their workflows are registered with it, their
    effects and checks added to its EFFECTS and CHECKS; the records only they have (the
    stages' details, compensation, appeals, subscription evidence) are this app's models."""

    name = "servicehall.complaints"
    label = "complaints"
    verbose_name = "投诉与申诉 Complaints and appeals"

    def ready(self) -> None:
        from servicehall.cases.workflows import register

        from .workflows import COMPLAINT

        register(COMPLAINT)
        from .subscriptions import services as _subscriptions  # noqa: F401  (its event label)
