from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "servicehall.records"
    label = "records"
    verbose_name = "记录留存 Records"
