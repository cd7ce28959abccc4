from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Early warning and incidents (P5, E1, L2): it watches every new case (the case engine's
    `case_opened` signal → a Huey task, `tasks.watch_contact`), raises alerts, and runs
    incidents above the case engine: linked cases follow the incident (`Case.follows`) and are
    resolved with it (`cases.services.resolve_together`)."""

    name = "servicehall.incidents"
    label = "incidents"
    verbose_name = "预警与故障事件 Early warning and incidents"

    def ready(self) -> None:
        from servicehall.cases.services import case_opened

        from . import tasks

        case_opened.connect(tasks.on_case_opened, dispatch_uid="incidents-watch")
        # the assistant answers a reported outage with the incident's notice (E1)
        from servicehall.knowledge import assistant

        from .selectors import assistant_notice

        if assistant_notice not in assistant.NOTICES:
            assistant.NOTICES.append(assistant_notice)
