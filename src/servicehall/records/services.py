"""Keeping records only as long as the law allows (V3, L4, L5) and the customer's rights (PIPL).

- `set_policy`: the administrator's months for a record type, never under the legal minimum
  (policies.MINIMUM_MONTHS), an audit row per change.
- `place_hold` / `release_hold`: a legal hold keeps everything of a customer; audited.
- `purge(now=None, dry_run=True)`: per record type, what has expired (its period ran out from
  where it runs — policies.RUNS_FROM — and nothing earlier), removes or anonymises it unless a
  legal hold or an open complaint or appeal of the customer needs it, and returns the report
  (stored as a `PurgeRun`). One audit row per run and type that removed something; a second run
  finds nothing more to do. The daily job is tasks.nightly_purge; `servicehall purge`.
- `export_customer`: everything held about a customer, one ZIP file (a JSON and the case
  files); audited as an export.
- `erase_on_request`: a customer's data anonymised or removed where no legal period runs any
  more, and what is kept, why and until when.
"""

from __future__ import annotations

import calendar
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext

from servicehall.cases.models import AttachmentKind, Case, CaseAttachment, CaseEvent
from servicehall.complaints.models import Appeal, SubscriptionEvidence
from servicehall.core.audit import log_action, log_pii_access, system_actor
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import NotFound, ServiceError, require_perm
from servicehall.core.masking import mask_phone
from servicehall.core.models import AuditLog, SmsMessage
from servicehall.customers import services as customers
from servicehall.customers.errors import Code as CustomersCode
from servicehall.customers.models import Bill, Customer, PhoneNumber
from servicehall.knowledge.models import Conversation

from .errors import Code
from .models import LegalHold, PurgeRun, RecordType, RetentionPolicy
from .policies import DEFAULT_MONTHS, MINIMUM_MONTHS, RUNS_FROM

CHUNK = 2000
# the note on a case's timeline where a signed form was deleted at the end of its period
RETENTION_NOTE = "留存期满，依法删除 (retention period ended)"
# the case types whose still-open cases keep what they need of the customer
KEEPING_KINDS = ("complaint", "appeal")
# kept items listed one by one in a report, per record type (the rest counted)
LIST_AT_MOST = 200
MANAGE = "records.change_retentionpolicy"


