"""The knowledge base's default categories (data): two levels along the K2 topics the
assistant answers — plans, bills, broadband and network, numbers and SIM, procedures — and the
service norms (服务规范) the scripts belong to. Administrators add more in the admin."""

from django.db import migrations

CATEGORIES = [  # top code, Chinese, English, [(code, Chinese, English)]
    (
        "network",
        "宽带与网络",
        "Broadband and network",
        [
            ("broadband", "宽带", "Broadband"),
            ("mobile-network", "移动网络与信号", "Mobile network and signal"),
        ],
    ),
    (
        "number",
        "号码与SIM卡",
        "Numbers and SIM cards",
        [
            ("sim", "SIM卡", "SIM cards"),
            ("number-service", "号码业务", "Number services"),
        ],
    ),
    (
        "billing",
        "账单与缴费",
        "Bills and payment",
        [
            ("bill", "账单与发票", "Bills and invoices"),
            ("payment", "缴费与停复机", "Payment, suspension and reconnection"),
        ],
    ),
    (
        "plans",
        "套餐与业务",
        "Plans and services",
        [
            ("plan", "套餐资费", "Plans and prices"),
            ("roaming", "国际及港澳台漫游", "International roaming"),
            ("value-added", "增值业务", "Value-added services"),
        ],
    ),
    (
        "service-norms",
        "服务规范",
        "Service norms",
        [
            ("scripts", "服务用语", "Service scripts"),
            ("procedures", "业务办理规范", "Business procedures"),
        ],
    ),
]


def add(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    for i, (code, zh, en, children) in enumerate(CATEGORIES):
        top, _ = Category.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "position": i}
        )
        for j, (child, czh, cen) in enumerate(children):
            Category.objects.get_or_create(
                code=child, defaults={"name_zh": czh, "name_en": cen, "parent": top, "position": j}
            )


def remove(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    codes = [c for _top, _zh, _en, children in CATEGORIES for c, _czh, _cen in children]
    Category.objects.filter(code__in=codes, articles__isnull=True).delete()
    Category.objects.filter(
        code__in=[t for t, *_ in CATEGORIES], children__isnull=True, articles__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
