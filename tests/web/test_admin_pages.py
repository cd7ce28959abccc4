"""The admin, for the roles that need it: SLA policies (administrator), chat conversations and
messages (administrator and quality supervisor, read only, the verified number masked),
labelled questions — with Chinese labels, never internal codes as column values."""

import pytest
from django.test import Client

from servicehall.cases.models import SlaPolicy
from servicehall.knowledge import chat
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_c6_administrator_edits_sla_policies_in_words(hall):
    admin = as_user(make_staff("administrator", hall))
    listing = admin.get("/admin/cases/slapolicy/")
    body = listing.content.decode()
    assert listing.status_code == 200
    assert "首次响应时限" in body or "首次响应" in body
    assert "障碍申告" in body  # the case type in words
    assert ">fault<" not in body and ">work_order<" not in body
    policy = SlaPolicy.objects.filter(kind="fault").first()
    form = admin.get(f"/admin/cases/slapolicy/{policy.pk}/change/").content.decode()
    assert '<option value="fault" selected>障碍申告</option>' in form


def test_k2_conversations_are_read_only_and_masked_for_quality(hall):
    conversation = chat.start("web")
    conversation.phone = "13912345678"
    conversation.save()
    conversation.messages.create(sender="customer", text="宽带老是掉线")
    quality = as_user(make_staff("quality_supervisor", hall))
    listing = quality.get("/admin/knowledge/conversation/").content.decode()
    assert "139****5678" in listing and "13912345678" not in listing
    detail = quality.get(f"/admin/knowledge/conversation/{conversation.pk}/change/")
    body = detail.content.decode()
    assert detail.status_code == 200 and "宽带老是掉线" in body
    assert "13912345678" not in body and conversation.token not in body
    # no lookup on the masked number from the list
    probe = quality.get("/admin/knowledge/conversation/", {"phone__startswith": "139"})
    assert probe.status_code in (302, 400)  # refused, not filtered
    assert (
        quality.post(f"/admin/knowledge/conversation/{conversation.pk}/delete/").status_code == 403
    )
    clerk = as_user(make_staff("clerk", hall))
    assert clerk.get("/admin/knowledge/conversation/").status_code == 302  # not an admin user


def test_admin_lists_speak_chinese_not_field_codes(hall):
    """Column names, filters and values in words: the tickets list, the SMS outbox's purpose."""
    from servicehall.core.sms import queue_sms
    from servicehall.queueing import services as queue

    queue.issue_ticket(make_staff("device", hall), hall, "payment")
    queue_sms("13912345678", "【营业厅】请评价：http://x/s/abc", "survey")
    admin = as_user(make_staff("administrator", hall))
    tickets = admin.get("/admin/queueing/ticket/").content.decode()
    for label in ("编号", "营业厅", "日期", "业务类型", "状态", "到达时间"):
        assert label in tickets, label
    assert "Arrival at" not in tickets and "Service type" not in tickets
    outbox = admin.get("/admin/core/smsmessage/").content.decode()
    assert "满意度问卷链接" in outbox and ">survey<" not in outbox
    assert "139****5678" in outbox and "13912345678" not in outbox
