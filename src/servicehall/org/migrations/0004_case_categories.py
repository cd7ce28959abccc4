"""C2 categories the case SLAs need (data): the kinds of network fault (L2, C6), self-service
device faults (E2) and customers' suggestions (C9)."""

from django.db import migrations

ADDED = {
    "network": [
        ("mobile-network", "移动网络故障", "Mobile network fault"),
        ("broadband-fault", "宽带障碍", "Broadband fault"),
    ],
    "other": [
        ("device-fault", "自助设备故障", "Self-service device fault"),
        ("suggestion", "合理化建议", "Suggestion"),
    ],
}


def add(apps, schema_editor):
    BusinessCategory = apps.get_model("org", "BusinessCategory")
    for parent_code, children in ADDED.items():
        parent = BusinessCategory.objects.get(code=parent_code)
        start = parent.children.count()
        for i, (code, zh, en) in enumerate(children):
            BusinessCategory.objects.get_or_create(
                code=code,
                defaults={"name_zh": zh, "name_en": en, "parent": parent, "sort_order": start + i},
            )


def remove(apps, schema_editor):
    codes = [c for children in ADDED.values() for c, _zh, _en in children]
    apps.get_model("org", "BusinessCategory").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0003_desk")]
    operations = [migrations.RunPython(add, remove)]
