"""S2, L6: the hotline's call records from the imports page (/imports/, kind "calls"): the
administrator's form, its template importing as it is, the job page's counts and link to the
dashboard, a bad cell listed by line and column with nothing written. Jobs run in the test's
thread (as tests/web/test_import_pages.py does)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicehall.hotline.models import Call
from servicehall.web.imports import TEMPLATES
from tests import factories
from tests.conftest import client_for
from tests.hotline.test_s2_hotline_import import HEADER, MON, ROWS, row
from tests.web.test_import_pages import process

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(hall):
    return factories.make_staff("administrator", hall)


def test_s2_only_the_administrator_gets_the_calls_form(hall, admin):
    page = client_for(admin).get("/imports/").content.decode()
    assert 'id="import-calls"' in page and "热线来电记录" in page
    manager = client_for(factories.make_staff("hall_manager", hall)).get("/imports/")
    assert 'id="import-calls"' not in manager.content.decode()
    upload = client_for(factories.make_staff("hall_manager", hall)).post(
        "/imports/calls/upload",
        {"file": SimpleUploadedFile("a.csv", TEMPLATES["calls"][1].encode())},
    )
    assert upload.status_code == 403 and Call.objects.count() == 0
    # the service checks too
    job = process(factories.make_staff("quality_supervisor", hall), "calls", "a.csv", b"x")
    assert job.status == "failed" and job.error_code == "forbidden"


def test_s2_the_template_imports_as_it_is(admin):
    r = client_for(admin).get("/imports/calls/template.csv")
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    job = process(admin, "calls", TEMPLATES["calls"][0], r.content)
    assert job.status == "done", job.message
    assert Call.objects.count() == 2 and Call.objects.filter(vip=True, agent="王芳").exists()


def test_s2_the_job_page_counts_and_links_to_the_dashboard(admin):
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    job = process(admin, "calls", "week.csv", data)
    assert job.status == "done" and job.rows_done == 9
    html = client_for(admin).get(f"/imports/{job.pk}/").content.decode()
    assert "9 通来电进入人工队列" in html
    assert 'id="calls-added">9<' in html and 'id="calls-skipped">2<' in html
    assert 'id="go-hotline"' in html
    again = process(admin, "calls", "week.csv", data)
    html = client_for(admin).get(f"/imports/{again.pk}/").content.decode()
    assert 'id="calls-added">0<' in html and 'id="calls-already">9<' in html


def test_s2_a_bad_cell_is_listed_by_line_and_column_nothing_written(admin):
    bad = row(0, "PS", MON, "9:00:00", 5, "ANSWERED", "9:00:05", 30, "A")
    job = process(admin, "calls", "bad.csv", ("\n".join([HEADER, ROWS[0], bad]) + "\n").encode())
    assert job.status == "failed" and Call.objects.count() == 0
    html = client_for(admin).get(f"/imports/{job.pk}/").content.decode()
    assert "<td>3</td><td>结果</td>" in html  # line 3, the outcome column by its Chinese name
