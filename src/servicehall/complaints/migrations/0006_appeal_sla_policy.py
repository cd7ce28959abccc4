"""An appeal's own SLA policy (L1): its deadline is set from its source when it is registered
(the answer date, or the centre's materials date when earlier), so the policy only names it on
the case page instead of the hotline's first-response policy its channel would otherwise match,
and escalates it daily like a complaint."""

from datetime import timedelta

from django.db import migrations

NAME = "申诉（按申诉来源的答复期限）"


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    if not SlaPolicy.objects.filter(kind="appeal").exists():
        SlaPolicy.objects.create(
            name=NAME,
            kind="appeal",
            resolution=30,
            resolution_unit="days",
            warn_at_percent=80,
            escalate_every=timedelta(days=1),
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(name=NAME, kind="appeal").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_case_attachments"),
        ("complaints", "0005_subscription_evidence"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
