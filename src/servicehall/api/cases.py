"""Case API: intake from any channel, every workflow action and common operation, the
lists and the SLA overview. Every operation is in the OpenAPI schema; an invalid transition
answers 409 with the allowed actions, a stale version 409 with the current one."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from servicehall.cases import bill_shock, selectors, services
from servicehall.cases.workflows import WORKFLOWS
from servicehall.core.errors import ServiceError, forbidden, require_perm
from servicehall.web.attachments import file_response

from ..core.errors import Code as CoreCode
from .errors import ErrorOut
from .fields import IsoDateTime, page_offset

router = Router(tags=["cases 工单"])


class CaseErrorOut(ErrorOut):
    """A 409: `allowed` as every state machine's ({action, label, label_en}, ErrorOut's), or
    the current version after a stale one."""

    current_version: int | None = None


class ImportErrorOut(ErrorOut):
    errors: list[dict] | None = None


ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: CaseErrorOut,
    422: ImportErrorOut,
    500: ErrorOut,
}


class OpenIn(Schema):
    kind: str = Field(..., max_length=20, description="consultation, work_order, fault, …")
    channel: str = Field(..., max_length=20, description="C1: walk_in, hotline, web, app, sms…")
    category: str = Field(..., max_length=40, description="C2 category code")
    description: str = Field(..., max_length=services.MAX_TEXT)
    subject: str = Field("", max_length=120)
    phone: str | None = Field(None, max_length=20, description="identifies the customer (C3)")
    customer_id: int | None = None
    ticket_id: int | None = Field(None, description="the queue ticket being served")
    hall: str | None = Field(None, max_length=32)
    priority: str = Field("normal", max_length=10)
    area: str = Field("town", max_length=10, description="town or rural (L2)")
    region: str | None = Field(
        None,
        max_length=40,
        description="region code (district or grid); none: from what the customer says, their "
        "address or the hall (P5, E1)",
    )
    desk: str | None = Field(None, max_length=32)
    promised_at: IsoDateTime | None = Field(None, description="reply time told to the customer")


class CaseActionIn(Schema):
    version: int = Field(..., description="the version you read; a stale one gets 409")
    resolution: str | None = Field(None, max_length=services.MAX_TEXT)
    method: str | None = Field(
        None,
        max_length=20,
        description="close: how the customer confirmed — phone_call (a recorded call, with "
        "call_at) or in_person (with the code texted by POST …/closure-code); the customer's "
        "own survey answer closes by itself",
    )
    call_at: datetime | None = Field(None, description="close by phone_call: the call's time")
    code: str | None = Field(None, max_length=12, description="close in_person: the code")
    note: str | None = Field(
        None, max_length=1000, description="close: what the customer said (required)"
    )
    reason: str | None = Field(None, max_length=services.MAX_TEXT)
    summary: str | None = Field(None, max_length=services.MAX_TEXT)
    promised_at: IsoDateTime | None = None
    desk: str | None = Field(None, max_length=32)
    category: str | None = Field(None, max_length=40)
    area: str | None = Field(None, max_length=10)


class CaseTransferIn(Schema):
    version: int
    desk: str = Field(..., max_length=32)
    summary: str = Field(..., max_length=services.MAX_TEXT)
    handler: str | None = Field(None, max_length=150)


class EscalateIn(Schema):
    version: int
    reason: str = Field(..., max_length=services.MAX_TEXT)


class PromiseIn(Schema):
    version: int
    promised_at: IsoDateTime


class CommentIn(Schema):
    note: str = Field(..., max_length=services.MAX_TEXT)


class UpdateIn(Schema):
    version: int
    subject: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=services.MAX_TEXT)
    priority: str | None = Field(None, max_length=10)
    category: str | None = Field(None, max_length=40)
    area: str | None = Field(None, max_length=10)


class CaseRowOut(Schema):
    id: int
    number: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    channel: str
    priority: str
    category: str
    category_name: str
    subject: str
    owner: str
    owner_name: str
    desk: str | None
    desk_name: str | None
    due_at: datetime | None
    promised_at: datetime | None
    region: str = Field("", description="where it comes from: city › district › grid (P5, E1)")
    region_source: str = Field("", description="staff, said, address or hall: how that was known")
    follows: str = Field("", description="the incident it follows (E1); none: its own deadline")
    escalation_level: int
    deadline_state: str
    version: int
    created_at: datetime
    closed_at: datetime | None


class CaseEventOut(Schema):
    at: datetime
    kind: str
    label: str
    actor: str | None
    from_status: str
    to_status: str
    note: str
    data: dict
    detail: str = ""


class CaseOut(CaseRowOut):
    description: str
    resolution: str
    area: str
    customer: dict | None
    contact_phone: str
    hall: str | None
    ticket_id: int | None
    parent: str | None
    children: list[str]
    first_response_due: datetime | None
    first_responded_at: datetime | None
    first_response_missed: bool
    resolved_at: datetime | None
    confirm_due: datetime | None
    confirmed_at: datetime | None
    breached: bool
    sla_policy: str | None
    script: str
    allowed: list[dict]
    can_edit: bool
    timeline: list[CaseEventOut]
    unmasked: bool = Field(False, description="true only in the answer of POST …/reveal")
    numbers_masked: bool = Field(
        False, description="phone or ID numbers typed into the texts are masked (V2)"
    )
    confirmation: dict | None = Field(
        None, description="how the customer confirmed the closing, and quality's review"
    )
    code_number: str = Field("", description="the number a closing code would be texted to, masked")
    survey_sent_at: datetime | None = Field(
        None, description="when the satisfaction text went out (its link is never shown)"
    )


class ActionOut(Schema):
    case: CaseOut
    follow_up: CaseOut | None = None


class TransitionOut(Schema):
    action: str
    sources: list[str]
    target: str
    label_zh: str
    label_en: str
    requires: list[str]


class WorkflowOut(Schema):
    kind: str
    name_zh: str
    name_en: str
    initial: str
    states: dict[str, list[str]]
    closed: list[str]
    transitions: list[TransitionOut]


def _lang() -> str:
    return get_language() or "zh-hans"


def _detail(case, user) -> dict:
    return selectors.detail(selectors.get_case(case.pk), user, _lang())


def _reader(request) -> None:
    if not (
        request.user.has_perm("cases.handle_case") or request.user.has_perm("cases.view_all_cases")
    ):
        raise forbidden("查看工单", "view cases")


def _payload(schema: Schema) -> dict:
    return {k: v for k, v in schema.dict(exclude={"version"}).items() if v is not None}


@router.get("/types", response={200: list[WorkflowOut], **ERRORS})
def case_types(request):
    """The case types and their workflows: states, transitions, required fields."""
    _reader(request)
    return [
        {
            "kind": w.kind,
            "name_zh": w.name_zh,
            "name_en": w.name_en,
            "initial": w.initial,
            "states": {k: list(v) for k, v in w.states.items()},
            "closed": sorted(w.closed),
            "transitions": [
                {
                    "action": t.action,
                    "sources": list(t.sources),
                    "target": t.target,
                    "label_zh": t.label_zh,
                    "label_en": t.label_en,
                    "requires": list(t.requires),
                }
                for t in w.transitions
                if not t.system
            ],
        }
        for w in WORKFLOWS.values()
    ]


@router.post("", response={201: CaseOut, **ERRORS})
def open_case(request, payload: OpenIn):
    """Open a case (C1–C4). The caller owns it until it is closed (first-contact
    responsibility)."""
    data = payload.dict()
    case = services.open_case(request.user, **data)
    return Status(201, _detail(case, request.user))


@router.get("", response={200: list[CaseRowOut], **ERRORS})
def list_cases(
    request,
    scope: str = "mine",
    state: str = "open",
    status: str | None = None,
    kind: str | None = None,
    desk: str | None = None,
    q: str | None = None,
    overdue: bool = False,
    escalated: bool = False,
    offset: int = 0,
    limit: int = selectors.PAGE,
):
    """My cases (scope=mine), my desks' queues (desk), everything I may see (all); open ones
    due soonest first."""
    _reader(request)
    now = timezone.now()
    page = selectors.search(
        request.user,
        scope=scope,
        state=state,
        status=status,
        kind=kind,
        desk=desk,
        q=q,
        overdue=overdue,
        escalated=escalated,
        now=now,
        offset=page_offset(offset),
        limit=min(max(limit, 1), 200),
    )
    return [selectors.row(c, now, _lang()) for c in page]


@router.get("/sla", response={200: dict, **ERRORS})
def sla_overview(request):
    """The hall manager's SLA view: breached and at-risk cases, by desk and escalation level."""
    require_perm(request.user, "cases.view_all_cases", "查看时限总览", "view the SLA overview")
    data = selectors.sla_overview(request.user)
    now = data["now"]
    data["breached"] = [selectors.row(c, now, _lang()) for c in data["breached"]]
    data["at_risk"] = [selectors.row(c, now, _lang()) for c in data["at_risk"]]
    return data


