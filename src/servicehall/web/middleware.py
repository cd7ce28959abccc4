"""Page middleware: the interface language, and ServiceErrors escaping a view as 4xx pages."""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from servicehall.core.errors import ServiceError

from .forms import error_text


class ServiceErrorMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, ServiceError) and not request.path.startswith("/api/"):
            return render(
                request, "web/error.html", {"message": error_text(exc)}, status=exc.status
            )
        return None


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie set by
    the switch in the header). The browser's Accept-Language is ignored on purpose: a hall's
    kiosks and screens often run English-language systems but must speak Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        lang = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response
