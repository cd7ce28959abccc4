"""Subscription evidence (P4, L4) with the database: the import (every bad line and column
named, nothing written; idempotent re-import; the imports page and the command line), and the
verification on a complaint (stored with its snapshot, a case event, the remedy, the printable
report). Run on SQLite and on PostgreSQL (COPY)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicehall.cases import services as cases
from servicehall.cli import main
from servicehall.complaints.models import SubscriptionEvidence, SubscriptionVerification
from servicehall.complaints.subscriptions import services
from servicehall.core import imports
from servicehall.core.errors import ServiceError
from servicehall.core.models import ImportJob
from servicehall.web.imports import TEMPLATES, WORK
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LINE, OTHER = "13800138001", "13800138002"
HEADER = "类型,号码,SP代码,业务代码,业务名称,时间,发送方,接收方,金额,计费周期\n"
GOOD = (
    HEADER
    + f"订购,{LINE},901234,MUSIC10,彩铃音乐包,2026-08-02 10:15:00,{LINE},10661234,,\n"
    + f"确认请求,{LINE},901234,MUSIC10,彩铃音乐包,2026-08-02 10:15:05,10661234,{LINE},,\n"
    + f"确认,{LINE},901234,MUSIC10,彩铃音乐包,2026-08-02 10:17:40,{OTHER},10661234,,\n"
    + f"扣费,{LINE},901234,MUSIC10,彩铃音乐包,2026-08-03 00:05:00,10661234,{LINE},10.00,2026-08\n"
    + f"下发,{LINE},901234,MUSIC10,彩铃音乐包,2026-08-05 09:00:00,10661234,{LINE},,\n"
    # a backslash and a tab in a name: COPY's text format escapes them
    + f'订购,{LINE},905555,NEWS5,"新闻\\早报\t特刊",2026-09-01 08:00:00,{LINE},10665555,,\n'
)


@pytest.fixture
def desk(hall):
    return factories.make_staff("complaint_desk", hall)


def test_p4_import_refuses_the_whole_file_naming_every_bad_line_and_column(desk):
    bad = (
        GOOD
        + f"退订,{LINE},901234,MUSIC10,,2026-09-01 08:00:00,{LINE},10661234,,\n"  # type
        + f"扣费,1380013,901234,MUSIC10,,2026-13-01 08:00:00,{LINE},10661234,,\n"  # 3 cells
        + f"下发,{LINE},901234,MUSIC10,,2026-09-02 08:00:00,10661234,{LINE},5.00,\n"  # amount
        + f"确认,{LINE},901234,MUSIC10,别的名字,2026-09-03 08:00:00,abc,{LINE},,\n"  # name, from
    )
    with pytest.raises(ServiceError) as caught:
        services.import_evidence(desk, bad.encode(), "evidence.csv")
    e = caught.value
    assert e.code == "bad_rows" and e.status == 422
    found = {(x["line"], x["field"]) for x in e.extra["errors"]}
    assert found == {
        (8, "type"),
        (9, "line"),
        (9, "time"),
        (9, "amount"),
        (10, "amount"),
        (11, "from"),
    }
    assert e.extra["error_count"] == 6 and "第8行" in e.zh and "4行、6处有误" in e.zh
    assert SubscriptionEvidence.objects.count() == 0  # nothing written


def test_p4_a_service_named_two_ways_is_an_inconsistent_row(desk):
    bad = GOOD + f"下发,{LINE},901234,MUSIC10,另一个名字,2026-08-06 09:00:00,10661234,{LINE},,\n"
    with pytest.raises(ServiceError) as caught:
        services.import_evidence(desk, bad.encode(), "evidence.csv")
    [error] = caught.value.extra["errors"]
    assert (error["line"], error["field"]) == (8, "service_name")
    assert "第2行" in error["message"] and "彩铃音乐包" in error["message"]


def test_l4_reimporting_the_same_file_stores_each_record_once(desk):
    first = services.import_evidence(desk, GOOD.encode(), "evidence.csv")
    again = services.import_evidence(desk, GOOD.encode(), "evidence-again.csv")
    assert first == {"imported": 6, "new": 6, "already_stored": 0}
    assert again == {"imported": 6, "new": 0, "already_stored": 6}
    assert SubscriptionEvidence.objects.count() == 6
    # a file with one more record adds just that one
    more = GOOD + f"下发,{LINE},901234,MUSIC10,,2026-09-05 09:00:00,10661234,{LINE},,\n"
    assert services.import_evidence(desk, more.encode(), "more.csv")["new"] == 1
    assert SubscriptionEvidence.objects.get(service_code="NEWS5").service_name == "新闻\\早报\t特刊"


def test_p4_the_imports_page_and_its_template(desk):
    c = client_for(desk)
    page = c.get("/imports/").content.decode()
    assert 'id="import-evidence"' in page and 'id="import-bills"' not in page
    assert 'id="nav-imports"' in page  # the top bar leads the complaint desk there
    template = c.get("/imports/evidence/template.csv")
    job = ImportJob.objects.create(kind="evidence", file_name="t.csv", user=desk)
    imports.run(job.pk, template.content, WORK["evidence"])
    job.refresh_from_db()
    assert job.status == "done" and job.result["new"] == 5, job.message
    shown = c.get(f"/imports/{job.pk}/").content.decode()
    assert "增值业务核查证据" in shown and 'id="evidence-new">5<' in shown
    bad = TEMPLATES["evidence"][1] + f"扣费,{LINE},901234,MUSIC10,,2026-08-03,x,{LINE},,\n"
    job = ImportJob.objects.create(kind="evidence", file_name="bad.csv", user=desk)
    imports.run(job.pk, bad.encode(), WORK["evidence"])
    shown = c.get(f"/imports/{job.pk}/").content.decode()
    assert "未导入任何数据" in shown or "nothing" in shown
    assert "发送方" in shown and "金额" in shown  # the columns in words
    assert c.post("/imports/evidence/upload", {"file": SimpleUploadedFile("a.csv", b"x")})
    clerk = client_for(factories.make_staff("clerk", desk.staff.hall))
    assert clerk.post("/imports/evidence/upload", {}).status_code == 403


def complaint(desk, phone=LINE):
    customer = factories.make_customer(phone=phone, name="林晓")
    return cases.open_case(
        desk,
        kind="complaint",
        channel="walk_in",
        category="bill-pay",
        description="客户称从未订购彩铃音乐包，每月被扣10元",
        customer_id=customer.pk,
    )


def test_p4_verification_on_a_complaint_becomes_its_remedy_and_report(desk):
    services.import_evidence(desk, GOOD.encode(), "evidence.csv")
    case = complaint(desk)
    c = client_for(desk)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="subscription"' in page and 'value="0|901234|MUSIC10"' in page and LINE not in page
    r = c.post(f"/cases/{case.pk}/subscriptions/verify", {"service": "0|901234|MUSIC10"})
    assert r.status_code == 302
    v = SubscriptionVerification.objects.get()
    assert (v.authorised, v.refund, v.verified_by) == (False, Decimal("20.00"), desk)
    assert [x["code"] for x in v.reasons] == ["no_confirmation", "confirmation_other_number"]
    assert [e["kind"] for e in v.evidence] == ["order", "request", "confirm", "charge", "delivery"]
    event = case.events.get(kind="subscription_verified")
    assert event.data["verification"] == v.pk and event.actor == desk
    text, amount = services.remedy_for(case)
    assert amount == Decimal("20.00") and "双倍返还" in text and "20.00元" in text
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "核查定制关系" in page and "双倍返还" in page and 'id="sp-remedy"' in page
    report = c.get(f"/cases/{case.pk}/subscriptions/{v.pk}/report").content.decode()
    assert "移动信息业务定制关系核查报告" in report and "确认回复不是从用户本人号码发出的" in report
    assert LINE not in report and "138****8001" in report  # numbers masked
    assert report.index("用户订购") < report.index("平台二次确认请求") < report.index("扣费")
    # another user's case: its report is not found
    stranger = client_for(factories.make_staff("complaint_desk", desk.staff.hall))
    assert stranger.get(f"/cases/{case.pk}/subscriptions/{v.pk}/report").status_code == 404


def test_p4_verification_refusals(desk, hall):
    services.import_evidence(desk, GOOD.encode(), "evidence.csv")
    case = complaint(desk)
    with pytest.raises(ServiceError) as caught:
        services.verify_subscription(desk, case.pk, service="1|901234|MUSIC10")
    assert (caught.value.code, caught.value.field) == ("unknown_subscription", "service")
    order = cases.open_case(
        desk,
        kind="work_order",
        channel="walk_in",
        category="bill-pay",
        description="宽带报修",
        phone=LINE,
    )
    with pytest.raises(ServiceError) as caught:
        services.verify_subscription(desk, order.pk, service="0|901234|MUSIC10")
    assert caught.value.code == "not_a_complaint" and caught.value.status == 409
    clerk = factories.make_staff("clerk", hall)
    with pytest.raises(ServiceError) as caught:
        services.verify_subscription(clerk, case.pk, service="0|901234|MUSIC10")
    assert caught.value.status == 403
    assert SubscriptionVerification.objects.count() == 0
    c = client_for(desk)
    r = c.post(f"/cases/{case.pk}/subscriptions/verify", {"service": "x"})
    page = c.get(r["Location"]).content.decode()
    assert "请从客户号码的增值业务中选择要核查的业务" in page


def test_p4_import_evidence_command_names_every_bad_row(tmp_path, desk, capsys):
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD + f"退订,{LINE},901234,MUSIC10,,2026-09-01,1,2,,\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["import-evidence", str(path), "--user", desk.username])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and SubscriptionEvidence.objects.count() == 0
    assert "第8行 类型" in err and "第8行 发送方" in err and "第8行 接收方" in err
    path.write_text(GOOD, encoding="utf-8")
    main(["import-evidence", str(path), "--user", desk.username])
    assert '"new": 6' in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("extra", [0, 1])
def test_l4_the_same_file_imported_twice_at_once_is_stored_once(extra):
    """Two imports of one file racing (two desks, two connections): every record once, and the
    two results together account for each row exactly once — also when the second file holds
    the first's records and one more (on PostgreSQL the second waits on the table lock, then
    inserts only the key the first did not store)."""
    import threading

    from django.db import connections

    factories.ensure_reference_data()
    hall = factories.make_hall("sp-race")
    users = [factories.make_staff("complaint_desk", hall) for _ in range(2)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    more = f"下发,{LINE},901234,MUSIC10,,2026-09-05 09:00:00,10661234,{LINE},,\n" * extra
    files = {users[0].pk: GOOD, users[1].pk: GOOD + more}

    def run(user):
        try:
            barrier.wait(timeout=10)
            text = files[user.pk]
            results.append(services.import_evidence(user, text.encode(), "evidence.csv"))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(results) == 2
    assert SubscriptionEvidence.objects.count() == 6 + extra
    assert sum(r["new"] for r in results) == 6 + extra
    assert sorted(r["imported"] for r in results) == [6, 6 + extra]


# Stored keys of GOOD's rows as the importer computed them before it was rewritten for speed
# (issue 13): a record imported then must still be recognised now.
EARLIER_KEYS = {
    "5b4f6dda-c7d7-31e6-83cf-2594553d1ba3",
    "5a02d01c-6aa6-9dbe-6581-e0c8c4dabe46",
    "6054458a-843c-6d6c-23c6-be7e786c972a",
    "a2f54b65-78e2-39c1-af45-a38fd91daa4f",
    "dfd4ec37-8baa-5310-84ea-e0058de0c4f5",
    "2cbc0be3-f3ee-0b11-7d28-f1f24a722e25",
}


def test_l4_records_keep_the_fingerprints_of_earlier_imports(desk):
    services.import_evidence(desk, GOOD.encode(), "evidence.csv")
    stored = {str(k) for k in SubscriptionEvidence.objects.values_list("key", flat=True)}
    assert stored == EARLIER_KEYS
    # the same records written otherwise (slashes, no seconds, +86, 10元, 2026年08月) are the same
    other = (
        HEADER + f"扣费,{LINE},901234,MUSIC10,,2026/8/3 0:05,+86 1066 1234,{LINE},10元,2026年08月\n"
    )
    assert services.import_evidence(desk, other.encode(), "other.csv")["new"] == 0


def test_p4_a_bad_row_after_thousands_of_good_ones_writes_nothing(desk):
    """On PostgreSQL the good rows are copied while the file is checked: a bad row after
    thousands of them still refuses the whole file, every bad row named, nothing kept."""
    rows = [
        f"下发,{LINE},901234,MUSIC10,,2026-08-{1 + i // 1440:02d} {i // 60 % 24:02d}:{i % 60:02d}:00,"
        f"10661234,{LINE},,\n"
        for i in range(5000)
    ]
    rows[4000] = f"下发,{LINE},901234,MUSIC10,,2026-08-32 00:00:00,10661234,{LINE},,\n"
    bad = HEADER + f"确认,{LINE},901234,MUSIC10,,2026-08-01 00:00:30,{LINE},x,,\n" + "".join(rows)
    with pytest.raises(ServiceError) as caught:
        services.import_evidence(desk, bad.encode(), "evidence.csv")
    errors = caught.value.extra["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "to"), (4003, "time")]
    assert SubscriptionEvidence.objects.count() == 0
    # the same connection imports the good file afterwards; a row with no name takes the name
    # its service has further down the file
    good = HEADER + "".join(rows[:4000]) + GOOD.split("\n", 1)[1]
    assert services.import_evidence(desk, good.encode(), "evidence.csv")["new"] == 4006
    names = set(
        SubscriptionEvidence.objects.filter(service_code="MUSIC10").values_list(
            "service_name", flat=True
        )
    )
    assert names == {"彩铃音乐包"}


def test_p4_verifying_many_gives_each_subscriptions_own_verdict(desk):
    """verify_many (the evidence of 2,000 lines a query; on PostgreSQL read in binary) decides
    as the case page's verify_line does."""
    second = GOOD.replace(LINE, OTHER)  # its confirmation comes from OTHER: its own
    services.import_evidence(desk, (GOOD + second.split("\n", 1)[1]).encode(), "evidence.csv")
    disputes = [
        (LINE, "901234", "MUSIC10"),
        (OTHER, "901234", "MUSIC10"),
        (LINE, "905555", "NEWS5"),
        ("13900000000", "901234", "MUSIC10"),
    ]
    many = services.verify_many(disputes)
    one = [services.verify_line(*d)[0] for d in disputes]
    assert [v.as_dict() for v in many] == [v.as_dict() for v in one]
    assert [v.authorised for v in many] == [False, True, False, False]
    assert many[1].computation[0]["delivered"] and many[0].refund == Decimal("20.00")
