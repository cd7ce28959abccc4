"""The manuals' deadlines as the shipped SLA policies (data; admins may tighten them).

C6: hotline/online first response 30 s; network fault response 15 min; self-service device
repair 2 business days. L2: fault repair 48 h in towns, 72 h in rural areas; mobile faults
average 24 h (warned at half the time), at most 48 h. The rest are our defaults: a work order
is answered in 2 business days (1 for gold cards and above), a suggestion in 5 (C9), praise
passed on in 3; a consultation not answered at once is turned into a work order the same day.
"""

from datetime import timedelta

from django.db import migrations

H = timedelta(hours=1)

# name, filters, (first response, unit), (resolution, unit), warn %, escalate every
POLICIES = [
    ("默认 Default", {}, None, (2, "business_days"), 80, 8 * H),
    ("咨询 Consultation", {"kind": "consultation"}, None, (8, "hours"), 80, 4 * H),
    (
        "热线首次响应 Hotline",
        {"channel": "hotline"},
        (30, "seconds"),
        (2, "business_days"),
        80,
        8 * H,
    ),
    ("网厅首次响应 Web", {"channel": "web"}, (30, "seconds"), (2, "business_days"), 80, 8 * H),
    ("APP首次响应 App", {"channel": "app"}, (30, "seconds"), (2, "business_days"), 80, 8 * H),
    ("短信厅首次响应 SMS", {"channel": "sms"}, (30, "seconds"), (2, "business_days"), 80, 8 * H),
    ("工单 Work order", {"kind": "work_order"}, None, (2, "business_days"), 80, 8 * H),
    (
        "工单·金卡及以上 Work order, gold+",
        {"kind": "work_order", "min_tier": "gold"},
        None,
        (1, "business_days"),
        75,
        4 * H,
    ),
    ("障碍·城镇 Fault, town", {"kind": "fault"}, (15, "minutes"), (48, "hours"), 75, 8 * H),
    (
        "障碍·农村 Fault, rural",
        {"kind": "fault", "area": "rural"},
        (15, "minutes"),
        (72, "hours"),
        75,
        8 * H,
    ),
    (
        "移动网络故障 Mobile network fault",
        {"kind": "fault", "category": "mobile-network"},
        (15, "minutes"),
        (48, "hours"),
        50,
        8 * H,
    ),
    (
        "自助设备故障 Self-service device",
        {"kind": "fault", "category": "device-fault"},
        (15, "minutes"),
        (2, "business_days"),
        75,
        8 * H,
    ),
    ("合理化建议 Suggestion", {"kind": "suggestion"}, None, (5, "business_days"), 80, 24 * H),
    ("表扬 Praise", {"kind": "praise"}, None, (3, "business_days"), 80, 24 * H),
]


def add(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    BusinessCategory = apps.get_model("org", "BusinessCategory")
    for name, filters, first, resolution, warn, every in POLICIES:
        filters = dict(filters)
        if "category" in filters:
            filters["category"] = BusinessCategory.objects.get(code=filters["category"])
        SlaPolicy.objects.create(
            name=name,
            **filters,
            first_response=first[0] if first else None,
            first_response_unit=first[1] if first else "minutes",
            resolution=resolution[0],
            resolution_unit=resolution[1],
            warn_at_percent=warn,
            escalate_every=every,
        )


def remove(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(name__in=[p[0] for p in POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("org", "0004_case_categories")]
    operations = [migrations.RunPython(add, remove)]
