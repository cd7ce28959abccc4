"""One error vocabulary: every refusal's code is a member of an app's `errors.Code`, each code
lives in exactly one enum, and no code is written as a bare string where it is raised."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import servicehall
from servicehall.api.errors import ERROR_CODES, VOCABULARY
from servicehall.core.errors import Code, ServiceError

SRC = Path(servicehall.__file__).parent
RAISERS = {"ServiceError", "NotFound", "Conflict", "Forbidden", "_bad", "_refused"}


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_every_app_enum_is_in_the_vocabulary_and_no_code_is_in_two():
    modules = {p.parent.name for p in SRC.glob("*/errors.py")} - {"api"}
    assert {e.__module__.split(".")[1] for e in VOCABULARY} == modules
    assert len(ERROR_CODES) == len(set(ERROR_CODES)), "a code defined in two enums"


def test_no_error_is_raised_with_a_bare_string_code():
    found = []
    for path, text in _sources():
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in RAISERS and isinstance(first, ast.Constant):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {first.value!r}")
        for m in re.finditer(r"\"code\": \"([a-z_]+)\"", text):
            found.append(f"{path.relative_to(SRC)}: error body with code {m.group(1)!r}")
    assert found == []


def test_a_bare_string_is_refused_at_runtime():
    with pytest.raises(TypeError):
        ServiceError("required", "请填写", "Fill in")
    assert ServiceError(Code.REQUIRED, "请填写", "Fill in").as_dict()["code"] == "required"


def test_every_code_is_raised_somewhere():
    """A code nobody raises is vocabulary a client would wait for in vain."""
    text = "\n".join(t for p, t in _sources() if p.name != "errors.py" or p.parent.name == "api")
    text += (SRC / "core" / "errors.py").read_text(encoding="utf-8").split("class ServiceError")[1]
    unused = [
        f"{enum.__module__}.{member.name}"
        for enum in VOCABULARY
        for member in enum
        if not re.search(rf"Code\.{member.name}\b", text)
    ]
    assert unused == []
