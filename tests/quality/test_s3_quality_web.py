"""Quality supervision's pages (S3): the checks list with its filters and Excel, sampling a
month from the page, the scoring form (refusal beside the item, personal data masked, the
case linked), a rectification item from the page, the staff member's own page, the appraisal
page with its Excel; and the command line."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from servicehall import cli
from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.quality import services
from servicehall.quality.models import QualityCheck
from tests.conftest import client_for
from tests.factories import make_customer
from tests.quality.test_s3_quality import FULL, MONTH, at, ticket, world  # noqa: F401


def _form(**scores):
    return {f"score_{k}": v for k, v in {**FULL, **scores}.items()}


def test_s3_supervisor_scores_on_the_page(world):  # noqa: F811
    t = ticket(world["east"], world["clerk"], 1)
    qa = client_for(world["qa"])
    r = qa.post("/quality/sample", {"month": "2026-10"})
    assert r.status_code == 302
    check = QualityCheck.objects.get(ticket=t)
    page = qa.get("/quality/?month=2026-10&status=to_score").content.decode()
    assert f'data-check="{check.pk}"' in page and "号票 A001" in page
    # a score above the maximum: the page again, the item named beside it, what was typed kept
    r = qa.post(f"/quality/{check.pk}", {**_form(resolution="12"), "version": check.version})
    assert r.status_code == 422
    body = r.content.decode()
    assert "“解决质量”的得分须在 0–10 分之间" in body and 'value="12"' in body
    r = qa.post(f"/quality/{check.pk}", {**_form(records="5"), "comments": "记录欠完整"})
    assert r.status_code == 302
    check.refresh_from_db()
    assert str(check.total) == "92.5" and check.status == "scored"
    # the list's filter and export
    assert (
        f'data-check="{check.pk}"'
        not in qa.get("/quality/?month=2026-10&status=to_score").content.decode()
    )
    wb = load_workbook(BytesIO(qa.get("/quality/checks.xlsx?month=2026-10").content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][0] == check.pk and rows[1][7] == 92.5
    # a rectification item from the page, shown with its state
    r = qa.post(
        f"/quality/{check.pk}/rectify",
        {"finding": "办理记录需补全", "owner": "staff", "item": "records"},
    )
    assert r.status_code == 302
    page = qa.get(f"/quality/{check.pk}").content.decode()
    assert "ZG" in page and "待整改" in page and "办理记录需补全" in page


def test_s3_case_facts_are_masked_and_linked(world):  # noqa: F811
    make_customer(phone="13912345678", name="王小明")
    case = cases.open_case(
        world["clerk"],
        kind="complaint",
        channel="walk_in",
        category="complaint",
        phone="13912345678",
        description="客户 13912345678 投诉等候太久",
    )
    Case.objects.filter(pk=case.pk).update(closed_at=at(20), status="closed")
    services.sample(MONTH, world["qa"])
    check = QualityCheck.objects.get(case=case)
    body = client_for(world["qa"]).get(f"/quality/{check.pk}").content.decode()
    assert "13912345678" not in body and "139****5678" in body
    assert f'href="/cases/{case.pk}/"' in body


def test_s3_pages_are_scoped_and_own_line(world):  # noqa: F811
    east_t = ticket(world["east"], world["clerk"], 1)
    west_t = ticket(world["west"], world["west_clerk"], 2)
    services.sample(MONTH, world["qa"])
    east = QualityCheck.objects.get(ticket=east_t)
    west = QualityCheck.objects.get(ticket=west_t)
    services.score(world["qa"], east.pk, FULL, "很好")
    manager = client_for(world["manager"])
    assert manager.get(f"/quality/{east.pk}").status_code == 200
    assert manager.get(f"/quality/{west.pk}").status_code == 404
    assert manager.get("/quality/").status_code == 403  # scoring is quality's
    assert manager.post(f"/quality/{east.pk}", _form()).status_code == 403
    page = manager.get("/quality/appraisal?month=2026-10").content.decode()
    assert f'data-staff="{world["clerk"].username}"' in page
    assert f'data-staff="{world["west_clerk"].username}"' not in page
    wb = load_workbook(BytesIO(manager.get("/quality/appraisal.xlsx?month=2026-10").content))
    assert [r[2] for r in wb.active.iter_rows(min_row=2, values_only=True)] == [
        world["clerk"].username
    ]
    clerk = client_for(world["clerk"])
    assert clerk.get("/quality/appraisal").status_code == 403
    mine = clerk.get("/quality/mine?month=2026-10").content.decode()
    assert f'data-check="{east.pk}"' in mine and "很好" in mine and 'id="my-score"' in mine
    # a finding turned into a rectification item owned by the clerk: listed on their page
    item = services.open_rectification(
        world["qa"], east.pk, finding="未使用规范服务用语", owner="staff"
    )
    mine = clerk.get("/quality/mine?month=2026-10").content.decode()
    assert f'data-case="{item.number}"' in mine and "未使用规范服务用语" in mine
    assert f'href="/cases/{item.pk}/"' in mine
    assert 'data-case="' not in client_for(world["clerk2"]).get("/quality/mine").content.decode()
    assert client_for(world["clerk2"]).get(f"/quality/{east.pk}").status_code == 403


def test_s3_cli_sample(world, capsys):  # noqa: F811
    ticket(world["east"], world["clerk"], 1)
    with pytest.raises(SystemExit) as e:
        cli.main(["quality", "sample", "--month", "2026-13"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Error:" in err
    cli.main(["quality", "sample", "--month", "2026-10"])
    assert '"per_clerk": 1' in capsys.readouterr().out
    cli.main(["quality", "sample", "--month", "2026-10"])
    assert '"per_clerk": 0' in capsys.readouterr().out


def test_s3_scoring_refusal_in_english(world):  # noqa: F811
    t = ticket(world["east"], world["clerk"], 1)
    services.sample(MONTH, world["qa"])
    check = QualityCheck.objects.get(ticket=t)
    qa = client_for(world["qa"], "en")
    r = qa.post(f"/quality/{check.pk}", _form(first_contact="x"))
    body = r.content.decode()
    assert r.status_code == 422
    assert "The score of “First-contact responsibility” must be a whole number" in body
    assert "Save scores" in body and "得分须" not in body
