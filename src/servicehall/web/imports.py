"""Imports from a page (V4, M1, L3): /imports/ has an upload form per kind the user may import
(monthly bills: the care desk, the hall manager, the administrator; the plan catalogue: the
hall manager and the administrator), each with its columns and a template file. An upload
becomes an import job (core.imports, which says how it runs); /imports/<id>/ shows its progress
live (imports.js polls /imports/<id>/progress every second) and then the result or the row-level
error report. With JavaScript the form posts by XMLHttpRequest and shows the bytes sent;
without it, a plain post lands on the job page, which refreshes itself until the job ends.
A job is visible to who started it and to administrators; anyone else gets 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from servicehall.cases.bill_shock import import_bills
from servicehall.catalog.importer import COLUMN_NAMES as CATALOGUE_COLUMNS
from servicehall.catalog.importer import import_catalog
from servicehall.complaints.subscriptions.evidence import COLUMN_NAMES as EVIDENCE_COLUMNS
from servicehall.complaints.subscriptions.services import import_evidence
from servicehall.core import imports
from servicehall.core.errors import ServiceError
from servicehall.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from servicehall.core.models import ImportJob
from servicehall.customers import crm
from servicehall.customers.bills import COLUMN_NAMES as BILL_COLUMNS
from servicehall.hotline.calls import import_calls_for
from servicehall.queueing.calls_file import NAMES as CALL_COLUMNS

from ..core.errors import Code as CoreCode
from .access import page
from .forms import error_text
from .names import english

BILLS, CATALOGUE = ImportJob.Kind.BILLS, ImportJob.Kind.CATALOGUE
CUSTOMERS = ImportJob.Kind.CUSTOMERS
EVIDENCE = "evidence"  # value-added subscription evidence (P4)
CALLS = "calls"  # the hotline's call records (S2, L6)
MAY_IMPORT = (
    "customers.import_bills",
    "customers.import_customers",
    "catalog.import_catalog",
    "complaints.import_evidence",
    "hotline.import_calls",
)
WORK = {
    BILLS: import_bills,
    CUSTOMERS: crm.import_customers,
    CATALOGUE: import_catalog,
    EVIDENCE: import_evidence,
    CALLS: import_calls_for,
}
COLUMNS = {
    BILLS: BILL_COLUMNS,
    CUSTOMERS: crm.COLUMN_NAMES,
    CATALOGUE: CATALOGUE_COLUMNS,
    EVIDENCE: EVIDENCE_COLUMNS,
    CALLS: CALL_COLUMNS,
}
KIND_NAMES = {
    BILLS: ImportJob.Kind.BILLS.label,
    CUSTOMERS: ImportJob.Kind.CUSTOMERS.label,
    CATALOGUE: ImportJob.Kind.CATALOGUE.label,
    EVIDENCE: gettext_lazy("Subscription evidence"),
    CALLS: gettext_lazy("Hotline call records"),
}
# The template files: the header and one invented example row each (UTF-8 with a BOM, so Excel
# on Chinese Windows opens it right).
TEMPLATES = {
    BILLS: (
        "账单导入模板.csv",
        "号码,月份,金额,套餐,通话分钟,流量MB,短信条数,主叫次数\n"
        "13800000000,2026-10,88.50,畅享88元套餐,320,15360,12,41\n",
    ),
    CUSTOMERS: ("客户资料导入模板.csv", crm.TEMPLATE),
    CATALOGUE: (
        "产品目录导入模板.csv",
        "产品,类型,档位,月费,编码,流量MB,通话分钟,短信,流量超出(元/MB),通话超出(元/分钟),"
        "合约期(月),适用客户,上架日期\n"
        "示例畅享套餐,主套餐,59元档,59,,30720,300,100,0.03,0.15,12,个人,2026-01-01\n",
    ),
    EVIDENCE: (
        "增值业务核查证据导入模板.csv",
        "类型,号码,SP代码,业务代码,业务名称,时间,发送方,接收方,金额,计费周期\n"
        "订购,13800000000,901234,MUSIC10,示例音乐包,2026-08-02 10:15:00,13800000000,10661234,,\n"
        "确认请求,13800000000,901234,MUSIC10,示例音乐包,2026-08-02 10:15:05,10661234,13800000000,,\n"
        "确认,13800000000,901234,MUSIC10,示例音乐包,2026-08-02 10:17:40,13800000000,10661234,,\n"
        "扣费,13800000000,901234,MUSIC10,示例音乐包,2026-08-03 00:05:00,10661234,13800000000,10.00,2026-08\n"
        "下发,13800000000,901234,MUSIC10,示例音乐包,2026-08-05 09:00:00,10661234,13800000000,,\n",
    ),
    CALLS: (
        "热线来电记录导入模板.csv",
        "日期,排队开始时间,排队秒数,结果,服务开始时间,服务秒数,业务类型,优先级,坐席\n"
        "2026-03-02,9:00:00,12,AGENT,9:00:12,185,宽带,2,王芳\n"
        "2026-03-02,9:01:30,47,HANG,,0,宽带,0,\n",
    ),
}


def _mb(size: int) -> float | int:
    mb = round(size / (1024 * 1024), 2)
    return int(mb) if mb == int(mb) else mb


def _kind(kind: str) -> str:
    if kind not in WORK:
        raise Http404
    return kind


@page(*MAY_IMPORT)
def imports_home(request, error: ServiceError | None = None, error_kind: str = "", status=200):
    user = request.user
    forms = [
        {
            "kind": k,
            "max_bytes": imports.max_bytes(k),
            "max_mb": _mb(imports.max_bytes(k)),
            "max_rows": imports.max_rows(k),
        }
        for k in (CUSTOMERS, BILLS, CATALOGUE, EVIDENCE, CALLS)
        if imports.may_import(user, k)
    ]
    return render(
        request,
        "web/imports/home.html",
        {
            "forms": forms,
            "error": error_text(error) if error else "",
            "error_kind": error_kind,
            "jobs": [_row(j) for j in imports.recent(user)],
        },
        status=status,
    )


@require_POST
@page(*MAY_IMPORT)
def upload(request, kind):
    """The form's target: the job page (a plain post) or its address as JSON (imports.js)."""
    kind = _kind(kind)
    wants_json = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    try:
        # A body over settings.UPLOAD_MAX_BYTES was refused from its Content-Length before
        # anything read it (web.middleware.RequestGuardMiddleware); one within it is spooled
        # to a temporary file, and its file refused here when over this kind's limit.
        file = request.FILES.get("file")
        if file is None:
            raise ServiceError(
                CoreCode.REQUIRED,
                "请选择要上传的文件",
                "Choose a file to upload",
                field="file",
                status=422,
            )
        imports.check_upload(file.name or "", file.size or 0, kind)
        job = imports.start(request.user, kind, file.name, file.read(), WORK[kind])
    except ServiceError as exc:
        if wants_json:
            return JsonResponse({"error": error_text(exc), **exc.as_dict()}, status=exc.status)
        return imports_home(request, error=exc, error_kind=kind, status=exc.status)
    url = reverse("web:import-job", kwargs={"job_id": job.pk})
    if wants_json:
        return JsonResponse({"id": job.pk, "url": url})
    return redirect(url)


