"""Attachments on the case page (P1): the upload form, downloads, deletion. The list is the
case page's own fragment (templates/web/cases/_attachments.html, fed by
cases.selectors.attachments through the case's detail); the rules are
cases.services.attachments. `file_response` is how the API sends a file too."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.cases.services import attachments
from servicehall.core.errors import NotFound, ServiceError

from .access import page
from .forms import attempt, error_text, words

READ = ("cases.handle_case", "cases.view_all_cases")
FORM = "attachments"
# A downloaded file is never a page: no script, style, frame or form of it runs, even if a
# browser were to render it.
CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _ascii_fallback(name: str) -> str:
    """The name for clients without RFC 5987: ASCII letters, digits and . _ - only."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-") or "attachment"
    stem, dot, ext = name.rpartition(".")
    if dot and ext.isascii() and ext.isalnum() and not plain.endswith("." + ext):
        plain = f"{plain}.{ext}"
    return plain[-100:]


def file_response(handle, name: str, content_type: str) -> FileResponse:
    """A stored file as a download: always an attachment (never shown inline), its type as its
    bytes were found to be, the name in RFC 5987 form with an ASCII fallback, no sniffing, a
    sandboxing CSP, not cached."""
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _back(case_id):
    return redirect(reverse("web:case", kwargs={"case_id": case_id}) + f"#{FORM}")


@page("cases.handle_case")
@require_POST
def upload(request, case_id):
    file = request.FILES.get("file")
    done = attempt(
        request,
        lambda: attachments.upload(
            request.user,
            case_id,
            file=file,
            name=file.name if file else "",
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
        ),
        form=FORM,
    )
    if done is not None:
        messages.success(
            request,
            words(f"已上传“{done.name}”", f"Uploaded {done.name}"),
            extra_tags=f"form-{FORM}",
        )
    return _back(case_id)


@page(*READ)
@require_http_methods(["GET", "POST"])
def download(request, case_id, attachment_id):
    """GET for a file that needs no reason; POST (with `reason`) for a signed service form. A
    refusal of a case or file the user may see goes back to the case page, beside the list;
    an unknown one is the 404 page."""
    try:
        attachment, handle = attachments.open_for_download(
            request.user,
            case_id,
            attachment_id,
            reason=request.POST.get("reason", "") if request.method == "POST" else "",
            ip=request.META.get("REMOTE_ADDR"),
        )
    except NotFound:
        raise
    except ServiceError as exc:
        if exc.status == 403:
            raise
        messages.error(
            request, error_text(exc), extra_tags=f"form-{FORM} field-{exc.field or 'form'}"
        )
        return _back(case_id)
    return file_response(handle, attachment.name, attachment.content_type)


@page("cases.handle_case")
@require_POST
def delete(request, case_id, attachment_id):
    attempt(
        request,
        lambda: attachments.delete(
            request.user, case_id, attachment_id, reason=request.POST.get("reason", "")
        ),
        words("附件已删除", "Attachment deleted"),
        form=FORM,
    )
    return _back(case_id)
