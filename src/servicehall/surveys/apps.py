from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "servicehall.surveys"
    label = "surveys"
    verbose_name = "回访与满意度 Surveys"

    def ready(self) -> None:
        from servicehall.cases.services import case_resolved

        from . import services

        case_resolved.connect(services.on_case_resolved, dispatch_uid="survey-on-resolved")
