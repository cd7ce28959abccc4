from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "servicehall.cases"
    label = "cases"
    verbose_name = "工单 Cases"
