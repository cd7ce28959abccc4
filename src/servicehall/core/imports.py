"""Imports from a page (V4, M1, L3): an uploaded file becomes an ImportJob, processed in the
background while the page shows its progress, then the result or the row-level error report.

How a job runs, and why: in a thread of the web process that received the file, started once
the job row has committed. The file stays in that process's memory (never stored), and nothing
else has to run — `servicehall demo` (one process) and `servicehall serve --workers 2` work the
same, with or without a Huey worker. The import itself is the kind's own service
(cases.bill_shock.import_bills, catalog.importer.import_catalog, customers.crm.import_customers
— passed in by the caller, as core sits below them), unchanged: the whole file is checked first,
then written in one transaction, so a failed job has written nothing — except the CRM's
customers (`IN_CHUNKS`), which take the good rows chunk by chunk and report the bad ones
(customers/crm.py says why); importing the file again finishes a job cut off half-way.

Progress: the service reports ("checking", rows checked, rows) while it checks, which writes
nothing else, so the reporter commits it on the job row (at most every PROGRESS_SECONDS) and a
poll served by any process sees it. The writing phase is one transaction — on SQLite the
process holds the database's only write lock — so the row records only that the job is
writing; the fraction written lives in this process's memory (`_LIVE`), shown when the poll
reaches the same process and as an indeterminate bar otherwise.

A job whose process died (a restart mid-import) stays queued/checking/writing on its row: it is
shown as failed once its row has not moved for STALE_AFTER and no thread of this process runs
it. Its transaction died with the process, so nothing was written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from .db import write_transaction
from .errors import Code, NotFound, ServiceError, forbidden
from .models import ImportJob
from .tables import too_large

logger = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx", ".xlsm")
# kind: (permission, what it is in Chinese, in English)
KINDS = {
    ImportJob.Kind.BILLS: ("customers.import_bills", "导入账单", "import bills"),
    ImportJob.Kind.CATALOGUE: ("catalog.import_catalog", "导入产品目录", "import the catalogue"),
    ImportJob.Kind.CUSTOMERS: ("customers.import_customers", "导入客户资料", "import customers"),
    # subscription disputes (P4): not a choice of ImportJob.kind, whose migration is core's
    "evidence": (
        "complaints.import_evidence",
        "导入增值业务核查证据",
        "import subscription evidence",
    ),
    # the hotline's call records (S2, L6): likewise not a choice of ImportJob.kind
    "calls": ("hotline.import_calls", "导入热线来电记录", "import hotline call records"),
}
# kinds written chunk by chunk, each committed with its progress: any process's poll shows it
IN_CHUNKS = {ImportJob.Kind.CUSTOMERS}
ADMIN_PERM = "core.view_importjob"  # administrators see every job
RUNNING = (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING, ImportJob.Status.WRITING)
STALE_AFTER = timedelta(minutes=15)
PROGRESS_SECONDS = 0.3
MAX_SHOWN_ERRORS = 200

# (user, file bytes, file name, progress) -> the result summary (JSON)
Work = Callable[..., dict]

_LIVE: dict[int, tuple[str, int, int]] = {}  # job id -> (stage, done, total), in this process
_live_lock = threading.Lock()


def may_import(user, kind: str) -> bool:
    return kind in KINDS and user.is_authenticated and user.has_perm(KINDS[kind][0])


def max_bytes(kind: str) -> int:
    """The largest file of this kind (settings IMPORT_LIMITS; said on the page)."""
    return settings.IMPORT_LIMITS[kind]["bytes"]


def max_rows(kind: str) -> int:
    return settings.IMPORT_LIMITS[kind]["rows"]


def check_upload(file_name: str, size: int, kind: str) -> None:
    """What can be refused before the file is read: its type by name, an empty file, the size."""
    if not file_name.lower().endswith(EXTENSIONS):
        raise ServiceError(
            Code.BAD_FILE_TYPE,
            "只能上传CSV或Excel（.xlsx）文件",
            "Only CSV or Excel (.xlsx) files can be imported",
            field="file",
            status=422,
        )
    if size == 0:
        raise ServiceError(
            Code.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    if size > max_bytes(kind):
        raise too_large(max_bytes(kind), size)


def start(user, kind: str, file_name: str, data: bytes, work: Work) -> ImportJob:
    """Record the job and, once it has committed, process it in a background thread."""
    if kind not in KINDS:
        raise NotFound(Code.NOT_FOUND, "没有这种导入", "No such import")
    perm, zh, en = KINDS[kind]
    if not user.is_authenticated or not user.has_perm(perm):
        raise forbidden(zh, en)
    file_name = (file_name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    check_upload(file_name, len(data), kind)
    with write_transaction():
        job = ImportJob.objects.create(
            kind=kind, file_name=file_name, file_size=len(data), user=user
        )
        transaction.on_commit(lambda: launch(job.pk, data, work))
    return job


def launch(job_id: int, data: bytes, work: Work) -> threading.Thread:
    with _live_lock:
        _LIVE[job_id] = (ImportJob.Status.QUEUED, 0, 0)
    thread = threading.Thread(
        target=run, args=(job_id, data, work), name=f"import-job-{job_id}", daemon=True
    )
    thread.start()
    return thread


class _Reporter:
    """The `progress` callback handed to the service (customers.bills.Progress)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stage = ImportJob.Status.QUEUED
        self.saved_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        with _live_lock:
            _LIVE[self.job_id] = (stage, done, total)
        if connection.in_atomic_block:
            return  # inside the import's own transaction: memory only
        now = time.monotonic()
        if stage == self.stage and now - self.saved_at < PROGRESS_SECONDS and done < total:
            return
        self.stage, self.saved_at = stage, now
        with write_transaction():
            ImportJob.objects.filter(pk=self.job_id, status__in=RUNNING).update(
                status=stage, rows_done=done, rows_total=total, updated_at=timezone.now()
            )


