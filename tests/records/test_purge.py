"""The purge (V3, L4, L5): what has expired is removed or anonymised, nothing earlier — one day
before each limit it stays, one day after it goes —; a legal hold or an open complaint keeps what
it needs and the report says why; a dry run changes nothing; running twice does nothing more;
each run's work is an audit row."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.complaints.models import SubscriptionEvidence
from servicehall.core.audit import log_action, verify
from servicehall.core.errors import ServiceError
from servicehall.core.models import AuditLog, SmsMessage
from servicehall.core.sms import queue_sms
from servicehall.customers.models import Bill, Customer, Identification, PhoneNumber
from servicehall.records import services
from servicehall.records.models import PurgeRun, RetentionPolicy

from .conftest import at, left_customer

pytestmark = pytest.mark.django_db


def typ(report, record_type):
    return next(t for t in report["types"] if t["type"] == record_type)


def test_l4_subscription_and_billing_records_go_the_day_after_five_months_not_before():
    # the line closed on 15 January 2026: kept through 15 June, gone from 16 June
    left_customer("13900001111", at(2026, 1, 15), line_ended=date(2026, 1, 15))
    with time_machine.travel(at(2026, 6, 14, 3), tick=False):
        report = services.purge(dry_run=False)
        assert typ(report, "subscription")["expired"] == 0
    with time_machine.travel(at(2026, 6, 15, 3), tick=False):
        services.purge(dry_run=False)
    assert SubscriptionEvidence.objects.filter(line="13900001111").count() == 3
    assert Bill.objects.filter(number="13900001111").count() == 2
    with time_machine.travel(at(2026, 6, 16, 3), tick=False):
        report = services.purge(dry_run=False)
    assert typ(report, "subscription")["done"] == 3
    assert typ(report, "billing")["done"] == 2
    assert not SubscriptionEvidence.objects.filter(line="13900001111").exists()
    assert not Bill.objects.filter(number="13900001111").exists()
    # the customer's identity stays: its own period (2 years) has not run
    assert Customer.objects.get(phones__number="13900001111").name == "王小明"
    rows = AuditLog.objects.filter(action="records.purge").order_by("object_type")
    assert [(r.object_type, r.fields[1]) for r in rows] == [
        ("billing", "deleted=2"),
        ("subscription", "deleted=3"),
    ]


def test_l5_identity_is_anonymised_two_years_after_leaving_and_nothing_earlier():
    c = left_customer("13900002222", at(2024, 3, 10, 10))
    with time_machine.travel(at(2026, 3, 9, 23, 59), tick=False):
        assert typ(services.purge(dry_run=False), "identity")["done"] == 0
    c.refresh_from_db()
    assert c.name == "王小明" and c.id_number and c.anonymised_at is None
    with time_machine.travel(at(2026, 3, 11, 3), tick=False):
        report = services.purge(dry_run=False)
    assert typ(report, "identity")["done"] == 1
    c.refresh_from_db()
    assert (c.name, c.id_number, c.address, c.customer_no) == ("已注销客户", "", "", "")
    assert c.anonymised_at is not None
    assert not PhoneNumber.objects.filter(number="13900002222").exists()
    assert not Identification.objects.filter(customer=c).exists()
    old = c.changes.exclude(source="system").get()
    assert old.fields == {"address": [None, None]} and old.note == ""
    assert Customer.objects.filter(pk=c.pk).exists()  # kept for statistics
    # idempotent: a second run finds nothing and writes nothing
    audit_rows = AuditLog.objects.count()
    with time_machine.travel(at(2026, 3, 12, 3), tick=False):
        again = services.purge(dry_run=False)
    assert all(t["done"] == 0 for t in again["types"])
    assert AuditLog.objects.count() == audit_rows


def test_v3_a_legal_hold_keeps_everything_of_the_customer_and_says_why(admin_user):
    c = left_customer("13900003333", at(2023, 1, 5))
    services.place_hold(admin_user, c.pk, "法院调取证据（2026）川01民初123号")
    with time_machine.travel(at(2026, 6, 1, 3), tick=False):
        report = services.purge(dry_run=False)
    for record_type, n in (("subscription", 3), ("billing", 2), ("identity", 1)):
        t = typ(report, record_type)
        assert (t["expired"], t["done"], t["kept_count"]) == (n, 0, n)
        assert t["kept"][0]["why"] == "legal_hold"
        assert "川01民初123号" in t["kept"][0]["zh"]
    c.refresh_from_db()
    assert c.name == "王小明"
    hold = c.legal_holds.get()
    services.release_hold(admin_user, hold.pk, "案件审结")
    with time_machine.travel(at(2026, 6, 2, 3), tick=False):
        report = services.purge(dry_run=False)
    assert typ(report, "identity")["done"] == 1
    assert not SubscriptionEvidence.objects.filter(line="13900003333").exists()
    actions = list(AuditLog.objects.values_list("action", flat=True))
    assert "records.hold" in actions and "records.release" in actions


def test_v3_an_open_complaint_keeps_its_customers_bills_evidence_and_identity(hall):
    c = left_customer("13900004444", at(2023, 1, 5))
    desk = __import__("tests.factories", fromlist=["x"]).make_staff("complaint_desk", hall)
    case = cases.open_case(
        desk,
        kind="complaint",
        channel="walk_in",
        category="complaint",
        description="离网后仍被扣增值业务费",
        customer_id=c.pk,
        hall=hall.code,
    )
    with time_machine.travel(at(2026, 6, 1, 3), tick=False):
        report = services.purge(dry_run=False)
    for record_type in ("subscription", "billing", "identity"):
        t = typ(report, record_type)
        assert t["done"] == 0 and t["kept"][0]["why"] == "open_case"
        assert case.number in t["kept"][0]["zh"]
    assert SubscriptionEvidence.objects.filter(line="13900004444").count() == 3


def test_v3_a_dry_run_changes_nothing_and_reports_what_a_run_would_do():
    left_customer("13900005555", at(2023, 1, 5))
    before = AuditLog.objects.count()
    with time_machine.travel(at(2026, 6, 1, 3), tick=False):
        report = services.purge(dry_run=True)
    assert report["dry_run"] is True
    assert typ(report, "subscription")["expired"] == 3
    assert typ(report, "identity")["expired"] == 1
    assert all(t["done"] == 0 for t in report["types"])
    assert SubscriptionEvidence.objects.count() == 3
    assert Customer.objects.get().name == "王小明"
    assert AuditLog.objects.count() == before
    assert PurgeRun.objects.get().dry_run is True


def test_v3_texts_go_after_their_period_and_a_held_customers_stay(admin_user):
    with time_machine.travel(at(2026, 1, 10), tick=False):
        queue_sms("13900006666", "您的排队号A001", "queue_near")
        queue_sms("13900007777", "回访短信", "survey")
    c = left_customer("13900007777", at(2026, 1, 1))
    services.place_hold(admin_user, c.pk, "监管调查")
    with time_machine.travel(at(2026, 7, 9, 3), tick=False):  # 6 months after: not yet
        services.purge(dry_run=False)
    assert SmsMessage.objects.count() == 2
    with time_machine.travel(at(2026, 7, 11, 3), tick=False):
        report = services.purge(dry_run=False)
    assert list(SmsMessage.objects.values_list("to", flat=True)) == ["13900007777"]
    assert typ(report, "sms")["kept"][0]["why"] == "legal_hold"


def test_l5_old_operation_logs_are_purged_and_the_chain_still_verifies(admin_user):
    with time_machine.travel(at(2025, 1, 10), tick=False):
        for i in range(3):
            log_action(admin_user, "hall.notice", "hall", "x", reason=f"old {i}")
    with time_machine.travel(at(2026, 1, 12), tick=False):
        log_action(admin_user, "hall.notice", "hall", "x", reason="recent")
    with time_machine.travel(at(2026, 1, 11, 3), tick=False):  # 12 months + 1 day
        report = services.purge(dry_run=False)
    assert typ(report, "audit")["done"] == 3
    assert list(AuditLog.objects.values_list("reason", flat=True).order_by("id"))[0] == "recent"
    verdict = verify()
    assert verdict.ok, verdict.en
    # deleting the row right after the purged ones is still found
    AuditLog.objects.filter(reason="recent").delete()
    assert verify().problem == "deleted"


def test_v3_a_period_under_the_legal_minimum_is_refused_in_both_languages(admin_user):
    with pytest.raises(ServiceError) as e:
        services.set_policy(admin_user, "identity", 23)
    assert (e.value.code, e.value.field, e.value.status) == ("below_legal_minimum", "months", 422)
    assert "24" in e.value.zh and "24" in e.value.en
    assert RetentionPolicy.objects.get(record_type="identity").months == 24
    services.set_policy(admin_user, "audit", 18)
    row = AuditLog.objects.get(action="records.policy")
    assert (row.object_id, row.reason) == ("audit", "12 → 18")
    assert services.months_of("audit") == 18


def test_v3_only_the_administrator_changes_periods(manager):
    with pytest.raises(ServiceError) as e:
        services.set_policy(manager, "audit", 18)
    assert e.value.status == 403


def test_v3_the_admin_refuses_a_period_under_the_minimum(admin_user):
    from tests.conftest import client_for

    row = RetentionPolicy.objects.get(record_type="subscription")
    r = client_for(admin_user).post(
        f"/admin/records/retentionpolicy/{row.pk}/change/", {"months": "4"}
    )
    assert r.status_code == 200
    assert "依法至少保留 5 个月" in r.content.decode()
    assert RetentionPolicy.objects.get(pk=row.pk).months == 5
    r = client_for(admin_user, "en").post(
        f"/admin/records/retentionpolicy/{row.pk}/change/", {"months": "7"}
    )
    assert r.status_code == 302
    assert RetentionPolicy.objects.get(pk=row.pk).months == 7
    assert AuditLog.objects.filter(action="records.policy", object_id="subscription").exists()


def test_v3_the_purge_command_prints_the_report(capsys):
    from servicehall.cli import purge_command

    left_customer("13900008888", at(2023, 1, 5))
    with time_machine.travel(timezone.now(), tick=False):
        purge_command(dry_run=True, as_json=False)
    out = capsys.readouterr().out
    assert "dry run" in out and "expired 3" in out


def test_v3_a_signed_form_goes_after_its_period_and_stays_while_its_case_is_open(
    hall, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from servicehall.cases.models import Case, CaseAttachment
    from tests import factories

    c = left_customer("13900009999", at(2024, 1, 10))
    clerk = factories.make_staff("clerk", hall)
    case = cases.open_case(
        clerk,
        kind="work_order",
        channel="walk_in",
        category="other",
        description="销户",
        customer_id=c.pk,
        hall=hall.code,
    )
    att = CaseAttachment(
        case=case,
        name="业务受理单.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        kind="signed_form",
        uploaded_by=clerk,
        uploaded_at=at(2024, 1, 10),
    )
    att.file.save(f"{case.pk}/form.pdf", ContentFile(b"%PDF-1.4"), save=True)
    path = att.file.path
    with time_machine.travel(at(2026, 1, 12, 3), tick=False):  # 24 months + 2 days
        report = services.purge(dry_run=False)
    assert typ(report, "agreement")["kept"][0]["why"] == "open_case"
    assert CaseAttachment.objects.filter(pk=att.pk).exists()
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=at(2024, 2, 1))
    with (
        time_machine.travel(at(2026, 1, 12, 3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = services.purge(dry_run=False)
    assert typ(report, "agreement")["done"] == 1
    assert not CaseAttachment.objects.filter(pk=att.pk).exists()
    import os

    assert not os.path.exists(path)  # the file went once the deletion committed
    assert case.events.filter(kind="attachment_deleted").exists()


def test_l5_when_every_log_row_is_old_the_newest_stays_and_the_chain_verifies(admin_user):
    with time_machine.travel(at(2025, 1, 10), tick=False):
        for i in range(3):
            log_action(admin_user, "hall.notice", "hall", "x", reason=f"old {i}")
    with time_machine.travel(at(2026, 6, 1, 3), tick=False):
        report = services.purge(dry_run=False)
    assert typ(report, "audit")["done"] == 2
    assert AuditLog.objects.filter(reason="old 2").exists()
    verdict = verify()
    assert verdict.ok, verdict.en


def test_v3_the_administrator_places_and_releases_a_hold_in_the_admin(admin_user):
    from servicehall.records.models import LegalHold
    from tests.conftest import client_for

    c = left_customer("13900001010", at(2024, 1, 1))
    client = client_for(admin_user)
    r = client.post("/admin/records/legalhold/add/", {"customer": c.pk, "reason": "仲裁调取"})
    assert r.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.placed_by, hold.reason) == (admin_user, "仲裁调取")
    r = client.post(f"/admin/records/legalhold/{hold.pk}/change/", {"release_reason": "仲裁结束"})
    assert r.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["records.hold", "records.release"]


def test_v3_chats_go_a_year_after_their_last_message_not_before():
    from servicehall.knowledge import chat
    from servicehall.knowledge.models import Conversation, Message

    with time_machine.travel(at(2025, 3, 1), tick=False):
        old = chat.start("web")
        Message.objects.create(conversation=old, sender="customer", text="宽带断了")
    with time_machine.travel(at(2025, 3, 20), tick=False):
        later = chat.start("web")
        Message.objects.create(conversation=later, sender="customer", text="查话费")
    with time_machine.travel(at(2026, 3, 1, 3), tick=False):  # a year to the day: not yet
        services.purge(dry_run=False)
    assert Conversation.objects.count() == 2
    with time_machine.travel(at(2026, 3, 2, 3), tick=False):
        report = services.purge(dry_run=False)
    assert typ(report, "chat")["done"] == 1
    assert list(Conversation.objects.values_list("pk", flat=True)) == [later.pk]
    assert not Message.objects.filter(conversation_id=old.pk).exists()
