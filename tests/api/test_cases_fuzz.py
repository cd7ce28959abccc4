"""Bad input never gets a 500: random bodies for intake and for every operation on a
case, through the full request stack. Whatever is sent, the answer is a 2xx or a 4xx JSON body
with a Chinese and an English message — and a refused request changes nothing."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicehall.cases import services as cases
from servicehall.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=60),
    st.sampled_from(
        ["", " ", "2020-01-01T00:00", "9999-12-31T23:59", "other", "fault", "13900001234"]
    ),
    st.lists(st.integers(), max_size=3),
)
FIELDS = ["kind", "channel", "category", "description", "phone", "customer_id", "ticket_id"]
FIELDS += ["hall", "priority", "area", "desk", "promised_at", "subject"]
OPS = ["actions/resolve", "actions/close", "actions/dispute", "actions/convert", "transfer"]
OPS += ["escalate", "promise", "comments", ""]
SUITE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check(r) -> dict:
    assert r.status_code < 500, r.content
    body = r.json()
    if r.status_code >= 400:
        assert body["message"] and body["message_en"], body
    return body


@pytest.fixture
def clerk_client(clerk):
    c = Client()
    c.force_login(clerk)
    return c


@SUITE
@given(body=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=8))
def test_random_intake_is_never_a_500(clerk_client, body):
    before = Case.objects.count()
    r = clerk_client.post("/api/cases", json.dumps(body), content_type="application/json")
    check(r)
    if r.status_code != 201:
        assert Case.objects.count() == before


@SUITE
@given(
    op=st.sampled_from(OPS),
    body=st.dictionaries(
        st.sampled_from(["version", "resolution", "confirmation", "reason", "summary"])
        | st.sampled_from(["promised_at", "desk", "note", "category", "area", "priority"]),
        junk,
        max_size=6,
    ),
)
def test_random_operations_are_never_a_500(clerk, clerk_client, op, body):
    case = Case.objects.filter(owner=clerk).first() or cases.open_case(
        clerk, kind="work_order", channel="hotline", category="other", description="模糊测试"
    )
    events = CaseEvent.objects.filter(case=case).count()
    version = Case.objects.get(pk=case.pk).version
    url = f"/api/cases/{case.pk}/{op}".rstrip("/")
    method = "patch" if op == "" else "post"
    r = getattr(clerk_client, method)(url, json.dumps(body), content_type="application/json")
    check(r)
    if r.status_code >= 400:
        assert CaseEvent.objects.filter(case=case).count() == events
        assert Case.objects.get(pk=case.pk).version == version
