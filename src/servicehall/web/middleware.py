"""Page middleware: the interface language, and ServiceErrors escaping a view as 4xx pages.
Both are MiddlewareMixin classes, usable sync and async, so under ASGI a request does not hop
between threads around them."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from servicehall.core.errors import RateLimited, ServiceError, unavailable

from .forms import error_text

log = logging.getLogger(__name__)


class ServiceErrorMiddleware(MiddlewareMixin):
    """A ServiceError escaping a page is its 4xx page; the database locked or away is a 503
    page to retry ("系统繁忙"), not a 500 (the API answers both in its own shape, api/__init__)."""

    def process_exception(self, request, exc):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, OperationalError | InterfaceError):
            log.warning("database unavailable for %s: %s", request.path, exc)
            exc = unavailable()
            try:
                response = render(
                    request, "web/error.html", {"message": error_text(exc)}, status=503
                )
            except Exception:
                response = HttpResponse(
                    f"{exc.zh} / {exc.en}", status=503, content_type="text/plain; charset=utf-8"
                )
            response["Retry-After"] = "5"
            return response
        if isinstance(exc, ServiceError):
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