class BillImportOut(Schema):
    imported: int
    bill_shock_cases: list[str]


@router.post("/bill-shock/import", response={200: BillImportOut, **ERRORS})
def import_bills(request, file: UploadedFile = File(None)):  # noqa: B008 (ninja idiom)
    """Import a month's bills (CSV or Excel: 号码/phone, 月份/month, 金额/amount). Lines billed
    more than 5× their previous three months' average get a proactive contact case (L3). A bad
    row refuses the whole file, listing the bad rows by line."""
    require_perm(request.user, "customers.import_bills", "导入账单", "import bills")
    if file is None:
        raise ServiceError(
            CoreCode.REQUIRED, "请上传账单文件", "Upload a bill file", field="file", status=422
        )
    # the file as uploaded (spooled to disk when large), read row by row; the service checks
    # its size before reading it (settings IMPORT_LIMITS)
    return bill_shock.import_bills(request.user, file, file.name or "bills.csv")


class ClosureReviewOut(Schema):
    case_id: int
    number: str
    kind: str
    kind_name: str
    subject: str
    method: str
    method_name: str
    by_staff: bool
    confirmed_by: str | None
    call_at: datetime | None
    code_phone: str | None
    note: str
    at: datetime
    review: str
    review_name: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str
    disputed_at: datetime | None = None


