"""A category for the hall's own facts (opening hours, address, what to bring): what customers ask
the assistant most that no plan answers (K2)."""

from django.db import migrations


def add(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    position = Category.objects.filter(parent__isnull=True).count()
    Category.objects.get_or_create(
        code="hall", defaults={"name_zh": "营业厅信息", "name_en": "Our halls", "position": position}
    )


def remove(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    Category.objects.filter(code="hall", articles__isnull=True, children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0008_field_labels")]
    operations = [migrations.RunPython(add, remove)]
