"""Attachments on every case (P1: the signed 业务受理单, screenshots, recordings): `upload`,
`open_for_download` (audited), `delete`.

- A file's type is what its bytes are (`sniff`), not what its name says: PDF, JPEG, PNG, GIF,
  WebP, MP3, WAV, M4A, AMR and plain text. Anything else — HTML, SVG, scripts, executables,
  archives — is refused (422 `bad_file_type`, field `file`), and so is a file whose bytes are
  not what its extension says (422 `file_not_as_named`): a page saved as photo.png.
- The name is cleaned (no path, NUL or control characters, at most NAME_MAX characters, the
  extension kept) and kept only as a label: the file is stored under a random name in the
  attachment store (settings STORAGES["attachments"]).
- Limits: settings.ATTACHMENT_MAX_BYTES per file, settings.ATTACHMENTS_PER_CASE per case
  (counted while the case row is locked, so two uploads at once cannot pass it).
- Who: those who may work on the case upload (while it is open); those who may see it download;
  the uploader or a manager (`cases.remove_any_attachment`) deletes, while the case is open.
  Another hall's case is unknown (404), as everywhere.
- Each upload and deletion is a case event; each download an audit row. A signed service form
  holds the customer's ID number: downloading it is an unmasked view of personal data and
  passes `customers.services.authorize_reveal` — the role's permission, a reason, the
  per-person limit, the audit row. Other kinds are audited with the reason if one is given.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import unicodedata

from django.conf import settings
from django.core.files import File
from django.db import transaction

from servicehall.core import validate
from servicehall.core.audit import log_action
from servicehall.core.db import write_transaction
from servicehall.core.errors import NotFound, ServiceError, forbidden, require_perm
from servicehall.customers.services import authorize_reveal

from ...core.errors import Code as CoreCode
from ..errors import Code
from ..models import AttachmentKind, Case, CaseAttachment, attachment_storage
from ..selectors import get_case, get_visible
from .common import _check_handler, _now, _require_handle, check_open, record_event

NAME_MAX = 120
NOTE_MAX = 200
CHUNK = 1024 * 1024
DOWNLOAD_ACTION = "attachment.download"

# What the bytes may be: content type -> (the extensions that name it, its words).
TYPES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "application/pdf": ((".pdf",), "PDF 文档", "PDF document"),
    "image/jpeg": ((".jpg", ".jpeg"), "JPEG 图片", "JPEG image"),
    "image/png": ((".png",), "PNG 图片", "PNG image"),
    "image/gif": ((".gif",), "GIF 图片", "GIF image"),
    "image/webp": ((".webp",), "WebP 图片", "WebP image"),
    "audio/mpeg": ((".mp3",), "MP3 录音", "MP3 recording"),
    "audio/wav": ((".wav",), "WAV 录音", "WAV recording"),
    "audio/mp4": ((".m4a",), "M4A 录音", "M4A recording"),
    "audio/amr": ((".amr",), "AMR 录音", "AMR recording"),
    "text/plain": ((".txt",), "纯文本", "plain text"),
}
EXTENSIONS = {ext: ct for ct, (exts, _zh, _en) in TYPES.items() for ext in exts}
M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2"}
# Markup a browser would run or render, refused even inside a .txt file.
MARKUP = (b"<script", b"<html", b"<svg", b"<!doctype", b"<iframe", b"<?xml", b"<body")
TEXT_CONTROLS = set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, among TYPES; None for anything else."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "audio/amr"
    if head[4:8] == b"ftyp" and head[8:12] in M4A_BRANDS:
        return "audio/mp4"
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return "audio/mpeg"
    if _plain_text(data):
        return "text/plain"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a layer, a bitrate that is not 'bad'."""
    return (
        len(head) >= 3
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and head[1] & 0x06 != 0
        and head[2] >> 4 != 0xF
    )


def _plain_text(data: bytes) -> bool:
    """Text a person wrote (UTF-8, UTF-16 with its mark, or GB18030): no NUL or other control
    characters, no script line, no markup."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return False
    if any(b in TEXT_CONTROLS for b in set(data)):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    stripped = text.lstrip().lower().encode("utf-8")
    if stripped.startswith((b"<", b"#!")):
        return False
    lowered = text.lower().encode("utf-8")
    return not any(tag in lowered for tag in MARKUP)


def clean_name(raw: str) -> str:
    """The file's name as a label: no folders, NUL, control or format characters, at most
    NAME_MAX characters with the extension kept; never empty, never only dots."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = " ".join(name.split())
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = f".{ext.strip()}" if ext.strip() else ""
    ext = ext[:10]
    stem = stem.strip(" .")[: NAME_MAX - len(ext)].rstrip(" .")
    return f"{stem}{ext}" if stem else f"attachment{ext.lower()}"


