from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "servicehall.reports"
    label = "reports"
    verbose_name = "服务报表 Reports"
