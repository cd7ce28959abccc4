from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "servicehall.web"
    label = "web"
    verbose_name = "页面 Pages"
