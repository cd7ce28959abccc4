from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "servicehall.customers"
    label = "customers"
    verbose_name = "客户 Customers"
