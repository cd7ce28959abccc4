"""Page middleware: the request guard, the interface language, and ServiceErrors escaping a
view as 4xx pages. All are MiddlewareMixin classes, usable sync and async, so under ASGI a
request does not hop between threads around them."""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from servicehall.core.errors import Code, RateLimited, ServiceError, unreadable_request
from servicehall.core.tables import too_large
from servicehall.core.validate import NUL, no_nul

from .forms import error_text

log = logging.getLogger(__name__)

FORM_SLACK = 64 * 1024  # the multipart envelope and the form's other fields around a file
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class RequestGuardMiddleware(MiddlewareMixin):
    """Before any view, form or database sees the request (docs/ARCHITECTURE.md, "How a request
    travels"), in one place:

    - **Size**: a body whose Content-Length is over the limit is refused (413) without reading
      it — uploads over settings.UPLOAD_MAX_BYTES (the largest import, plus the form), other
      bodies over DATA_UPLOAD_MAX_MEMORY_SIZE. Django reads no more than the Content-Length, so
      this bounds what the upload parser spools; each import then checks its own kind's limit.
    - **NUL characters**: a \\x00 in the path, the query, a cookie, a header, a form field or
      a file's name, or anywhere in a JSON body's strings (\\u0000), is refused (422
      `invalid_character`) — no person types one, PostgreSQL cannot store one, and a query
      holding one fails there with a server error. File contents are not text and are not
      checked here (the importers refuse a NUL in a cell, naming the line).

    The API answers with its error body `{code, message, message_en, field}`; pages with the
    400 page in the house style saying why (the status says which: 400, or 413 for size)."""

    def process_request(self, request):
        try:
            _check_size(request)
            _check_nul(request)
        except ServiceError as exc:
            return refusal(request, exc)
        except (RequestDataTooBig, MultiPartParserError, SuspiciousOperation, UnreadablePostError):
            field = "file" if request.content_type == "multipart/form-data" else "body"
            return refusal(request, unreadable_request(field))
        return None


def refusal(request, exc: ServiceError):
    if request.path.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=exc.status)
    status = exc.status if exc.status == 413 else 400
    return render(
        request, "400.html", {"message": error_text(exc), "status": status}, status=status
    )


def _check_size(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.content_type == "multipart/form-data":
        if length > settings.UPLOAD_MAX_BYTES + FORM_SLACK:
            raise too_large(settings.UPLOAD_MAX_BYTES, length)
    elif length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        raise ServiceError(
            Code.TOO_LARGE,
            f"请求内容过大：最大{mb:.1f}MB",
            f"The request is too large: at most {mb:.1f} MB",
            status=413,
        )


def _check_nul(request) -> None:
    for text, field in _texts(request):
        no_nul(text, field)
    if request.method not in ("GET", "HEAD", "OPTIONS") and (
        request.content_type == "application/json"
    ):
        body = request.body  # within DATA_UPLOAD_MAX_MEMORY_SIZE (checked above); kept for ninja
        if NUL.encode() in body:
            no_nul(NUL, None)
        if b"u0000" in body:  # perhaps the escape of a NUL: look at the decoded strings
            try:
                _walk(json.loads(body), "")
            except ValueError:
                pass  # not JSON: the API says so itself


def _texts(request):
    """(text, the field it is in) for every text of the request but a JSON body. A NUL in a
    name is reported as the part it is in (query, form, cookie, header)."""
    yield request.path, "path"
    for key, values in request.GET.lists():
        yield key, "query"
        yield from ((v, key) for v in values)
    for key, value in request.COOKIES.items():
        yield key + value, "cookie"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            yield value, "header"
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in FORMS:
        for key, values in request.POST.lists():
            yield key, "form"
            yield from ((v, key) for v in values)
        for key, files in request.FILES.lists():  # their names; the contents are not text
            yield key, "form"
            yield from ((f.name or "", key) for f in files)


def _walk(value, path: str) -> None:
    if isinstance(value, str):
        no_nul(value, path or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            no_nul(key, path or "body")
            _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}" if path else str(i))


class ServiceErrorMiddleware(MiddlewareMixin):
    """A ServiceError escaping a page is its 4xx page (429 with Retry-After). The database
    locked or away is answered by the last resort, web.views.server_error (a 503 to retry)."""

    def process_exception(self, request, exc):
        if isinstance(exc, ServiceError) and not request.path.startswith("/api/"):
            response = render(
                request, "web/error.html", {"message": error_text(exc)}, status=exc.status
            )
            if isinstance(exc, RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            return response
        return None


class LanguageMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose another language (the language cookie set by
    the switch in the header). The browser's Accept-Language is ignored on purpose: a hall's
    kiosks and screens often run English-language systems but must speak Chinese."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        lang = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