class ClosureReviewIn(Schema):
    verdict: str = Field(..., max_length=10, description="ok or not_ok")
    note: str = Field("", max_length=1000, description="required when not_ok")


@router.get("/closure-reviews", response={200: list[ClosureReviewOut], **ERRORS})
def closure_reviews(request, state: str = "pending", limit: int = 100):
    """Closures made by staff on the customer's behalf (C5): waiting for quality's review
    (state=pending, oldest first) or reviewed (state=reviewed, newest first)."""
    require_perm(request.user, "cases.view_all_cases", "查看代客确认的质检", "view closure reviews")
    return selectors.closure_reviews(
        request.user, state=state, limit=min(max(limit, 1), 200), lang=_lang()
    )


@router.get("/{case_id}", response={200: CaseOut, **ERRORS})
def get_case(request, case_id: int):
    _reader(request)
    return selectors.detail(selectors.get_visible(request.user, case_id), request.user, _lang())


class CaseRevealIn(Schema):
    reason: str = Field(..., max_length=200)


@router.post("/{case_id}/reveal", response={200: CaseOut, 429: ErrorOut, **ERRORS})
def reveal_text(request, case_id: int, payload: CaseRevealIn):
    """The case with the phone and ID numbers typed into its texts and chat unmasked (V2), for
    roles that may see them, with a reason of at least 4 characters; audited like a customer's
    reveal and counted in the same limit (10 in 10 minutes: 429)."""
    _reader(request)
    case = services.reveal_text(
        request.user, case_id, reason=payload.reason, ip=request.META.get("REMOTE_ADDR")
    )
    return selectors.detail(case, request.user, _lang(), unmasked=True)


@router.post("/{case_id}/actions/{action}", response={200: ActionOut, **ERRORS})
def act(request, case_id: int, action: str, payload: CaseActionIn):
    """Take a workflow action (see /cases/types). 409 lists the actions the state allows."""
    case, follow_up = services.act(
        request.user, case_id, action, version=payload.version, **_payload(payload)
    )
    return {
        "case": _detail(case, request.user),
        "follow_up": _detail(follow_up, request.user) if follow_up else None,
    }


@router.post("/{case_id}/closure-code", response={200: CaseOut, **ERRORS})
def closure_code(request, case_id: int):
    """Text the customer a one-time code at their number on file, to confirm in person that
    the case is solved (close with method in_person and the code). One a minute."""
    services.send_closure_code(request.user, case_id)
    return _detail(selectors.get_case(case_id), request.user)


@router.post("/{case_id}/closure-review", response={200: CaseOut, **ERRORS})
def closure_review(request, case_id: int, payload: ClosureReviewIn):
    """Quality's review of a closure made by staff on the customer's behalf: ok, or not_ok
    with a note. Once per closure."""
    services.review_closure(request.user, case_id, verdict=payload.verdict, note=payload.note)
    return selectors.detail(selectors.get_case(case_id), request.user, _lang())


@router.post("/{case_id}/comments", response={201: CaseEventOut, **ERRORS})
def comment(request, case_id: int, payload: CommentIn):
    event = services.comment(request.user, case_id, note=payload.note)
    return Status(201, selectors.timeline(event.case, _lang())[-1])


class ChatReplyIn(Schema):
    text: str  # the limit (chat.MAX_TEXT) is the service's, with its bilingual error


