"""The API's contract as a client reads it: the OpenAPI schema names each shape once, and every
error answer under /api/ — ours, the framework's, the server's — has the error shape."""

from __future__ import annotations

import enum
import json
import logging
import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from servicehall.api import api
from servicehall.api.errors import ERROR_CODES


def _classes_in(annotation, seen: set) -> None:
    """Every pydantic model and enum an annotation reaches, through lists, unions and fields."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        seen.add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        if not hasattr(annotation, "__ninja_param_source__"):  # ninja's own per-operation wrapper
            seen.add(annotation)
        for base in annotation.__mro__[1:]:
            if isinstance(base, type) and issubclass(base, BaseModel) and base is not BaseModel:
                _classes_in(base, seen)
        for field in annotation.model_fields.values():
            _classes_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        _classes_in(arg, seen)


def _operation_classes() -> set:
    seen: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:
                    _classes_in(model, seen)
                for model in op.response_models.values():
                    if isinstance(model, type):
                        _classes_in(model, seen)
    return {c for c in seen if c.__module__.startswith("servicehall.")}


def test_api_schema_names_one_class_each():
    """Two classes under one name: the schema documents only one of them, so a client is told
    the wrong fields for the other (ActionIn of cases vs. knowledge, EventOut of tickets vs.
    cases …). Every name belongs to one class, and its component lists that class's fields."""
    classes = _operation_classes()
    assert len(classes) > 40  # the walk found the API's shapes, not nothing
    by_name: dict[str, set] = defaultdict(set)
    for c in classes:
        by_name[c.__name__].add(c)
    clashes = {
        n: sorted(f"{c.__module__}.{c.__qualname__}" for c in cs) for n, cs in by_name.items()
    }
    assert {n: cs for n, cs in clashes.items() if len(cs) > 1} == {}

    components = api.get_openapi_schema(path_prefix="/api")["components"]["schemas"]
    for c in classes:
        if issubclass(c, enum.Enum):
            continue
        assert c.__name__ in components, c
        documented = set(components[c.__name__].get("properties", {}))
        fields = {f.serialization_alias or f.alias or n for n, f in c.model_fields.items()}
        assert documented == fields, f"{c.__module__}.{c.__name__}: schema {documented}"


def assert_shape(r, status: int, code: str, field=None):
    """The error shape every client switches on: JSON, a code of the vocabulary, both
    languages; never `{"detail": …}`, never a page."""
    assert r.status_code == status, r.content[:300]
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    body = r.json()
    assert "detail" not in body
    assert body["code"] == code and code in ERROR_CODES
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert body["field"] == field
    return body


def test_api_unknown_address_and_method_answer_in_the_error_shape(api_as, clerk):
    c = api_as(clerk).c
    assert_shape(c.get("/api/no/such/thing"), 404, "not_found", "path")
    assert_shape(c.post("/api/queue/halls/x/nothing"), 404, "not_found", "path")
    r = c.delete("/api/queue/halls")
    assert_shape(r, 405, "method_not_allowed", "method")
    assert "GET" in r["Allow"]


def test_api_unreadable_and_non_object_bodies_are_refused_in_the_error_shape(api_as, clerk):
    from servicehall.knowledge.models import Conversation

    c = api_as(clerk).c
    post = lambda path, raw: c.post(path, raw, content_type="application/json")  # noqa: E731
    assert_shape(post("/api/cases", "{"), 400, "invalid_input", "body")
    assert_shape(post("/api/cases", "[null,null]"), 422, "invalid_input", "body")
    before = Conversation.objects.count()
    for raw in ("[null,null]", "[]", "0", '"web"', "true"):
        assert_shape(post("/api/chat/conversations", raw), 422, "invalid_input", "body")
    assert Conversation.objects.count() == before  # nothing was started on a refused body
    assert post("/api/chat/conversations", "null").status_code == 201  # no body: the defaults
    assert post("/api/chat/conversations", '{"channel": "app"}').json()["channel"] == "app"


def test_api_csrf_refusal_answers_in_the_error_shape(hall, manager):
    """A browser session calling the API without the CSRF token: refused in the error shape
    (code csrf_failed), and nothing changes."""
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(manager)
    r = c.post(f"/api/queue/halls/{hall.code}/close", content_type="application/json")
    assert_shape(r, 403, "csrf_failed")
    hall.refresh_from_db()
    assert hall.is_open


