"""SLA policies may count only the hall's opening hours (org/hours.py).

Of the shipped policies only the consultation's 8 hours gets the flag: a hall consultation not
answered at once becomes a work order within 8 hours of the hall's own service time, so one
opened just before closing is due the next open day, not in the night. The others keep the
clock they have: first responses (hotline/online 30 s, fault 15 min) and fault repair (L2: 48 h /
72 h from the report) run on the wall clock by the rules that set them, and the work orders,
suggestions and praise are counted in business days already.
"""

from django.db import migrations, models

COUNTED_IN_OPENING_HOURS = ["咨询 Consultation"]


def flag(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(name__in=COUNTED_IN_OPENING_HOURS).update(
        in_opening_hours=True
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_open_case_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="slapolicy",
            name="in_opening_hours",
            field=models.BooleanField(
                default=False,
                help_text="Deadlines in seconds, minutes or hours count only the time the case's hall is open; a case without a hall, or a hall without opening hours, counts clock time.",
                verbose_name="counts only the hall's opening hours",
            ),
        ),
        migrations.RunPython(flag, migrations.RunPython.noop),
    ]
