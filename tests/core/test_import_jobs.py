"""Import jobs (V4, M1, L3; core.imports): a file uploaded from the imports page is processed in
a background thread of the web process; its progress is committed on the job row while it is
checked, and it ends done with the summary or failed with the reason and the bad cells.

These tests use real threads on the real database (transactional_db: the job thread has its own
connection and must see committed rows)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicehall.cases.bill_shock import import_bills
from servicehall.cases.models import Case
from servicehall.catalog.importer import import_catalog
from servicehall.catalog.models import Tier
from servicehall.core import imports
from servicehall.core.errors import Forbidden, NotFound
from servicehall.core.models import ImportJob
from servicehall.customers import bills
from servicehall.customers.models import Bill
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13900002222"
HISTORY = "".join(f"{PHONE},2026-{m:02d},60.00\n" for m in (7, 8, 9))
SHOCK = f"号码,月份,金额\n{HISTORY}{PHONE},2026-10,480.00\n"


@pytest.fixture
def care(hall):
    user = factories.make_staff("care_desk", hall)
    factories.make_desk("care", hall, members=[user])
    factories.make_customer(phone=PHONE)
    return user


def wait_for(job: ImportJob) -> ImportJob:
    for t in threading.enumerate():
        if t.name == f"import-job-{job.pk}":
            t.join(timeout=60)
    job.refresh_from_db()
    return job


def test_v4_progress_is_committed_while_checking_then_the_writing_phase(care, monkeypatch):
    """What a poll from any process sees: rows checked rising on the job row, then 'writing'
    with the total, then done with the summary."""
    monkeypatch.setattr(bills, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(imports, "PROGRESS_SECONDS", 0)
    lines = "".join(f"1390000{i:04d},2026-10,{i}.00\n" for i in range(45))
    data = ("号码,月份,金额\n" + lines).encode()
    seen = []

    def work(user, data, name, progress):
        def spy(stage, done, total):
            progress(stage, done, total)
            if not connection.in_atomic_block:  # what a poll sees (commits, not the write)
                row = ImportJob.objects.get(pk=job.pk)
                seen.append((row.status, row.rows_done, row.rows_total))

        return import_bills(user, data, name, progress=spy)

    job = ImportJob.objects.create(kind="bills", file_name="oct.csv", user=care)
    imports.run(job.pk, data, work)
    assert seen == [
        ("checking", 0, 0),  # reading the file
        ("checking", 0, 45),
        ("checking", 10, 45),
        ("checking", 20, 45),
        ("checking", 30, 45),
        ("checking", 40, 45),
        ("checking", 45, 45),
        ("writing", 0, 45),
    ]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.result["imported"]) == ("done", 45, 45)
    assert job.finished_at is not None and Bill.objects.count() == 45
    assert imports.progress(job)["percent"] == 100 and imports.progress(job)["finished"]


def test_v4_l3_started_from_a_page_runs_in_a_thread_and_opens_the_case(care):
    job = imports.start(care, "bills", "C:\\账单\\oct.csv", SHOCK.encode(), import_bills)
    assert job.file_name == "oct.csv"  # a browser's full path is cut to the name
    job = wait_for(job)
    assert job.status == "done" and job.result["imported"] == 4
    case = Case.objects.get()
    assert job.result["bill_shock_case_ids"] == [case.pk]
    assert job.result["bill_shock_cases"] == [case.number]


def test_v4_a_bad_file_fails_with_every_bad_cell_kept_and_nothing_written(care):
    rows = "".join(f"bad{i},2026-10,1.00\n" for i in range(240)) + f"{PHONE},2026-13,x\n"
    job = imports.start(
        care, "bills", "bad.csv", ("号码,月份,金额\n" + rows).encode(), import_bills
    )
    job = wait_for(job)
    assert job.status == "failed" and job.error_code == "bad_rows"
    assert len(job.errors) == 200 and job.error_count == 242  # 240 phones + month + amount
    assert job.errors[0] == {
        "line": 2,
        "field": "phone",
        "value": "bad0",
        "message": "应为11位手机号码",
        "message_en": "an 11-digit mobile number",
    }
    assert "未导入任何数据" in job.message and "nothing was imported" in job.message_en
    assert not Bill.objects.exists()


def test_m1_catalogue_job_reports_what_it_created(hall):
    manager = factories.make_staff("hall_manager", hall)
    data = "产品,类型,档位,月费\n畅享,主套餐,59元档,59\n畅享,主套餐,99元档,99\n".encode()
    job = wait_for(imports.start(manager, "catalogue", "cat.csv", data, import_catalog))
    assert job.status == "done"
    assert job.result["new_tiers"] == 2 and job.result["new_products"] == 1
    assert Tier.objects.count() == 2


def test_l3_uploading_the_same_file_twice_at_once_opens_one_case(care, hall):
    """Two people upload the month's file at the same moment: both imports succeed, the
    abnormal bill gets one case (the second waits on the first's locks, then finds it)."""
    other = factories.make_staff("care_desk", hall)
    jobs = [
        imports.start(user, "bills", "oct.csv", SHOCK.encode(), import_bills)
        for user in (care, other)
    ]
    jobs = [wait_for(j) for j in jobs]
    assert [j.status for j in jobs] == ["done", "done"]
    assert Case.objects.filter(data__bill_shock=f"{PHONE}:2026-10").count() == 1
    assert sorted(len(j.result["bill_shock_cases"]) for j in jobs) == [0, 1]
    again = wait_for(imports.start(care, "bills", "oct.csv", SHOCK.encode(), import_bills))
    assert again.result["bill_shock_cases"] == [] and Case.objects.count() == 1


def test_v4_an_unexpected_error_fails_the_job_and_writes_nothing(care):
    def broken(user, data, name, progress):
        bills.store(bills.parse(data, name))  # outside a transaction of its own…
        raise RuntimeError("disk on fire")

    def work(user, data, name, progress):
        from servicehall.core.db import write_transaction

        with write_transaction():
            return broken(user, data, name, progress)

    job = ImportJob.objects.create(kind="bills", file_name="oct.csv", user=care)
    imports.run(job.pk, SHOCK.encode(), work)
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "internal"
    assert "未导入任何数据" in job.message and "disk" not in job.message_en
    assert not Bill.objects.exists()


def test_v4_a_job_left_running_by_a_dead_process_shows_as_failed(care):
    job = ImportJob.objects.create(kind="bills", file_name="oct.csv", user=care, status="checking")
    assert imports.progress(job)["status"] == "checking"
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - imports.STALE_AFTER - timedelta(seconds=1)
    )
    job.refresh_from_db()
    p = imports.progress(job)
    assert p["status"] == "failed" and p["finished"] and imports.is_stale(job)


def test_v4_m1_only_who_may_import_starts_a_job(care, hall):
    clerk = factories.make_staff("clerk", hall)
    with pytest.raises(Forbidden):
        imports.start(clerk, "bills", "oct.csv", SHOCK.encode(), import_bills)
    with pytest.raises(Forbidden):  # the care desk imports bills, not the catalogue
        imports.start(care, "catalogue", "cat.csv", b"x", import_catalog)
    with pytest.raises(Forbidden):  # nor the CRM's customers
        imports.start(care, "customers", "x.csv", b"x", import_bills)
    with pytest.raises(NotFound):
        imports.start(care, "contracts", "x.csv", b"x", import_bills)
    assert not ImportJob.objects.exists()


def test_v4_another_users_job_is_not_found_an_administrator_sees_it(care, hall):
    job = ImportJob.objects.create(kind="bills", file_name="oct.csv", user=care)
    colleague = factories.make_staff("care_desk", hall)
    with pytest.raises(NotFound):
        imports.get_visible(colleague, job.pk)
    assert imports.recent(colleague) == []
    admin = factories.make_staff("administrator", hall)
    assert imports.get_visible(admin, job.pk) == job
    assert imports.get_visible(care, job.pk) == job
    assert imports.recent(admin) == [job]
