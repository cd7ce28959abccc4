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
        # --- appeals: the workflow, and its check and effects in the engine's registries
        from . import appeals
        from .workflows import APPEAL

        register(APPEAL)
        appeals.plug_into_engine()

        # --- compensation and upgrades: their events' names on the case timeline
        # --- complaint stages (P1): the stages' checks in the engine, the forbidden phrases
        # on every text staff write on a case (cases.services.common.TEXT_CHECKS), the
        # timeline's word for a change of responsibility
        from servicehall.cases.selectors import EVENT_LABELS
        from servicehall.cases.services import CHECKS
        from servicehall.cases.services.common import TEXT_CHECKS

        from . import compensation  # noqa: F401
        from .phrases import refuse_forbidden
        from .stages import CHECKS as STAGE_CHECKS

        CHECKS.update(STAGE_CHECKS)
        if refuse_forbidden not in TEXT_CHECKS:
            TEXT_CHECKS.append(refuse_forbidden)
        EVENT_LABELS["responsibility"] = ("责任认定", "Responsibility")

        from .subscriptions import services as _subscriptions  # noqa: F401  (its event label)
