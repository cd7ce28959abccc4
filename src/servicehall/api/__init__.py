"""The JSON API (docs/ARCHITECTURE.md): one router module per area; OpenAPI schema at /api/docs."""

import json
import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from servicehall.core.errors import (
    Code,
    RateLimited,
    ServiceError,
    database_unavailable,
    unreadable_request,
)
from servicehall.core.tokens import user_for_token

from .errors import (
    body_not_an_object,
    csrf_failed,
    framework_error,
    unreadable_body,
)

logger = logging.getLogger("servicehall.api")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for systems and scripts (tokens: `servicehall token`)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


class ObjectBodies(Parser):
    """A JSON body is an object (or `null`, no body): `[null,null]`, `0` or `"x"` would
    otherwise pass as an object with no fields, taking every default. (A NUL character never
    gets this far: web.middleware.RequestGuardMiddleware refuses it for every request.)"""

    def parse_body(self, request: HttpRequest):
        data = json.loads(request.body)
        if data is not None and not isinstance(data, dict):
            raise body_not_an_object()
        return data


api = NinjaAPI(
    title="ServiceHall API",
    parser=ObjectBodies(),
    version="1",
    description="营业厅、热线与线上渠道的客户服务系统接口 — customer service for telecom operators",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
    docs_decorator=login_required,  # the schema is for staff and integrators, not the public
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_away(request, exc):
    """The database locked or away: 503 with Retry-After, in the error shape, before any
    catch-all handler could call it a 500 (web.views.server_error answers pages the same)."""
    logger.warning("database unavailable for %s: %s", request.path, exc)
    response = api.create_response(request, database_unavailable().as_dict(), status=503)
    response["Retry-After"] = "5"
    return response


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "payload")]
    field = ".".join(loc) or None
    return api.create_response(
        request,
        {
            "code": Code.INVALID_INPUT,
            "message": f"输入有误：{field or '请求'}字段{'缺失' if first.get('type') == 'missing' else '无效'}",
            "message_en": f"Invalid input: {field or 'request'} — {first.get('msg', 'invalid')}",
            "field": field,
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {
            "code": Code.UNAUTHENTICATED,
            "message": "请先登录",
            "message_en": "Authentication required",
            "field": None,
        },
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own refusals, in our shape: an unreadable body (ninja wraps the parser's error),
    the CSRF check of a session-signed request, anything else by its status."""
    if isinstance(exc.__cause__, ServiceError):
        refusal = exc.__cause__
    elif exc.status_code == 400 and exc.__cause__ is not None:
        refusal = unreadable_body()
    elif exc.status_code == 403 and "CSRF" in exc.message:
        refusal = csrf_failed()
    else:
        refusal = framework_error(exc.status_code, request.method, request.path)
    return service_error(request, refusal)


@api.exception_handler(Http404)
def not_found(request, exc):
    return service_error(request, framework_error(404, request.method, request.path))


# What Django itself turns into a 4xx (django.core.handlers.exception) stays a 4xx here, in our
# shape, instead of falling to the catch-all 500 below.


@api.exception_handler(MultiPartParserError)
def unreadable_form(request, exc):
    """An upload whose multipart framing is broken (no or a bad boundary)."""
    return service_error(request, unreadable_request("file"))


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return service_error(request, framework_error(403, request.method, request.path))


@api.exception_handler(BadRequest)
def bad_request(request, exc):
    return service_error(request, framework_error(400, request.method, request.path))


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc):
    """What Django refuses to read: a body over its size limit (413), a malformed request (400)."""
    logger.warning("API %s %s refused: %s", request.method, request.path, type(exc).__name__)
    status = 413 if isinstance(exc, RequestDataTooBig) else 400
    return service_error(request, framework_error(status, request.method, request.path))


@api.exception_handler(Exception)
def internal_error(request, exc):
    """A fault of ours: the client learns only that (500, `internal_error`); the traceback goes
    to the log, never into the answer."""
    logger.exception("API %s %s failed", request.method, request.path)
    return service_error(request, framework_error(500))


from . import (  # noqa: E402  (routers register on `api`)
    cases,
    catalog,
    chat,
    complaints,
    customers,
    incidents,
    knowledge,
    queueing,
)

api.add_router("/queue", queueing.router)
api.add_router("/customers", customers.router)
api.add_router("/cases", cases.router)
api.add_router("/complaints", complaints.router)
api.add_router("/incidents", incidents.router)
api.add_router("/chat", chat.router)
api.add_router("/catalog", catalog.router)
api.add_router("/knowledge", knowledge.router)
