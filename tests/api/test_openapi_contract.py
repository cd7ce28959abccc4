"""The API's contract as a client reads it: the OpenAPI schema names each shape once, and every
error answer under /api/ — ours, the framework's, the server's — has the error shape."""

from __future__ import annotations

import enum
import typing
from collections import defaultdict

from pydantic import BaseModel

from servicehall.api import api


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
