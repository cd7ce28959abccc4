"""Reference data from the manuals: the service types of Q1 and the two-level business
taxonomy of C2 (咨询种类 → 业务). Admins edit them afterwards."""

from django.db import migrations

SERVICE_TYPES = [  # code, prefix, zh, en, expected minutes
    ("business", "A", "业务办理", "Business handling", 8),
    ("payment", "B", "缴费", "Payment", 3),
    ("consult", "C", "咨询", "Consultation", 5),
    ("complaint", "D", "投诉", "Complaint", 10),
    ("sales", "E", "售卡/终端", "SIM cards & handsets", 10),
    ("vip", "V", "VIP专区", "VIP zone", 8),
]

CATEGORIES = {  # top level (C2 咨询种类) -> business types from the manuals
    ("basic", "基础业务", "Basic services"): [
        ("join", "入网/装机", "New line / installation"),
        ("transfer-owner", "过户", "Change of owner"),
        ("change-number", "改号/换号", "Number change"),
        ("relocate", "移机", "Relocation"),
        ("close-account", "销户/拆机", "Account closure"),
        ("suspend-keep", "停机保号", "Suspension keeping the number"),
        ("reopen", "开机/复机", "Reopening"),
        ("roaming", "国际漫游开关", "International roaming on/off"),
        ("refund-prepay", "退预存款", "Prepayment refund"),
        ("order-change", "产品订购和变更", "Product order and change"),
        ("broadband-speed", "宽带速率变更", "Broadband speed change"),
        ("sim-replace", "补(换)卡", "SIM replacement"),
        ("refund-deposit", "退押金", "Deposit refund"),
        ("points", "积分回馈", "Loyalty points"),
    ],
    ("promotion", "新业务推广", "New service promotion"): [],
    ("billing", "账务/话费查询", "Billing and charges"): [
        ("bill-pay", "话费查询/交纳", "Bill query and payment"),
        ("itemised", "详单打印", "Itemised bill printing"),
    ],
    ("network", "网络使用/宽带", "Network and broadband"): [
        ("fault-report", "障碍申告", "Fault report"),
    ],
    ("complaint", "服务投诉", "Service complaint"): [],
    ("handset", "手机常识", "Handset know-how"): [],
    ("other", "其它", "Other"): [
        ("praise", "表扬", "Praise"),
    ],
}


def seed(apps, schema_editor):
    ServiceType = apps.get_model("org", "ServiceType")
    BusinessCategory = apps.get_model("org", "BusinessCategory")
    for order, (code, prefix, zh, en, minutes) in enumerate(SERVICE_TYPES):
        ServiceType.objects.update_or_create(
            code=code, defaults={"prefix": prefix, "name_zh": zh, "name_en": en, "expected_minutes": minutes, "sort_order": order}
        )
    order = 0
    for (code, zh, en), children in CATEGORIES.items():
        parent, _ = BusinessCategory.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order}
        )
        order += 1
        for ccode, czh, cen in children:
            BusinessCategory.objects.update_or_create(
                code=ccode, defaults={"name_zh": czh, "name_en": cen, "parent": parent, "sort_order": order}
            )
            order += 1


def unseed(apps, schema_editor):
    apps.get_model("org", "BusinessCategory").objects.filter(parent__isnull=False).delete()
    apps.get_model("org", "BusinessCategory").objects.all().delete()
    apps.get_model("org", "ServiceType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
