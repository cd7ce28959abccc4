"""The imports page (V4, M1, L3): who sees which form, the template files, the upload refusals
in words (never a 500), hostile files, the job page's result and error report, and 404 for
another user's job. Jobs are processed here by core.imports.run in the test's own thread (the
background thread and the progress bar are covered by tests/core/test_import_jobs.py and
tests/e2e/test_imports_browser.py)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicehall.core import imports
from servicehall.core.models import ImportJob
from servicehall.customers.models import Bill
from servicehall.web.imports import TEMPLATES, WORK
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(hall):
    return factories.make_staff("care_desk", hall)


def process(user, kind: str, name: str, data: bytes) -> ImportJob:
    """What the page's upload does, with the job run here rather than in a thread."""
    job = ImportJob.objects.create(kind=kind, file_name=name, file_size=len(data), user=user)
    imports.run(job.pk, data, WORK[kind])
    job.refresh_from_db()
    return job


def test_v4_m1_each_role_sees_the_forms_it_may_use(hall, care):
    page = client_for(care).get("/imports/").content.decode()
    assert 'id="nav-imports"' in page and 'id="import-bills"' in page
    assert 'id="import-catalogue"' not in page and "每个文件最大20MB、最多200000行" in page
    admin = client_for(factories.make_staff("administrator", hall)).get("/imports/")
    assert 'id="import-bills"' in admin.content.decode()
    assert 'id="import-catalogue"' in admin.content.decode()
    clerk = client_for(factories.make_staff("clerk", hall))
    assert 'id="nav-imports"' not in clerk.get("/cases/").content.decode()
    assert clerk.get("/imports/").status_code == 403


def test_v4_m1_the_templates_download_and_import_as_they_are(hall, care):
    manager = factories.make_staff("hall_manager", hall)
    for kind, user in (("bills", care), ("catalogue", manager)):
        r = client_for(user).get(f"/imports/{kind}/template.csv")
        assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
        assert r.content.startswith("\ufeff".encode())
        job = process(user, kind, TEMPLATES[kind][0], r.content)
        assert job.status == "done", job.message
    assert Bill.objects.get().amount == 88.5


def test_v4_a_plain_post_lands_on_the_job_page_in_chinese(care):
    upload = SimpleUploadedFile("oct.csv", b"phone,month,amount\n13900001111,2026-10,1\n")
    r = client_for(care).post("/imports/bills/upload", {"file": upload})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/imports/{job.pk}/"
    page = client_for(care).get(r["Location"]).content.decode()
    assert "等待开始" in page and 'http-equiv="refresh"' in page  # works without JavaScript
    assert client_for(care).get(f"/imports/{job.pk}/progress").json()["status"] == "queued"


def test_v4_the_script_gets_the_job_address_or_the_reason_as_json(care):
    c = client_for(care)
    xhr = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    ok = c.post("/imports/bills/upload", {"file": SimpleUploadedFile("a.csv", b"x")}, **xhr)
    assert ok.status_code == 200 and ok.json()["url"].startswith("/imports/")
    bad = c.post("/imports/bills/upload", {"file": SimpleUploadedFile("a.pdf", b"x")}, **xhr)
    assert bad.status_code == 422 and bad.json()["error"] == "只能上传CSV或Excel（.xlsx）文件"
    c.cookies["django_language"] = "en"
    bad = c.post("/imports/bills/upload", {"file": SimpleUploadedFile("a.pdf", b"x")}, **xhr)
    assert bad.json()["error"] == "Only CSV or Excel (.xlsx) files can be imported"


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("report.pdf", lambda: b"%PDF-1.4 ...", 422, "只能上传CSV或Excel（.xlsx）文件"),
        ("empty.csv", lambda: b"", 422, "文件为空"),
        ("nothing.csv", lambda: None, 422, "请选择要上传的文件"),
    ],
)
def test_v4_refused_uploads_say_why_on_the_page(care, name, data, status, words):
    data = data()
    body = {} if data is None else {"file": SimpleUploadedFile(name, data)}
    r = client_for(care).post("/imports/bills/upload", body)
    assert r.status_code == status
    assert words in r.content.decode() and 'id="import-bills"' in r.content.decode()
    assert not ImportJob.objects.exists()


