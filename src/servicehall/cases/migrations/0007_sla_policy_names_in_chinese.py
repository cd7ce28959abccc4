"""The shipped SLA policies were named in both languages in one field ("障碍·城镇 Fault, town"),
which Chinese pages then showed half in English. A policy's name is the operator's own data, in
its language: the shipped ones keep their Chinese part. A name an administrator changed is left
as it is."""

from importlib import import_module

from django.db import migrations

SHIPPED = import_module("servicehall.cases.migrations.0002_default_sla_policies").POLICIES


def chinese_names(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    for name, *_rest in SHIPPED:
        zh = name.split(" ", 1)[0]
        SlaPolicy.objects.filter(name=name).update(name=zh)


def both_names(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    for name, *_rest in SHIPPED:
        SlaPolicy.objects.filter(name=name.split(" ", 1)[0]).update(name=name)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_customer_confirmations_and_closure_codes")]
    operations = [migrations.RunPython(chinese_names, both_names)]
