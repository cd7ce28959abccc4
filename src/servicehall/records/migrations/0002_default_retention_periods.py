from django.db import migrations

# the defaults of records/policies.py as they were shipped (a later change of the code's
# defaults does not move a deployment's periods: the administrator's are the data)
DEFAULTS = {
    "subscription": 5,
    "billing": 5,
    "identity": 24,
    "agreement": 24,
    "audit": 12,
    "chat": 12,
    "sms": 6,
}


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("records", "RetentionPolicy")
    for record_type, months in DEFAULTS.items():
        RetentionPolicy.objects.get_or_create(record_type=record_type, defaults={"months": months})


def unseed(apps, schema_editor):
    apps.get_model("records", "RetentionPolicy").objects.filter(
        record_type__in=list(DEFAULTS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_retention_holds_purge_runs")]

    operations = [migrations.RunPython(seed, unseed)]