@router.post("/{case_id}/chat-replies", response={201: CaseEventOut, **ERRORS})
def chat_reply(request, case_id: int, payload: ChatReplyIn):
    """Answer the customer in the chat this case was handed over from (C8): the reply shows on
    their chat page and on the timeline."""
    event = services.reply_in_chat(request.user, case_id, text=payload.text)
    return Status(201, selectors.timeline(event.case, _lang())[-1])


@router.post("/{case_id}/transfer", response={200: CaseOut, **ERRORS})
def transfer(request, case_id: int, payload: CaseTransferIn):
    """Hand over to another desk with a summary (C8); the owner stays accountable (C4)."""
    case = services.transfer(
        request.user,
        case_id,
        version=payload.version,
        desk=payload.desk,
        summary=payload.summary,
        handler=payload.handler,
    )
    return _detail(case, request.user)


@router.post("/{case_id}/escalate", response={200: CaseOut, **ERRORS})
def escalate(request, case_id: int, payload: EscalateIn):
    case = services.escalate(request.user, case_id, version=payload.version, reason=payload.reason)
    return _detail(case, request.user)


@router.post("/{case_id}/promise", response={200: CaseOut, **ERRORS})
def promise(request, case_id: int, payload: PromiseIn):
    case = services.promise(
        request.user, case_id, version=payload.version, promised_at=payload.promised_at
    )
    return _detail(case, request.user)


@router.patch("/{case_id}", response={200: CaseOut, **ERRORS})
def update(request, case_id: int, payload: UpdateIn):
    case = services.update(request.user, case_id, version=payload.version, **_payload(payload))
    return _detail(case, request.user)


# --- attachments on every case (P1): cases.services.attachments


class CaseAttachmentOut(Schema):
    id: int
    name: str = Field(..., description="the cleaned file name; numbers in it masked (V2)")
    kind: str = Field(..., description="signed_form, screenshot, recording or other")
    kind_name: str
    content_type: str = Field(..., description="as found from the bytes, not the name")
    size: int
    sha256: str
    note: str
    uploaded_by: str | None
    uploaded_at: datetime
    can_delete: bool
    needs_reason: bool = Field(..., description="a signed form: the download needs a reason")
    may_download: bool


ATTACHMENT_ERRORS = {**ERRORS, 429: ErrorOut}


@router.get("/{case_id}/attachments", response={200: list[CaseAttachmentOut], **ERRORS})
def list_attachments(request, case_id: int):
    """The case's attachments, oldest first."""
    _reader(request)
    case = selectors.get_visible(request.user, case_id)
    return selectors.attachments(case, request.user, _lang())


@router.post("/{case_id}/attachments", response={201: CaseAttachmentOut, **ERRORS})
def upload_attachment(
    request,
    case_id: int,
    file: UploadedFile = File(None),  # noqa: B008 (ninja idiom)
    kind: str = Form("other", max_length=20),
    note: str = Form("", max_length=200),
):
    """Attach a file (multipart: `file`, `kind`, `note`) to an open case you work on: PDF,
    JPEG/PNG/GIF/WebP, MP3/WAV/M4A/AMR or plain text, as its bytes show and its extension
    says (else 422 naming `file`), within the size and per-case limits."""
    a = services.attachments.upload(
        request.user,
        case_id,
        file=file,
        name=file.name if file is not None else "",
        kind=kind,
        note=note,
    )
    rows = selectors.attachments(a.case, request.user, _lang())
    return Status(201, next(r for r in rows if r["id"] == a.pk))


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    response={200: None, **ATTACHMENT_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as an attachment",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request, case_id: int, attachment_id: int, reason: str = ""):
    """The file, audited. A signed service form (kind signed_form) shows the customer's ID
    number: only roles that may see personal data unmasked download it, with a `reason`,
    within their limit of unmasked views (429 past it)."""
    attachment, handle = services.attachments.open_for_download(
        request.user, case_id, attachment_id, reason=reason, ip=request.META.get("REMOTE_ADDR")
    )
    return file_response(handle, attachment.name, attachment.content_type)


@router.delete(
    "/{case_id}/attachments/{attachment_id}", response={200: list[CaseAttachmentOut], **ERRORS}
)
def delete_attachment(request, case_id: int, attachment_id: int, reason: str = ""):
    """Delete an attachment of an open case: your own, or any as a hall manager; `reason`
    goes on the timeline, which keeps the file's name, kind, size and hash. Answers the
    attachments left."""
    services.attachments.delete(request.user, case_id, attachment_id, reason=reason)
    case = selectors.get_visible(request.user, case_id)
    return selectors.attachments(case, request.user, _lang())