def zip_bomb() -> bytes:
    """An .xlsx-looking zip whose one member inflates to 120 MB of zeros (about 120 KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(120):
                member.write(chunk)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("garbage.csv", lambda: bytes(range(256)) * 40, "文件不是CSV文本"),
        ("garbage.xlsx", lambda: bytes(range(256)) * 40, "无法读取Excel文件"),
        ("bomb.xlsx", zip_bomb, "Excel文件解压后过大"),
        (
            "huge-cell.csv",
            lambda: b"phone,month,amount\n" + b"1" * 200_000 + b",1,1\n",
            "无法读取CSV文件",
        ),
        (
            "rows.csv",
            lambda: b"phone,month,amount\n" + b"13900001111,2026-10,1\n" * 250_000,
            "一次最多导入200000行",
        ),
        ("header.csv", lambda: b"name,age\nx,1\n", "缺少"),
    ],
)
def test_v4_hostile_files_fail_the_job_in_words(care, name, data, words):
    job = process(care, "bills", name, data())
    assert job.status == "failed" and words in job.message, job.message
    assert job.error_code != "internal"
    page = client_for(care).get(f"/imports/{job.pk}/").content.decode()
    assert words in page and not Bill.objects.exists()


def test_v4_the_error_report_names_each_cell_in_the_interface_language(care):
    rows = "".join(f"1390000{i:04d},2026-10,1.00\n" for i in range(5))
    data = f"号码,月份,金额\n{rows}13900001111,2026-13,1.00\n139000011,2026-10,abc\n".encode()
    job = process(care, "bills", "oct.csv", data)
    c = client_for(care)
    page = c.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="error-table"' in page
    for text in ("月份", "2026-13", "月份应为 2026-10 或 202610", "金额", "abc", "号码"):
        assert text in page
    assert "139000011" not in page and "*******11" in page  # a phone cell is masked
    assert "文件中共有 3 处错误，未导入任何数据" in page
    assert "“phone”" not in page and "bad_rows" not in page  # words, never a code
    c.cookies["django_language"] = "en"
    page = c.get(f"/imports/{job.pk}/").content.decode()
    assert "a month like 2026-10 or 202610" in page and "Amount" in page
    assert "The file has 3 wrong cells; nothing was imported." in page
    assert "What it should be" in page


def test_v4_beyond_200_bad_cells_the_rest_are_counted(care):
    data = ("号码,月份,金额\n" + "x,2026-10,1\n" * 230).encode()
    job = process(care, "bills", "bad.csv", data)
    page = client_for(care).get(f"/imports/{job.pk}/").content.decode()
    assert page.count("<td>应为11位手机号码</td>") == 200
    assert "另有 30 处错误未列出" in page


def test_l3_done_page_links_the_bill_shock_case(hall, care):
    factories.make_desk("care", hall, members=[care])
    factories.make_customer(phone="13900001111")
    history = "".join(f"13900001111,2026-{m:02d},50\n" for m in (7, 8, 9))
    data = f"号码,月份,金额\n{history}13900001111,2026-10,400\n".encode()
    job = process(care, "bills", "oct.csv", data)
    assert job.status == "done", job.message
    page = client_for(care).get(f"/imports/{job.pk}/").content.decode()
    case_id = job.result["bill_shock_case_ids"][0]
    assert f'href="/cases/{case_id}/"' in page and "已导入 4 条账单" in page


def test_m1_catalogue_result_and_permission(hall, care):
    manager = factories.make_staff("hall_manager", hall)
    job = process(
        manager, "catalogue", "c.csv", "产品,类型,档位,月费\n畅享,主套餐,59元档,59\n".encode()
    )
    page = client_for(manager).get(f"/imports/{job.pk}/").content.decode()
    assert "已导入 1 个档位" in page
    r = client_for(care).post(
        "/imports/catalogue/upload", {"file": SimpleUploadedFile("c.csv", b"x")}
    )
    assert r.status_code == 403


def test_v4_another_users_job_is_404_for_page_and_progress(hall, care):
    job = process(care, "bills", "oct.csv", b"phone,month,amount\n13900001111,2026-10,1\n")
    other = client_for(factories.make_staff("care_desk", hall))
    assert other.get(f"/imports/{job.pk}/").status_code == 404
    assert other.get(f"/imports/{job.pk}/progress").status_code == 404
    admin = client_for(factories.make_staff("administrator", hall))
    assert admin.get(f"/imports/{job.pk}/progress").json()["status"] == "done"


def test_v4_m1_catalogue_import_still_refuses_through_the_api(api_as, hall):
    """The API is unchanged: a bad catalogue is a 422 with the bad rows."""
    manager = factories.make_staff("hall_manager", hall)
    upload = SimpleUploadedFile("c.csv", "产品,类型,档位,月费\n畅享,火箭,59元档,59\n".encode())
    r = api_as(manager).c.post("/api/catalog/import", {"file": upload})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
