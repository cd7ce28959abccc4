"""Page middleware: the interface language, and ServiceErrors escaping a view as 4xx pages.
Both are MiddlewareMixin classes, usable sync and async, so under ASGI a request does not hop
between threads around them."""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from servicehall.core.errors import RateLimited, ServiceError

from .forms import error_text


class ServiceErrorMiddleware(MiddlewareMixin):
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
