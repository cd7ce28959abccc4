"""Schemathesis hooks for tests/api/test_schemathesis.py, loaded by its `schemathesis run`
subprocess (SCHEMATHESIS_HOOKS). Half of the generated path parameters are replaced by ids
that exist on the server under test — its hall, counters, tickets, cases, articles, customers,
a chat conversation, the actions of each workflow — so the run reaches the code behind the
404s, not only the lookups. The ids come as JSON in SERVICEHALL_SCHEMATHESIS_IDS:
{"param": [values], "/api/path/{param}:param": [values for that operation only]}."""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

REAL: dict[str, list] = json.loads(os.environ.get("SERVICEHALL_SCHEMATHESIS_IDS", "{}"))


def _real_for(path: str, name: str) -> list:
    return REAL.get(f"{path}:{name}") or REAL.get(name) or []


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:  # an operation without path parameters (None)
        return st.just(path_parameters)
    path = context.operation.path
    choices = {n: st.sampled_from(v) for n in path_parameters if (v := _real_for(path, n))}
    if not choices:
        return st.just(path_parameters)
    real = st.fixed_dictionaries(choices).map(lambda ids: {**path_parameters, **ids})
    return st.one_of(st.just(path_parameters), real)