def _refuse_type() -> ServiceError:
    return ServiceError(
        CoreCode.BAD_FILE_TYPE,
        "只能上传 PDF、JPEG/PNG/GIF/WebP 图片、MP3/WAV/M4A/AMR 录音或纯文本（.txt）文件",
        "Only PDF, JPEG/PNG/GIF/WebP images, MP3/WAV/M4A/AMR recordings or plain text (.txt) "
        "can be attached",
        field="file",
        status=422,
    )


def _not_as_named(ext: str, found: str | None) -> ServiceError:
    _exts, zh, en = TYPES[EXTENSIONS[ext]]
    actual_zh = TYPES[found][1] if found else "其他类型的文件"
    actual_en = TYPES[found][2] if found else "some other kind of file"
    return ServiceError(
        Code.FILE_NOT_AS_NAMED,
        f"文件内容与扩展名不符：名为 {ext} 的{zh}，内容却是{actual_zh}",
        f"The file's content does not match its name: named {ext} ({en}), it is {actual_en}",
        field="file",
        status=422,
    )


def _size_of(fileobj) -> int:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def _too_large(size: int) -> ServiceError:
    limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
    return ServiceError(
        CoreCode.TOO_LARGE,
        f"文件过大：附件最大 {limit_mb:g} MB（本文件 {size / 1024 / 1024:.1f} MB）",
        f"The file is too large: attachments are at most {limit_mb:g} MB "
        f"(this one is {size / 1024 / 1024:.1f} MB)",
        field="file",
        status=422,
    )


def _kind(value) -> str:
    value = str(value or AttachmentKind.OTHER)
    if value not in AttachmentKind.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "附件类别无效，可选：签字的业务受理单、截图、录音、其他",
            "Invalid attachment kind: a signed service form, a screenshot, a recording or other",
            field="kind",
            status=422,
        )
    return value


def _too_many(case: Case) -> ServiceError:
    n = settings.ATTACHMENTS_PER_CASE
    return ServiceError(
        Code.TOO_MANY_ATTACHMENTS,
        f"工单 {case.number} 已有 {n} 个附件，已达上限",
        f"Case {case.number} already has {n} attachments, the limit",
        field="file",
        status=422,
    )


def _unknown(attachment_id) -> NotFound:
    return NotFound(
        Code.UNKNOWN_ATTACHMENT,
        f"附件 {attachment_id} 不存在",
        f"Unknown attachment {attachment_id}",
        field="attachment",
    )


