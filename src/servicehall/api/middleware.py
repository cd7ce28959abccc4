"""Every error answer under /api/ has the error shape {code, message, message_en, field}, also
the ones our handlers never see: an address no router has (Django's 404), a method an address
does not take (ninja's 405), a request Django refuses before any view (400, 413) and a fault
outside a view (Django's 500 page). Outermost, so it sees every answer."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.deprecation import MiddlewareMixin

from .errors import framework_error


class ApiErrorShapeMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.streaming
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        refusal = framework_error(response.status_code, request.method, request.path)
        shaped = JsonResponse(refusal.as_dict(), status=response.status_code)
        if "Allow" in response:
            shaped["Allow"] = response["Allow"]
        return shaped