def test_api_server_fault_is_a_json_500_with_the_traceback_only_in_the_log(
    api_as, manager, hall, monkeypatch, caplog
):
    from servicehall.queueing import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals of the board")

    monkeypatch.setattr(selectors, "board", broken)
    with caplog.at_level(logging.ERROR, logger="servicehall.api"):
        r = api_as(manager).get(f"/queue/halls/{hall.code}/board")
    body = assert_shape(r, 500, "internal_error")
    assert "secret" not in json.dumps(body) and "Traceback" not in r.content.decode()
    assert "secret internals of the board" in caplog.text  # the traceback is in the log
    assert any(rec.exc_info for rec in caplog.records)


def test_api_error_statuses_are_declared_with_the_error_shape():
    """A client generated from the schema knows every error answer's shape, 500 included."""
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            responses = {str(k): v for k, v in op["responses"].items()}
            for status in ("400", "401", "403", "404", "422", "500"):
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                target = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert {"code", "message", "message_en"} <= set(target["required"]), (
                    method,
                    path,
                    status,
                )


def test_q1_a_unicode_digit_in_a_hall_code_or_id_is_unknown_not_a_fault(api_as, manager, hall):
    """'²' passes str.isdigit() but not int(): the hall lookup answered 500."""
    m = api_as(manager)
    for code in ("%C2%B2", "%E2%91%A0", "12%C2%B2"):  # ², ①, 12²
        assert_shape(m.post(f"/queue/halls/{code}/close"), 404, "unknown_hall", "hall")
        assert_shape(m.get(f"/queue/halls/{code}/board"), 404, "unknown_hall", "hall")
    assert_shape(m.get("/queue/tickets/%C2%B2"), 422, "invalid_input", "ticket_id")
    hall.refresh_from_db()
    assert hall.is_open


