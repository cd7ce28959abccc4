"""Subscription disputes (P4, L4): importing the platform's evidence, verifying a disputed
subscription on a complaint (the verdict, its reasons and the refund stored with the evidence it
was decided on, and a case event), and the verification as the complaint's remedy.

The decision itself is verify.verify (pure); here are the reads around it (set-based: one query
for a line's evidence, one per chunk of lines for many) and the writes."""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.cases.selectors import EVENT_LABELS, get_case, may_handle, unknown_case
from servicehall.cases.services.common import check_open, record_event
from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, NotFound, ServiceError, require_perm
from servicehall.customers.models import PhoneNumber

from ..errors import Code
from ..models import EvidenceKind, SubscriptionEvidence, SubscriptionVerification
from . import evidence
from .verify import Record, Verdict, verify

EVENT = "subscription_verified"
EVENT_LABELS[EVENT] = ("核查定制关系", "Subscription verified")

FIELDS = (
    "line",
    "kind",
    "at",
    "from_addr",
    "to_addr",
    "sp_code",
    "service_code",
    "amount",
    "period",
)
CHUNK = 2000  # lines read in one query when verifying many


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a bulk job makes millions of objects
    that live to its end (verdicts, rows): each full collection walks every live object, which
    made a whole-table verification spend two thirds of its time collecting. Nothing here makes
    cycles; the collector runs again at the end (its thresholds are untouched)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def window() -> timedelta:
    return timedelta(hours=settings.SP_CONFIRM_WINDOW_HOURS)


def _local(at):
    return at.astimezone(timezone.get_current_timezone())


# --- import ----------------------------------------------------------------------------------


def import_evidence(user, data, filename: str, progress=None, *, limited: bool = True) -> dict:
    """Check the whole file (any bad row refuses it, every bad row named), store the rows not
    yet stored in one transaction: importing the same file again adds nothing.

    On PostgreSQL with nobody watching the progress (the command line, the benchmark) the rows
    are checked and copied at once, in the transaction a bad row rolls back (evidence.load);
    otherwise — SQLite, whose write lock is not held while checking, and the imports page,
    whose checking progress is committed as it goes — checked first, then stored."""
    require_perm(
        user, "complaints.import_evidence", "导入增值业务核查证据", "import subscription evidence"
    )
    if connection.vendor == "postgresql" and progress is None:
        checker = evidence.Checker(data, filename, limited=limited)
        with write_transaction():
            added = evidence.load(checker)
        return {"imported": checker.rows, "new": added, "already_stored": checker.rows - added}
    rows = evidence.parse(data, filename, limited=limited, progress=progress)
    with write_transaction():
        added = evidence.store(rows, progress=progress)
    return {"imported": len(rows), "new": added, "already_stored": len(rows) - added}


# --- reads -----------------------------------------------------------------------------------


def _records(rows: Iterable[tuple]) -> list[Record]:
    return [Record(*r[1:]) for r in rows]


def evidence_of(line: str) -> list[Record]:
    """Every evidence row of one line (all its services), one indexed query."""
    return _records(SubscriptionEvidence.objects.filter(line=line).values_list(*FIELDS))


def lines_of(case: Case) -> list[str]:
    """The lines a complaint may dispute: the customer's, else the contact number."""
    if case.customer_id:
        numbers = list(
            PhoneNumber.objects.filter(customer_id=case.customer_id)
            .order_by("-is_primary", "number")
            .values_list("number", flat=True)
        )
        if numbers:
            return numbers
    return [case.contact_phone] if case.contact_phone else []


def services_of(lines: list[str]) -> list[dict]:
    """The value-added services with evidence on these lines: the choices of "核查定制关系"."""
    found = (
        SubscriptionEvidence.objects.filter(line__in=lines)
        .values("line", "sp_code", "service_code")
        .distinct()
        .order_by("line", "sp_code", "service_code")
    )
    names = dict(
        SubscriptionEvidence.objects.filter(line__in=lines)
        .exclude(service_name="")
        .values_list("service_code", "service_name")
    )
    return [
        {
            **s,
            "service_name": names.get(s["service_code"], ""),
            # the line by its place among the case's lines: a page never carries the number
            "value": f"{lines.index(s['line'])}|{s['sp_code']}|{s['service_code']}",
        }
        for s in found
    ]


def verify_line(line: str, sp_code: str, service_code: str) -> tuple[Verdict, list[Record]]:
    records = evidence_of(line)
    return verify(line, sp_code, service_code, records, window=window(), local=_local), records


def verify_many(disputes: list[tuple[str, str, str]]) -> list[Verdict]:
    """Verify many disputed subscriptions (line, SP code, service code): the evidence read a
    chunk of lines at a time, one query each, then decided in memory."""
    out: list[Verdict] = []
    win = window()
    tz = timezone.get_current_timezone()

    def local(at):
        return at.astimezone(tz)

    with _collector_paused():
        for start in range(0, len(disputes), CHUNK):
            chunk = disputes[start : start + CHUNK]
            by_line: dict[str, list[Record]] = defaultdict(list)
            for r in _rows_of({d[0] for d in chunk}):
                by_line[r[0]].append(Record._make(r[1:]))
            out += [
                verify(line, sp, svc, by_line.get(line, ()), window=win, local=local)
                for line, sp, svc in chunk
            ]
    return out