def upload(user, case_id, *, file, name: str, kind: str = "", note: str = "") -> CaseAttachment:
    """Attach a file to an open case the user may work on. `file`: an uploaded file or any
    binary file object. Everything is checked before the file is stored; the store's copy is
    removed again if the case refuses it (closed meanwhile, full)."""
    _require_handle(user)
    case = get_visible(user, case_id)
    _check_handler(user, case)
    check_open(case)
    kind = _kind(kind)
    note = validate.text(note, "note", "备注", "the note", limit=NOTE_MAX, required=False)
    if file is None:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请选择要上传的文件",
            "Choose a file to upload",
            field="file",
            status=422,
        )
    name = clean_name(name or getattr(file, "name", "") or "")
    size = _size_of(file)
    if size == 0:
        raise ServiceError(
            CoreCode.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large(size)
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS:
        raise _refuse_type()
    digest = hashlib.sha256()
    first = b""
    while chunk := file.read(CHUNK):
        digest.update(chunk)
        if EXTENSIONS[ext] == "text/plain" or len(first) < 64:
            first += chunk  # text is checked whole; other types by their first bytes
    file.seek(0)
    found = sniff(first)
    if found != EXTENSIONS[ext]:
        raise _not_as_named(ext, found)
    if case.attachments.count() >= settings.ATTACHMENTS_PER_CASE:
        raise _too_many(case)
    storage = attachment_storage()
    stored = storage.save(f"{case.pk}/{secrets.token_hex(16)}{ext}", File(file))
    try:
        with write_transaction():
            case = get_case(case.pk, for_update=True)
            _check_handler(user, case)
            check_open(case)
            if case.attachments.count() >= settings.ATTACHMENTS_PER_CASE:
                raise _too_many(case)
            attachment = CaseAttachment.objects.create(
                case=case,
                file=stored,
                name=name,
                content_type=found,
                size=size,
                sha256=digest.hexdigest(),
                kind=kind,
                note=note,
                uploaded_by=user,
                uploaded_at=_now(),
            )
            record_event(
                case,
                "attachment_added",
                user,
                note=note,
                attachment=attachment.pk,
                name=name,
                file_kind=kind,
                size=size,
                content_type=found,
            )
    except BaseException:
        storage.delete(stored)
        raise
    return attachment


def _reader(user) -> None:
    if not (
        user is not None
        and user.is_authenticated
        and (user.has_perm("cases.handle_case") or user.has_perm("cases.view_all_cases"))
    ):
        raise forbidden("查看工单附件", "view case attachments")


def get_attachment(user, case_id, attachment_id) -> CaseAttachment:
    """An attachment of a case the user may see; 404 for another case's, or a case the user
    may not see."""
    _reader(user)
    case = get_visible(user, case_id)
    pk = validate.object_id(attachment_id)
    attachment = case.attachments.filter(pk=pk).first() if pk is not None else None
    if attachment is None:
        raise _unknown(attachment_id)
    attachment.case = case
    return attachment


def open_for_download(user, case_id, attachment_id, *, reason: str = "", ip=None):
    """(the attachment, its open file) for a user who may see the case, once the download is
    audited: a signed service form as an unmasked view of personal data (the reveal rules:
    permission, reason, limit), any other kind as `attachment.download` with the reason given."""
    attachment = get_attachment(user, case_id, attachment_id)
    reason = validate.text(reason, "reason", "原因", "the reason", limit=200, required=False)
    where = f"{attachment.case_id}:{attachment.pk}"
    if attachment.kind == AttachmentKind.SIGNED_FORM:
        # who may not see ID numbers unmasked may not read the form that carries them
        require_perm(
            user, "customers.view_unmasked_pii", "下载签字的业务受理单", "download signed forms"
        )
        if not reason:
            raise ServiceError(
                CoreCode.REQUIRED,
                "下载签字的业务受理单须填写原因（受理单上有客户的证件号码）",
                "Say why you download the signed service form (it shows the customer's ID number)",
                field="reason",
                status=422,
            )
    try:
        # the store settings name now (the field's storage is the one of when it was loaded)
        handle = attachment_storage().open(attachment.file.name, "rb")
    except OSError as exc:
        raise NotFound(
            Code.UNKNOWN_ATTACHMENT,
            f"附件“{attachment.name}”的文件已不在存储中",
            f"The file of attachment {attachment.name!r} is no longer in the store",
            field="attachment",
        ) from exc
    try:
        if attachment.kind == AttachmentKind.SIGNED_FORM:
            authorize_reveal(user, "case_attachment", where, ["file"], reason, ip=ip)
        else:
            with write_transaction():
                log_action(user, DOWNLOAD_ACTION, "case_attachment", where, reason, ip=ip)
    except BaseException:
        handle.close()
        raise
    return attachment, handle


def delete(user, case_id, attachment_id, *, reason: str = "") -> None:
    """Remove an attachment from an open case: its uploader, or a manager of the case's hall.
    The case event keeps its name, kind, size and hash; the stored file goes once committed."""
    _require_handle(user)
    reason = validate.text(reason, "reason", "原因", "the reason", limit=NOTE_MAX, required=False)
    pk = validate.object_id(attachment_id)
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        attachment = case.attachments.filter(pk=pk).first() if pk is not None else None
        if attachment is None:
            raise _unknown(attachment_id)
        check_open(case)
        if attachment.uploaded_by_id != user.pk and not user.has_perm(
            "cases.remove_any_attachment"
        ):
            raise forbidden("删除他人上传的附件", "delete an attachment someone else uploaded")
        record_event(
            case,
            "attachment_deleted",
            user,
            note=reason,
            attachment=attachment.pk,
            name=attachment.name,
            file_kind=attachment.kind,
            size=attachment.size,
            sha256=attachment.sha256,
        )
        stored = attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: attachment_storage().delete(stored))