def test_core_object_id_takes_only_ascii_digits():
    from servicehall.core.validate import object_id

    assert [object_id(v) for v in ("12", 12, " 7 ", "²", "①", "١٢", "-1", "0", True, None)] == [
        12,
        12,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert object_id(str(2**63)) is None and object_id(2**63 - 1) == 2**63 - 1


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-13-01", "今天", "2026-1-1"])
def test_m1_q3_a_date_query_must_be_a_date(api_as, hall, value):
    """`on=0` was 1 January 1970 (pydantic takes numbers as Unix time): 422 naming the field."""
    from tests.factories import make_staff

    am = api_as(make_staff("account_manager", hall))
    assert_shape(am.get("/catalog/plans", on=value), 422, "invalid_input", "on")
    assert_shape(
        am.get(f"/queue/halls/{hall.code}/appointments", day=value), 422, "invalid_input", "day"
    )
    assert am.get("/catalog/plans", on="2026-06-01").status_code == 200
    assert am.get(f"/queue/halls/{hall.code}/appointments", day="2026-06-01").status_code == 200


def test_q3_an_appointment_time_must_be_written_as_a_time(api_as, hall):
    from servicehall.queueing.models import Appointment
    from tests.factories import make_customer, make_staff

    make_customer("gold", phone="13800000099")
    am = api_as(make_staff("account_manager", hall))
    for when in (0, "0", 1893456000):
        r = am.post(
            f"/queue/halls/{hall.code}/appointments",
            {"service_type": "business", "phone": "13800000099", "slot_at": when},
        )
        assert_shape(r, 422, "invalid_input", "slot_at")
    assert Appointment.objects.count() == 0


def test_v4_m1_an_upload_with_a_broken_multipart_frame_is_a_400_not_a_fault(api_as, manager):
    """schemathesis found it: `multipart/form-data` without a boundary makes Django raise
    MultiPartParserError in the upload operations — Django's HTML 400 before, a 500 once the
    API caught every exception; now a 400 in the error shape naming the file."""
    c = api_as(manager).c
    for path in ("/api/catalog/import", "/api/cases/bill-shock/import"):
        for content_type in ("multipart/form-data", "multipart/form-data; boundary=\x00"):
            r = c.post(path, b"--x\r\n", content_type=content_type)
            assert_shape(r, 400, "invalid_input", "file")


def test_c1_the_new_case_form_with_a_unicode_digit_ticket_is_a_page_not_a_fault(clerk):
    """The same root as the hall code: `?ticket=²` passed isdigit() and broke int() (500)."""
    from tests.conftest import client_for

    c = client_for(clerk)
    assert c.get("/cases/new", {"ticket": "²"}).status_code == 200
    r = c.post("/cases/new", {"kind": "consultation", "channel": "hotline", "ticket_id": "①"})
    assert r.status_code < 500


def test_api_what_django_refuses_stays_a_4xx_in_the_error_shape(api_as, manager, monkeypatch):
    """The catch-all 500 must not swallow Django's own 4xx exceptions."""
    from django.core.exceptions import BadRequest, PermissionDenied

    from servicehall.queueing import selectors

    m = api_as(manager)
    for exc, status, code in (
        (PermissionDenied, 403, "forbidden"),
        (BadRequest, 400, "invalid_input"),
    ):

        def refuse(*args, exc=exc, **kwargs):
            raise exc("no")

        monkeypatch.setattr(selectors, "board", refuse)
        assert_shape(m.get("/queue/halls/test-hall/board"), status, code)


def _documented(method: str, path: str, status: int):
    """The class the schema documents for that operation's answer with that status."""
    for prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            for op in path_view.operations:
                if method in op.methods and f"/api{prefix}{route}" == path:
                    return op.response_models[status]
    raise AssertionError(f"no operation {method} {path}")


def test_k1_c5_a_409_answer_is_the_shape_its_schema_documents(api_as, hall, clerk):
    """schemathesis found it: the knowledge 409 documented `allowed` as a list of strings while
    every state machine answers {action, label, label_en} — a generated client failed to
    parse it. Each 409 of a workflow action parses as the class documented for it."""
    from tests.factories import make_staff

    author, reviewer = make_staff("care_desk", hall), make_staff("quality_supervisor", hall)
    a = api_as(author)
    pk = a.post("/knowledge/articles", {"title": "致歉", "body": "非常抱歉"}).json()["id"]
    r = api_as(reviewer).post(f"/knowledge/articles/{pk}/actions/publish", {"version": 1})
    assert r.status_code == 409 and r.json()["allowed"][0]["action"] == "archive"
    doc = _documented("POST", "/api/knowledge/articles/{article_id}/actions/{action}", 409)
    doc.model_validate({"response": r.json()})

    case = api_as(clerk).post(
        "/cases",
        {"kind": "consultation", "channel": "hotline", "category": "other", "description": "问"},
    )
    assert case.status_code == 201, case.content
    r = api_as(clerk).post(f"/cases/{case.json()['id']}/actions/confirm", {"version": 1})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition", r.content
    doc = _documented("POST", "/api/cases/{case_id}/actions/{action}", 409)
    doc.model_validate({"response": r.json()})


def test_c4_k1_a_page_offset_past_any_number_is_an_empty_page_not_a_fault(api_as, clerk):
    """schemathesis found it: `?offset=518374244270417707008` reached the database, which
    refuses a number past 2**63 (500)."""
    c = api_as(clerk)
    for path in ("/cases", "/knowledge/articles"):
        for offset in (str(2**63), "518374244270417707008", "-5"):
            r = c.get(path, offset=offset, limit=-2379)
            assert r.status_code == 200, r.content[:300]
            assert isinstance(r.json(), list)


def test_q3_appointments_of_a_day_centuries_ago_are_refused_naming_the_day(api_as, hall):
    """schemathesis found it: ?day=0757-07-30 answered slots at "+08:05:43" (Shanghai's local
    mean time before 1901), which is no RFC 3339 time; years lie in 1970–2199."""
    from tests.factories import make_staff

    am = api_as(make_staff("account_manager", hall))
    for day in ("0757-07-30", "1900-01-01", "9999-12-31"):
        r = am.get(f"/queue/halls/{hall.code}/appointments", day=day)
        assert_shape(r, 422, "invalid_input", "day")
        assert "year" in r.json()["message_en"]
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    slots = am.get(f"/queue/halls/{hall.code}/appointments", day=tomorrow).json()["slots"]
    assert slots and all(s["at"].endswith("+08:00") for s in slots)


def test_q2_k1_a_nul_character_anywhere_in_a_request_is_a_422_naming_where(
    api_as, hall, serving, clerk
):
    """schemathesis found it on PostgreSQL: a note with "\\x00" made the database refuse the
    text (500). Body, query and path are refused before any lookup, naming the field."""
    from servicehall.queueing.models import Ticket, TicketEvent

    ticket, _customer = serving
    events = TicketEvent.objects.count()
    c = api_as(clerk)
    r = c.post(f"/queue/tickets/{ticket.pk}/finish", {"category": "bill-pay", "note": "好\x00"})
    assert_shape(r, 422, "invalid_character", "note")
    assert Ticket.objects.get(pk=ticket.pk).status == "serving"  # not finished
    assert TicketEvent.objects.count() == events
    assert_shape(c.get("/knowledge/search", q="宽带\x00"), 422, "invalid_character", "q")
    assert_shape(c.get("/queue/halls/%00/counters"), 422, "invalid_character", "path")
    r = c.post("/cases", {"kind": "consultation", "channel": "hotline", "x\x00": 1})
    assert_shape(r, 422, "invalid_character", "body")