def add_months(d: date | datetime, months: int):
    """`d` moved by whole months, the day clipped to the month's last (31 Jan + 1 → 28 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def months_of(record_type: str) -> int:
    row = RetentionPolicy.objects.filter(record_type=record_type).first()
    return row.months if row is not None else DEFAULT_MONTHS[record_type]


def label(record_type: str) -> tuple[str, str]:
    with translation.override("en"):
        return ZH[record_type], str(RecordType(record_type).label)


ZH = {
    RecordType.SUBSCRIPTION: "增值业务定制记录",
    RecordType.BILLING: "使用与账单记录",
    RecordType.IDENTITY: "身份登记信息",
    RecordType.AGREEMENT: "协议与凭证（签字业务受理单）",
    RecordType.AUDIT: "操作日志（审计日志）",
    RecordType.CHAT: "在线会话",
    RecordType.SMS: "短信（发件箱）",
}


# ------------------------------------------------------------------- policies and holds


def check_months(record_type: str, months) -> int:
    """A period for `record_type`, refused under the legal minimum (both languages)."""
    minimum = MINIMUM_MONTHS[record_type]
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise ServiceError(
            CoreCode.INVALID_NUMBER,
            "留存期限应为整数月数",
            "The period is a whole number of months",
            field="months",
            status=422,
        ) from None
    if months < minimum:
        zh, en = label(record_type)
        raise ServiceError(
            Code.BELOW_LEGAL_MINIMUM,
            f"{zh}依法至少保留 {minimum} 个月，不能设为 {months} 个月",
            f"The law keeps {en.lower()} at least {minimum} months: {months} is too short",
            field="months",
            status=422,
        )
    if months > 1200:
        raise ServiceError(
            CoreCode.INVALID_NUMBER,
            "留存期限不能超过 1200 个月",
            "The period cannot exceed 1200 months",
            field="months",
            status=422,
        )
    return months


def set_policy(user, record_type: str, months, *, ip=None) -> RetentionPolicy:
    require_perm(user, MANAGE, "修改记录留存期限", "change retention periods")
    record_type = str(record_type)
    if record_type not in RecordType.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "没有这种记录类型",
            "No such record type",
            field="record_type",
            status=422,
        )
    months = check_months(record_type, months)
    with write_transaction():
        row, _ = RetentionPolicy.objects.select_for_update().get_or_create(
            record_type=record_type, defaults={"months": DEFAULT_MONTHS[record_type]}
        )
        before = row.months
        if before == months:
            return row
        row.months = months
        row.updated_at = timezone.now()
        row.updated_by = user
        row.save()
        log_action(
            user,
            AuditLog.Action.RETENTION_POLICY,
            "retention_policy",
            record_type,
            reason=f"{before} → {months}",
            fields=[f"months={before}->{months}"],
            ip=ip,
        )
    return row


def place_hold(user, customer_id, reason: str, *, ip=None) -> LegalHold:
    require_perm(user, "records.add_legalhold", "设置法律保全", "place a legal hold")
    reason = _reason(reason, "why")
    with write_transaction():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise _unknown_customer()
        if LegalHold.objects.filter(customer=customer, released_at__isnull=True).exists():
            raise ServiceError(
                Code.ALREADY_HELD,
                "该客户已有未解除的法律保全",
                "This customer already has a legal hold in place",
                field="customer",
                status=409,
            )
        hold = LegalHold.objects.create(
            customer=customer, reason=reason, placed_by=user, placed_at=timezone.now()
        )
        log_action(user, AuditLog.Action.HOLD_PLACED, "customer", customer.pk, reason, ip=ip)
    return hold


def release_hold(user, hold_id, reason: str, *, ip=None) -> LegalHold:
    require_perm(user, "records.change_legalhold", "解除法律保全", "release a legal hold")
    reason = _reason(reason, "release_reason")
    with write_transaction():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise NotFound(CoreCode.NOT_FOUND, "没有这项法律保全", "No such legal hold")
        if hold.released_at is not None:
            raise ServiceError(
                Code.HOLD_RELEASED,
                "这项法律保全已解除",
                "This legal hold was already released",
                status=409,
            )
        hold.released_at = timezone.now()
        hold.released_by = user
        hold.release_reason = reason
        hold.save()
        log_action(user, AuditLog.Action.HOLD_RELEASED, "customer", hold.customer_id, reason, ip=ip)
    return hold


def _reason(reason: str, name: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            CoreCode.REQUIRED, "请填写原因", "Give the reason", field=name, status=422
        )
    if len(reason) > 200:
        raise ServiceError(
            CoreCode.TOO_LONG, "原因最多200字", "At most 200 characters", field=name, status=422
        )
    return reason


def _unknown_customer() -> NotFound:
    return NotFound(
        CustomersCode.UNKNOWN_CUSTOMER, "客户不存在", "Unknown customer", field="customer_id"
    )


# ------------------------------------------------------------------- what keeps what


@dataclass
class Keepers:
    """Why an expired item must stay: a legal hold on its customer, or an open complaint or
    appeal of the customer (or of its number, a complaint without an identified customer)."""

    holds: dict[int, str] = field(default_factory=dict)  # customer id → the hold's reason
    cases: dict[int, str] = field(default_factory=dict)  # customer id → an open case's number
    numbers: dict[str, int] = field(default_factory=dict)  # line → customer id
    case_numbers: dict[str, str] = field(default_factory=dict)  # contact number → case number
    open_case_numbers: set[str] = field(default_factory=set)

    @classmethod
    def now(cls) -> Keepers:
        k = cls()
        for hold in LegalHold.objects.filter(released_at__isnull=True):
            k.holds[hold.customer_id] = hold.reason
        open_cases = Case.objects.filter(kind__in=KEEPING_KINDS, closed_at__isnull=True)
        for number, customer_id, phone in open_cases.values_list(
            "number", "customer_id", "contact_phone"
        ):
            if customer_id is not None:
                k.cases.setdefault(customer_id, number)
            if phone:
                k.case_numbers.setdefault(phone, number)
        for appeal in Appeal.objects.filter(case__closed_at__isnull=True).prefetch_related(
            "complaints"
        ):
            for c in appeal.complaints.all():
                if c.customer_id is not None:
                    k.cases.setdefault(c.customer_id, appeal.case.number)
        k.open_case_numbers = set(
            Case.objects.filter(closed_at__isnull=True).values_list("number", flat=True)
        )
        held = set(k.holds) | set(k.cases)
        for number, customer_id in PhoneNumber.objects.filter(customer_id__in=held).values_list(
            "number", "customer_id"
        ):
            k.numbers[number] = customer_id
        return k

    def why(self, customer_id: int | None = None, number: str = "") -> dict | None:
        if customer_id is None and number:
            customer_id = self.numbers.get(number)
        if customer_id is not None and customer_id in self.holds:
            r = self.holds[customer_id]
            return {"why": "legal_hold", "zh": f"法律保全：{r}", "en": f"Legal hold: {r}"}
        if customer_id is not None and customer_id in self.cases:
            n = self.cases[customer_id]
            return {
                "why": "open_case",
                "zh": f"客户的投诉或申诉 {n} 尚未办结",
                "en": f"The customer's complaint or appeal {n} is still open",
            }
        if number and number in self.case_numbers:
            n = self.case_numbers[number]
            return {
                "why": "open_case",
                "zh": f"该号码的投诉或申诉 {n} 尚未办结",
                "en": f"The complaint or appeal {n} of this number is still open",
            }
        return None


# ------------------------------------------------------------------- the purge


@dataclass
class TypeReport:
    record_type: str
    months: int
    cutoff: str
    action: str  # "deleted" or "anonymised"
    expired: int = 0
    done: int = 0
    kept: list = field(default_factory=list)
    kept_count: int = 0

    def keep(self, item: str, why: dict, count: int = 1) -> None:
        self.kept_count += count
        if len(self.kept) < LIST_AT_MOST:
            self.kept.append({"item": item, "count": count, **why})

    def as_dict(self) -> dict:
        zh, en = label(self.record_type)
        return {
            "type": self.record_type,
            "label_zh": zh,
            "label_en": en,
            "months": self.months,
            "minimum": MINIMUM_MONTHS[self.record_type],
            "runs_from_zh": RUNS_FROM[self.record_type][0],
            "runs_from_en": RUNS_FROM[self.record_type][1],
            "cutoff": self.cutoff,
            "action": self.action,
            "expired": self.expired,
            "done": self.done,
            "kept_count": self.kept_count,
            "kept": self.kept,
        }


Progress = Callable[[str, int, int], None]


def purge(
    now: datetime | None = None,
    dry_run: bool = True,
    *,
    user=None,
    progress: Progress | None = None,
) -> dict:
    """Remove or anonymise what has expired, and nothing earlier (module docstring). `user`:
    who ran it (checked: the retention administrator), None for the schedule."""
    if user is not None:
        require_perm(user, MANAGE, "清理到期记录", "purge expired records")
    now = now or timezone.now()
    actor = user or system_actor("retention")
    keepers = Keepers.now()
    ctx = _Run(now, dry_run, actor, keepers, progress)
    reports = [
        ctx.subscription(),
        ctx.billing(),
        ctx.agreement(),
        ctx.chat(),
        ctx.sms(),
        ctx.identity(),
        ctx.audit(),
    ]
    report = {
        "at": now.isoformat(),
        "dry_run": dry_run,
        "types": [r.as_dict() for r in reports],
    }
    with write_transaction():
        run = PurgeRun.objects.create(at=now, dry_run=dry_run, by=user, report=report)
    report["run"] = run.pk
    return report


class _Run:
    def __init__(self, now, dry_run, actor, keepers: Keepers, progress):
        self.now = now
        self.today = timezone.localtime(now).date()
        self.dry_run = dry_run
        self.actor = actor
        self.keepers = keepers
        self.progress = progress

    def _start(self, record_type: str, action: str) -> tuple[TypeReport, int]:
        months = months_of(record_type)
        cutoff = add_months(self.today, -months)
        return TypeReport(record_type, months, cutoff.isoformat(), action), months

    def _audit(self, r: TypeReport, fields=()) -> None:
        if self.dry_run or not r.done:
            return
        obj_type = "audit_log" if r.record_type == RecordType.AUDIT else r.record_type
        log_action(
            self.actor,
            AuditLog.Action.RECORDS_PURGE,
            obj_type,
            r.cutoff,
            reason=f"{r.action} {r.done}; kept {r.kept_count}",
            fields=[f"expired={r.expired}", f"{r.action}={r.done}", *fields],
        )

    def _tick(self, r: TypeReport, total: int) -> None:
        if self.progress is not None:
            self.progress(r.record_type, r.done, total)

    # lines ---------------------------------------------------------------------------

    def _ended_lines(self, cutoff: date) -> dict[str, int | None]:
        """Lines whose service ended before `cutoff` — closed then, or their customer left
        then — with their customer."""
        ended = {}
        rows = PhoneNumber.objects.filter(
            Q(ended_on__lt=cutoff) | Q(ended_on__isnull=True, customer__left_at__isnull=False)
        ).values_list("number", "customer_id", "ended_on", "customer__left_at")
        for number, customer_id, ended_on, left_at in rows:
            end = ended_on or timezone.localtime(left_at).date()
            if end < cutoff:
                ended[number] = customer_id
        return ended

    def _by_line(self, r: TypeReport, model, line_field: str, cutoff: date) -> None:
        ended = self._ended_lines(cutoff)
        doomed = []
        for number, customer_id in ended.items():
            why = self.keepers.why(customer_id, number)
            qs = model.objects.filter(**{line_field: number})
            if why is not None:
                n = qs.count()
                if n:
                    r.expired += n
                    r.keep(mask_phone(number), why, n)
                continue
            doomed.append(number)
        for i in range(0, len(doomed), 200):
            part = doomed[i : i + 200]
            qs = model.objects.filter(**{f"{line_field}__in": part})
            if self.dry_run:
                n = qs.count()
                r.expired += n
                continue
            ids = list(qs.values_list("id", flat=True))
            r.expired += len(ids)
            for j in range(0, len(ids), CHUNK):
                with write_transaction():
                    r.done += model.objects.filter(id__in=ids[j : j + CHUNK]).delete()[0]
                self._tick(r, r.expired)

    def subscription(self) -> TypeReport:
        r, _ = self._start(RecordType.SUBSCRIPTION, "deleted")
        cutoff = date.fromisoformat(r.cutoff)
        self._by_line(r, SubscriptionEvidence, "line", cutoff)
        # lines we have no record of: when their service ends is unknown, so they stay
        known = PhoneNumber.objects.values("number")
        unknown = (
            SubscriptionEvidence.objects.exclude(line__in=known)
            .values("line")
            .annotate(last=Max("at"))
            .filter(last__lt=_aware(cutoff))
            .order_by("line")
        )
        for row in unknown[:LIST_AT_MOST]:
            r.keep(
                mask_phone(row["line"]),
                {
                    "why": "line_unknown",
                    "zh": "号码不在客户档案中，无法确定停止服务的日期",
                    "en": "The line is not in our customer records: when its service ended is unknown",
                },
                SubscriptionEvidence.objects.filter(line=row["line"]).count(),
            )
        self._audit(r)
        return r

    def billing(self) -> TypeReport:
        r, _ = self._start(RecordType.BILLING, "deleted")
        self._by_line(r, Bill, "number", date.fromisoformat(r.cutoff))
        self._audit(r)
        return r

    # per customer ----------------------------------------------------------------------

    def identity(self) -> TypeReport:
        r, months = self._start(RecordType.IDENTITY, "anonymised")
        cutoff = add_months(self.now, -months)
        due = Customer.objects.filter(
            left_at__lt=cutoff, anonymised_at__isnull=True, status=Customer.Status.LEFT
        ).order_by("id")
        r.expired = due.count()
        for customer in due.iterator(chunk_size=500):
            why = self.keepers.why(customer.pk)
            if why is not None:
                r.keep(f"#{customer.pk}", why)
                continue
            if not self.dry_run and anonymise_everywhere(customer, self.actor, "retention"):
                r.done += 1
                if r.done % 100 == 0:
                    self._tick(r, r.expired)
        self._audit(r)
        return r

    def agreement(self) -> TypeReport:
        r, months = self._start(RecordType.AGREEMENT, "deleted")
        cutoff = add_months(self.now, -months)
        forms = (
            CaseAttachment.objects.filter(kind=AttachmentKind.SIGNED_FORM)
            .filter(
                Q(case__customer__left_at__lt=cutoff)
                | Q(case__customer__isnull=True, case__closed_at__lt=cutoff)
            )
            .select_related("case")
            .order_by("id")
        )
        for att in forms:
            r.expired += 1
            why = self.keepers.why(att.case.customer_id)
            if why is None and att.case.closed_at is None:
                why = {
                    "why": "open_case",
                    "zh": f"所属工单 {att.case.number} 尚未办结",
                    "en": f"Its case {att.case.number} is still open",
                }
            if why is not None:
                r.keep(f"{att.case.number}: {att.name}", why)
                continue
            if not self.dry_run:
                _delete_attachment(att, self.actor, self.now)
                r.done += 1
        self._audit(r)
        return r

    def chat(self) -> TypeReport:
        r, months = self._start(RecordType.CHAT, "deleted")
        cutoff = add_months(self.now, -months)
        old = (
            Conversation.objects.annotate(last=Coalesce(Max("messages__created_at"), "started_at"))
            .filter(last__lt=cutoff)
            .order_by("id")
        )
        doomed = []
        for conv in old.only("id", "phone", "case_number", "started_at"):
            r.expired += 1
            why = self.keepers.why(None, conv.phone) if conv.phone else None
            if why is None and conv.case_number in self.keepers.open_case_numbers:
                why = {
                    "why": "open_case",
                    "zh": f"会话转入的工单 {conv.case_number} 尚未办结",
                    "en": f"The case {conv.case_number} it was handed over to is still open",
                }
            if why is not None:
                r.keep(f"#{conv.pk}", why)
                continue
            doomed.append(conv.pk)
        if not self.dry_run:
            for j in range(0, len(doomed), CHUNK):
                with write_transaction():
                    Conversation.objects.filter(id__in=doomed[j : j + CHUNK]).delete()
                r.done += len(doomed[j : j + CHUNK])
                self._tick(r, r.expired)
        self._audit(r)
        return r

    def sms(self) -> TypeReport:
        r, months = self._start(RecordType.SMS, "deleted")
        cutoff = add_months(self.now, -months)
        old = SmsMessage.objects.filter(created_at__lt=cutoff)
        r.expired = old.count()
        kept_ids = []
        for sms in old.filter(to__in=[*self.keepers.numbers, *self.keepers.case_numbers]):
            kept_ids.append(sms.pk)
            r.keep(f"#{sms.pk} {mask_phone(sms.to)}", self.keepers.why(None, sms.to))
        if not self.dry_run:
            ids = list(old.exclude(id__in=kept_ids).values_list("id", flat=True))
            for j in range(0, len(ids), CHUNK):
                with write_transaction():
                    r.done += SmsMessage.objects.filter(id__in=ids[j : j + CHUNK]).delete()[0]
                self._tick(r, r.expired)
        self._audit(r)
        return r

    def audit(self) -> TypeReport:
        """Operation logs past their period, oldest first and without a hole: the rows up to
        the first one still within it. The run's audit row names the last purged row's hash,
        where the remaining chain starts (core.audit.verify)."""
        r, months = self._start(RecordType.AUDIT, "deleted")
        cutoff = add_months(self.now, -months)
        first_kept = (
            AuditLog.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        ).first()
        old = AuditLog.objects.all()
        if first_kept is None:  # all are old: the newest stays, the chain's next link
            first_kept = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
        old = old.filter(id__lt=first_kept or 0)
        r.expired = old.count()
        if self.dry_run or not r.expired:
            return r
        with write_transaction():
            last = old.order_by("-id").values_list("id", "hash").first()
            ids = old.values_list("id", flat=True)
            r.done = AuditLog.objects.filter(id__in=list(ids)).delete()[0]
            self._audit(r, [f"through_id={last[0]}", f"last_hash={last[1]}"])
        return r


def _aware(d: date) -> datetime:
    return timezone.make_aware(datetime(d.year, d.month, d.day))


def _delete_attachment(att: CaseAttachment, actor, now, reason: str = RETENTION_NOTE) -> None:
    """A signed form past its period: the row and, once committed, the file; the case's
    timeline says so."""
    with write_transaction():
        CaseEvent.objects.create(
            case=att.case,
            at=now,
            kind="attachment_deleted",  # the timeline's own words for it (cases.selectors)
            actor=actor if actor is not None and actor.is_active else None,
            note=reason,
            data={
                "attachment": att.pk,
                "name": att.name,
                "file_kind": att.kind,
                "size": att.size,
                "sha256": att.sha256,
            },
        )
        name = att.file.name
        storage = att.file.storage
        att.delete()
        transaction.on_commit(lambda: storage.delete(name) if name else None)


def anonymise_everywhere(customer: Customer, actor, reason: str) -> bool:
    """The customer's identity anonymised (customers.services.anonymise) and their numbers
    taken off what the apps above keep of them: their cases' contact numbers and their chats'
    verified numbers."""
    numbers = list(customer.phones.values_list("number", flat=True))
    with write_transaction():
        done = customers.anonymise(customer, actor=actor, reason=reason)
        if done:
            Case.objects.filter(customer=customer).update(contact_phone="")
            if numbers:
                Conversation.objects.filter(phone__in=numbers).update(phone="", pending_phone="")
    return done


# ------------------------------------------------------------------- the customer's rights


def _reason_for(reason: str) -> str:
    return customers.check_reason(reason)


def _customer(customer_id) -> Customer:
    try:
        customer = Customer.objects.filter(pk=int(customer_id)).first()
    except (TypeError, ValueError):
        customer = None
    if customer is None:
        raise _unknown_customer()
    return customer


SECRET_FIELDS = {"service_password", "code_hash", "token", "id_number_rev", "number_rev"}


def _rows(qs) -> list[dict]:
    out = []
    for obj in qs:
        out.append(
            {
                f.attname: getattr(obj, f.attname)
                for f in obj._meta.concrete_fields
                if f.attname not in SECRET_FIELDS
            }
        )
    return out


def export_customer(user, customer_id, reason: str, *, ip=None) -> tuple[str, bytes]:
    """Everything held about a customer (PIPL Art.45), for the customer: one ZIP with
    `customer.json` — profile, lines, bills, cases with their events, attachments' list and
    files, surveys, chats, subscription evidence and verifications, identifications, privilege
    uses, consents, change history, plan and compensation offers, appeals, legal holds — and
    the case files under `files/`. Needs the export permission and a reason; an audit row
    (pii.export) says who, when and why."""
    from servicehall.catalog.models import RecommendationOffer
    from servicehall.complaints.models import CompensationOffer, SubscriptionVerification
    from servicehall.knowledge.models import Message
    from servicehall.surveys.models import Survey

    require_perm(user, "records.export_customer", "导出客户信息", "export a customer's data")
    reason = _reason_for(reason)
    customer = _customer(customer_id)
    numbers = list(customer.phones.values_list("number", flat=True))
    cases = Case.objects.filter(Q(customer=customer) | Q(contact_phone__in=numbers)).distinct()
    case_ids = list(cases.values_list("id", flat=True))
    conversations = Conversation.objects.filter(phone__in=numbers) if numbers else []
    data = {
        "exported_at": timezone.now(),
        "customer": _rows([customer])[0],
        "phones": _rows(customer.phones.all()),
        "bills": _rows(Bill.objects.filter(Q(customer=customer) | Q(number__in=numbers))),
        "cases": _rows(cases.order_by("id")),
        "case_events": _rows(CaseEvent.objects.filter(case_id__in=case_ids).order_by("id")),
        "attachments": _rows(CaseAttachment.objects.filter(case_id__in=case_ids)),
        "surveys": _rows(Survey.objects.filter(case_id__in=case_ids)),
        "appeals": _rows(Appeal.objects.filter(case_id__in=case_ids)),
        "compensation_offers": _rows(CompensationOffer.objects.filter(case_id__in=case_ids)),
        "chats": _rows(conversations),
        "chat_messages": _rows(Message.objects.filter(conversation__in=conversations))
        if numbers
        else [],
        "subscription_evidence": _rows(
            SubscriptionEvidence.objects.filter(line__in=numbers).order_by("at")
        ),
        "subscription_verifications": _rows(
            SubscriptionVerification.objects.filter(case_id__in=case_ids)
        ),
        "identifications": _rows(customer.identifications.all()),
        "privilege_uses": _rows(customer.privilege_uses.all()),
        "consents": _rows(customer.consents.all()),
        "changes": _rows(customer.changes.all()),
        "plan_offers": _rows(
            RecommendationOffer.objects.filter(Q(customer=customer) | Q(number__in=numbers))
        ),
        "legal_holds": _rows(customer.legal_holds.all()),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "customer.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        )
        for att in CaseAttachment.objects.filter(case_id__in=case_ids).select_related("case"):
            try:
                with att.file.open("rb") as f:
                    zf.writestr(f"files/{att.case.number}/{att.pk}-{att.name}", f.read())
            except OSError:
                continue  # a file gone from the store: its row above still says what it was
    log_pii_access(user, "customer", customer.pk, sorted(data), reason, export=True, ip=ip)
    return f"customer-{customer.pk}-{timezone.localdate():%Y%m%d}.zip", buf.getvalue()


ERASABLE = (
    RecordType.SUBSCRIPTION,
    RecordType.BILLING,
    RecordType.AGREEMENT,
    RecordType.CHAT,
    RecordType.SMS,
    RecordType.IDENTITY,
)


def erase_on_request(user, customer_id, reason: str, *, ip=None) -> dict:
    """The customer asked to be deleted (PIPL Art.47): what no legal period protects any more is
    removed or anonymised now — the legal minimum, not the longer configured period, counts
    against the customer's request — and the answer says what is kept, why and until when. A
    customer still in service keeps their identity data during service: refused. A legal hold
    or an open complaint or appeal keeps everything."""
    require_perm(user, "records.erase_customer", "删除客户信息", "erase a customer's data")
    reason = _reason_for(reason)
    customer = _customer(customer_id)
    if customer.status != Customer.Status.LEFT or customer.left_at is None:
        raise ServiceError(
            Code.CUSTOMER_IN_SERVICE,
            "客户仍在网：在网期间须保留身份登记信息（离网后依法再保留2年），不能删除。"
            "可撤回营销授权或更正信息",
            "The customer is still in service: identity registration data is kept during "
            "service (and 2 years after leaving), so it cannot be deleted. Consents can be "
            "withdrawn and details corrected",
            status=409,
        )
    now = timezone.now()
    keepers = Keepers.now()
    numbers = list(customer.phones.values_list("number", flat=True))
    lines = {
        p.number: p.ended_on or timezone.localtime(customer.left_at).date()
        for p in customer.phones.all()
    }
    left = timezone.localtime(customer.left_at)
    blocker = keepers.why(customer.pk)
    done, kept = [], []

    def keep(rt, why_zh, why_en, until):
        zh, en = label(rt)
        kept.append(
            {"type": rt, "label_zh": zh, "label_en": en, "zh": why_zh, "en": why_en, "until": until}
        )

    def ran(rt, count):
        zh, en = label(rt)
        if count:
            done.append({"type": rt, "label_zh": zh, "label_en": en, "count": count})

    with write_transaction():
        for rt in ERASABLE:
            minimum = MINIMUM_MONTHS[rt]
            if blocker is not None:
                if _holds_anything(rt, customer, numbers):
                    keep(rt, blocker["zh"], blocker["en"], None)
                continue
            if rt in (RecordType.SUBSCRIPTION, RecordType.BILLING):
                model, col = (
                    (SubscriptionEvidence, "line")
                    if rt == RecordType.SUBSCRIPTION
                    else (Bill, "number")
                )
                for number, end in lines.items():
                    qs = model.objects.filter(**{col: number})
                    until = add_months(end, minimum)
                    if until < timezone.localdate(now):
                        ran(rt, qs.delete()[0])
                    elif qs.exists():
                        keep(rt, *_legal(rt, minimum), until)
                if rt == RecordType.BILLING:  # bills of lines no longer on the profile
                    rest = Bill.objects.filter(customer=customer).exclude(number__in=lines)
                    until = add_months(left.date(), minimum)
                    if until < timezone.localdate(now):
                        ran(rt, rest.delete()[0])
                    elif rest.exists():
                        keep(rt, *_legal(rt, minimum), until)
                continue
            until_dt = add_months(left, minimum)
            expired = until_dt < now
            if rt == RecordType.IDENTITY:
                if expired:
                    ran(rt, 1 if anonymise_everywhere(customer, user, f"erasure: {reason}") else 0)
                elif customer.anonymised_at is None:
                    keep(rt, *_legal(rt, minimum), until_dt.date())
            elif rt == RecordType.AGREEMENT:
                forms = CaseAttachment.objects.filter(
                    kind=AttachmentKind.SIGNED_FORM, case__customer=customer
                ).select_related("case")
                if expired:
                    n = 0
                    for att in forms.filter(case__closed_at__isnull=False):
                        _delete_attachment(
                            att, user, now, f"应客户请求删除 (erased on request): {reason}"
                        )
                        n += 1
                    ran(rt, n)
                elif forms.exists():
                    keep(rt, *_legal(rt, minimum), until_dt.date())
            elif rt == RecordType.CHAT:
                qs = Conversation.objects.filter(phone__in=numbers) if numbers else None
                if qs is not None and qs.exists():
                    if expired:
                        ran(rt, qs.count())
                        qs.delete()
                    else:
                        keep(rt, *_legal(rt, minimum), until_dt.date())
            elif rt == RecordType.SMS:
                qs = SmsMessage.objects.filter(to__in=numbers) if numbers else None
                if qs is not None and qs.exists():
                    if expired:
                        ran(rt, qs.delete()[0])
                    else:
                        keep(rt, *_legal(rt, minimum), until_dt.date())
        log_action(
            user,
            AuditLog.Action.CUSTOMER_ERASE,
            "customer",
            customer.pk,
            reason,
            ip=ip,
            fields=[f"{d['type']}={d['count']}" for d in done]
            + [f"kept:{k['type']}" for k in kept],
        )
    return {"customer": customer.pk, "done": done, "kept": kept}


def _legal(rt: str, minimum: int) -> tuple[str, str]:
    runs_zh, runs_en = RUNS_FROM[rt]
    return (
        f"依法自{runs_zh}起至少保留 {minimum} 个月",
        f"The law keeps it {minimum} months after {runs_en}",
    )


def _holds_anything(rt: str, customer: Customer, numbers: list[str]) -> bool:
    if rt == RecordType.IDENTITY:
        return customer.anonymised_at is None
    if rt == RecordType.SUBSCRIPTION:
        return SubscriptionEvidence.objects.filter(line__in=numbers).exists()
    if rt == RecordType.BILLING:
        return Bill.objects.filter(Q(customer=customer) | Q(number__in=numbers)).exists()
    if rt == RecordType.AGREEMENT:
        return CaseAttachment.objects.filter(
            kind=AttachmentKind.SIGNED_FORM, case__customer=customer
        ).exists()
    if rt == RecordType.CHAT:
        return Conversation.objects.filter(phone__in=numbers).exists()
    return SmsMessage.objects.filter(to__in=numbers).exists()


def customer_for_rights(user, customer_id, what: str) -> dict:
    """The customer as the rights' page shows them (masked), after the permission of `what`
    ("export" or "erase"); an unknown customer is a 404."""
    if what == "export":
        require_perm(user, "records.export_customer", "导出客户信息", "export a customer's data")
    else:
        require_perm(user, "records.erase_customer", "删除客户信息", "erase a customer's data")
    customer = _customer(customer_id)
    shown = customers.present(customer, user)
    shown["status"] = customer.status
    shown["status_label"] = (
        gettext("Customer has left")
        if customer.status == Customer.Status.LEFT
        else gettext("Customer in service")
    )
    shown["left_at"] = customer.left_at
    shown["anonymised_at"] = customer.anonymised_at
    shown["held"] = customer.legal_holds.filter(released_at__isnull=True).exists()
    return shown
