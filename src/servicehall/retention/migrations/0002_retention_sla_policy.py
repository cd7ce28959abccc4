"""A retention case's own SLA policy (R1, R2): it is settled while the customer is there or
within the next business day — the second level is tried at once — so two days to resolve,
escalated daily, instead of the hotline's or the counter's policy its channel would match."""

from datetime import timedelta

from django.db import migrations

NAME = "挽留（当场或次日内完成分级挽留）"


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    if not SlaPolicy.objects.filter(kind="retention").exists():
        SlaPolicy.objects.create(
            name=NAME,
            kind="retention",
            resolution=2,
            resolution_unit="business_days",
            warn_at_percent=80,
            escalate_every=timedelta(days=1),
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(name=NAME, kind="retention").delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_retention_records")]

    operations = [migrations.RunPython(seed, unseed)]