def _finish(job_id: int, **fields) -> None:
    now = timezone.now()
    with write_transaction():
        ImportJob.objects.filter(pk=job_id).update(finished_at=now, updated_at=now, **fields)


def run(job_id: int, data: bytes, work: Work) -> None:
    """Process one job to its end (the thread's body; tests call it directly). Every outcome
    lands on the job row: done with the summary, or failed with the reason and the bad cells."""
    try:
        job = ImportJob.objects.select_related("user").get(pk=job_id)
        try:
            result = work(job.user, data, job.file_name, progress=_Reporter(job_id))
        except ServiceError as exc:
            errors = exc.extra.get("errors") or []
            _finish(
                job_id,
                status=ImportJob.Status.FAILED,
                error_code=exc.code[:32],
                message=exc.zh[:500],
                message_en=exc.en[:500],
                errors=errors[:MAX_SHOWN_ERRORS],
                error_count=exc.extra.get("error_count", len(errors)),
            )
        except Exception:
            logger.exception("import job %s failed", job_id)
            _finish(
                job_id,
                status=ImportJob.Status.FAILED,
                error_code="internal",
                message="导入时系统出错，未导入任何数据；错误已记录，请稍后重试或联系系统管理员",
                message_en="The system failed during the import; nothing was imported. The "
                "error has been logged: try again later or tell the administrator",
            )
        else:
            # an import that takes the good rows (customers) reports the bad ones with them
            errors = result.pop("errors", [])
            _finish(
                job_id,
                status=ImportJob.Status.DONE,
                result=result,
                rows_done=result.get("imported", result.get("tiers", 0)),
                errors=errors[:MAX_SHOWN_ERRORS],
                error_count=result.get("error_count", len(errors)),
            )
    except Exception:  # the job row itself could not be read or written (database gone)
        logger.exception("import job %s could not be recorded", job_id)
    finally:
        with _live_lock:
            _LIVE.pop(job_id, None)
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # this thread's own connections


# --- reads ---------------------------------------------------------------------------------


def get_visible(user, job_id: int) -> ImportJob:
    """The job, for the user who started it or an administrator; 404 for anyone else (a job
    of someone else's is not admitted to exist)."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or not (job.user_id == user.pk or user.has_perm(ADMIN_PERM)):
        raise NotFound(Code.NOT_FOUND, "没有这个导入任务", "No such import job")
    return job


def recent(user, limit: int = 10) -> list[ImportJob]:
    jobs = ImportJob.objects.select_related("user")
    if not user.has_perm(ADMIN_PERM):
        jobs = jobs.filter(user=user)
    return list(jobs[:limit])


def is_stale(job: ImportJob) -> bool:
    with _live_lock:
        alive_here = job.pk in _LIVE
    return (
        job.status in RUNNING and not alive_here and timezone.now() - job.updated_at > STALE_AFTER
    )


def progress(job: ImportJob) -> dict:
    """What the progress bar shows: the phase, rows done and the total, a percentage (None:
    indeterminate), and whether the job has ended."""
    status, done, total = job.status, job.rows_done, job.rows_total
    if is_stale(job):
        status = ImportJob.Status.FAILED
    with _live_lock:
        live = _LIVE.get(job.pk)
    if live and status in RUNNING and live[0] == ImportJob.Status.WRITING:
        status, done, total = live
    percent = None
    if status == ImportJob.Status.DONE:
        percent = 100
    elif (
        status in RUNNING
        and total
        and (status == ImportJob.Status.CHECKING or live or job.kind in IN_CHUNKS)
    ):
        percent = min(100, round(100 * done / total))
    return {
        "status": status,
        "label": ImportJob.Status(status).label,
        "done": done,
        "total": total,
        "percent": percent,
        "finished": status not in RUNNING,
    }


def stale_message() -> tuple[str, str]:
    return (
        "导入中断：处理它的服务进程已停止，未导入任何数据，请重新上传",
        "The import was interrupted (the server process stopped); nothing was imported. "
        "Upload the file again",
    )