@page(*MAY_IMPORT)
def template_file(request, kind):
    name, text = TEMPLATES[_kind(kind)]
    response = HttpResponse(("\ufeff" + text).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _progress(job: ImportJob) -> dict:
    p = imports.progress(job)
    p["label"] = str(p["label"])
    if p["status"] == ImportJob.Status.WRITING and job.kind in imports.IN_CHUNKS:
        p["label"] = _("Checking and saving, 5,000 rows at a time")
    elif p["status"] == ImportJob.Status.WRITING and p["percent"] is None:
        p["label"] = _("Saving (one transaction: all or nothing)")
    return p


def _row(job: ImportJob) -> dict:
    p = imports.progress(job)
    return {
        "job": job,
        "label": str(p["label"]),
        "status": p["status"],
        "kind_name": KIND_NAMES.get(job.kind, ""),
    }


def _summary(job: ImportJob, columns: dict, en: bool) -> str:
    """Why the file was not imported, in words: the services' own messages name a bad cell's
    column by its code ("phone"), which the page never shows."""
    if job.error_code == "bad_rows":
        return ngettext(
            "The file has %(n)s wrong cell; nothing was imported.",
            "The file has %(n)s wrong cells; nothing was imported.",
            job.error_count,
        ) % {"n": job.error_count}
    if job.error_code == "missing_column" and job.errors:
        first = job.errors[0]
        column = columns.get(first.get("field"), ("", ""))[1 if en else 0]
        return _("Line %(line)s (the header) has no “%(column)s” column; nothing was imported.") % {
            "line": first.get("line"),
            "column": column,
        }
    return job.message_en if en else job.message


def _masked_cell(field: str | None, value: str | None) -> str | None:
    """A bad cell as the error table shows it: numbers, IDs and addresses masked (V2)."""
    if field in ("phone", "line", "number"):
        return mask_phone(value)
    if field == "id_number":
        return mask_id_number(value)
    if field == "address":
        return mask_address(value)
    if field == "name":
        return mask_name(value)
    return value


@page(*MAY_IMPORT, imports.ADMIN_PERM)
def job_page(request, job_id):
    job = imports.get_visible(request.user, job_id)
    p = _progress(job)
    en = english()
    columns = COLUMNS[job.kind]
    errors = [
        {
            "line": e.get("line"),
            "column": (
                columns.get(e.get("field"), (e.get("field"), e.get("field")))[1 if en else 0]
            ),
            "value": _masked_cell(e.get("field"), e.get("value")),
            "expected": e.get("message_en" if en else "message", ""),
        }
        for e in job.errors
    ]
    message = _summary(job, columns, en)
    if imports.is_stale(job):
        zh, en_text = imports.stale_message()
        message = en_text if en else zh
    cases = []
    if job.status == ImportJob.Status.DONE and job.kind == BILLS:
        cases = list(
            zip(
                job.result.get("bill_shock_cases", []),
                job.result.get("bill_shock_case_ids", []),
                strict=False,
            )
        )
    return render(
        request,
        "web/imports/job.html",
        {
            "job": job,
            "kind_name": KIND_NAMES.get(job.kind, ""),
            "p": p,
            "message": message,
            "errors": errors,
            "more": max(job.error_count - len(errors), 0),
            "result": job.result,
            "cases": cases,
            "mine": job.user_id == request.user.pk,
        },
    )


@page(*MAY_IMPORT, imports.ADMIN_PERM)
def job_progress(request, job_id):
    return JsonResponse(_progress(imports.get_visible(request.user, job_id)))