def _rows_of(lines: set[str]):
    """The evidence rows (FIELDS) of these lines. On PostgreSQL one plain query whose rows come
    in binary (timestamps and decimals typed by the driver's C loaders: Django's text loader for
    timestamps costs more than the query); elsewhere through the ORM."""
    if connection.vendor != "postgresql":
        yield from SubscriptionEvidence.objects.filter(line__in=lines).values_list(*FIELDS)
        return
    import psycopg  # only here: the driver is there when the database is PostgreSQL

    table = connection.ops.quote_name(SubscriptionEvidence._meta.db_table)
    connection.ensure_connection()
    # a plain (server-side binding) cursor: Django's own client-side cursors read text only
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(
            f"SELECT {', '.join(FIELDS)} FROM {table} WHERE line = ANY(%s)",
            [sorted(lines)],
            binary=True,
        )
        yield from cur.fetchall()


def latest(case: Case) -> SubscriptionVerification | None:
    return SubscriptionVerification.objects.filter(case=case).select_related("verified_by").first()


# The policy an unauthorised subscription's double refund rests on (the handbook, 移动信息业务核查).
VERIFICATION_BASIS = (
    "《移动信息业务核查处理指导方案》（信息产业部申诉中心）：不能提供用户自主定制证据的，"
    "判定违规定制，按公司承诺双倍返还相关费用"
)


def remedy_for(case: Case) -> tuple[str, Decimal] | None:
    """The latest verification's outcome as the complaint's remedy (the resolve stage prefills
    it): the text in Chinese and the amount refunded; None before any verification."""
    v = latest(case)
    if v is None:
        return None
    what = f"{v.service_name or v.service_code}（SP {v.sp_code}）"
    if v.authorised:
        text = f"经核查，号码{_masked(v.line)}定制{what}有完整的二次确认记录，属用户自主定制。"
        if v.refund:
            text += f"当期无下发内容的扣费自扣费之日起退还{v.refund}元。"
        else:
            text += "不予退费。"
    else:
        why = "；".join(r["zh"] for r in v.reasons)
        text = (
            f"经核查，号码{_masked(v.line)}定制{what}不能提供用户自主定制的证据（{why}），"
            f"判定为违规定制，按公司承诺双倍返还相关费用{v.refund}元，并退订该业务。"
        )
    return text, v.refund


def _masked(number: str) -> str:
    from servicehall.core.masking import mask_phone

    return mask_phone(number)


def get_verification(user, case_id, verification_id) -> SubscriptionVerification:
    """A verification of a case the user may see (404 otherwise, the case's or its own)."""
    case = get_case(case_id)
    v = (
        SubscriptionVerification.objects.filter(pk=verification_id, case=case)
        .select_related("verified_by", "case", "case__customer")
        .first()
        if str(verification_id).isascii() and str(verification_id).isdigit()
        else None
    )
    if v is None or not may_handle(user, case):
        raise NotFound(Code.UNKNOWN_SUBSCRIPTION, "没有这份核查记录", "No such verification")
    return v


# --- the verification on a complaint ----------------------------------------------------------


def _snapshot(records: list[Record], line: str, sp: str, svc: str) -> list[dict]:
    """The disputed service's rows, and the user's confirmations of other services (a reason
    may rest on them), in time order: what the report shows."""
    keep = [
        r
        for r in records
        if (r.sp_code, r.service_code) == (sp, svc)
        or (r.kind == EvidenceKind.CONFIRM and r.from_addr == line)
    ]
    keep.sort(key=lambda r: (r.at, r.kind))
    return [
        {
            "kind": r.kind,
            "at": r.at.isoformat(),
            "from": r.from_addr,
            "to": r.to_addr,
            "sp_code": r.sp_code,
            "service_code": r.service_code,
            "amount": str(r.amount) if r.amount is not None else "",
            "period": r.period,
        }
        for r in keep
    ]


def verify_subscription(user, case_id, *, service: str) -> SubscriptionVerification:
    """核查定制关系 on a complaint: `service` is "n|SP code|service code" (n: the line's place
    among the case's lines), one of its lines' services (services_of). Stores the verdict, reasons, refund and the evidence
    snapshot, and records a case event; the case's state does not change."""
    require_perm(user, "complaints.verify_subscription", "核查定制关系", "verify a subscription")
    with write_transaction():
        case = get_case(case_id, for_update=True)
        if not may_handle(user, case):
            raise unknown_case(case_id)
        if case.kind != "complaint":
            raise Conflict(
                Code.NOT_A_COMPLAINT,
                "只有投诉工单可以核查定制关系",
                "Subscriptions are verified on a complaint only",
                field="case",
            )
        check_open(case)
        parts = (service or "").split("|")
        lines = lines_of(case)
        choice = (
            next((s for s in services_of(lines) if s["value"] == service), None)
            if len(parts) == 3
            else None
        )
        if choice is None:
            raise ServiceError(
                Code.UNKNOWN_SUBSCRIPTION,
                "请从客户号码的增值业务中选择要核查的业务（没有该业务的核查证据）",
                "Choose the service to verify among the customer's lines' value-added "
                "services (there is no evidence of this one)",
                field="service",
                status=422,
            )
        line, sp, svc = choice["line"], choice["sp_code"], choice["service_code"]
        verdict, records = verify_line(line, sp, svc)
        v = SubscriptionVerification.objects.create(
            case=case,
            line=line,
            sp_code=sp,
            service_code=svc,
            service_name=choice["service_name"],
            authorised=verdict.authorised,
            reasons=verdict.reasons,
            refund=verdict.refund,
            computation=verdict.computation,
            window_hours=settings.SP_CONFIRM_WINDOW_HOURS,
            evidence=_snapshot(records, line, sp, svc),
            verified_by=user,
            verified_at=timezone.now(),
        )
        outcome = "用户自主定制" if verdict.authorised else "违规定制，双倍返还"
        record_event(
            case,
            EVENT,
            user,
            note=f"{choice['service_name'] or svc}（SP {sp}）：{outcome}，退费{verdict.refund}元",
            verification=v.pk,
            authorised=verdict.authorised,
            refund=str(verdict.refund),
        )
    return v
