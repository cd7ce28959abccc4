"""The JSON API (docs/ARCHITECTURE.md): one router module per area; OpenAPI schema at /api/docs."""

import logging

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from servicehall.core.errors import Code, RateLimited, ServiceError, database_unavailable
from servicehall.core.tokens import user_for_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for systems and scripts (tokens: `servicehall token`)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


log = logging.getLogger(__name__)

api = NinjaAPI(
    title="ServiceHall API",
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
    log.warning("database unavailable for %s: %s", request.path, exc)
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


from . import cases, catalog, chat, customers, knowledge, queueing  # noqa: E402  (routers register on `api`)

api.add_router("/queue", queueing.router)
api.add_router("/customers", customers.router)
api.add_router("/cases", cases.router)
api.add_router("/chat", chat.router)
api.add_router("/catalog", catalog.router)
api.add_router("/knowledge", knowledge.router)
