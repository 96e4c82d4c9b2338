"""No input gives a 500: every named URL, as every kind of visitor, with hostile query strings.

Far-future and far-past dates, huge and negative numbers, NUL bytes, unicode, garbage and repeated
parameters on every query parameter the views parse. Each answer is below 500 (a clear 400 or a form
error), a streamed answer (CSV, FHIR, zip) streams to its end, and a refused request (4xx) writes no audit row.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AuditEvent
from tests.authz_matrix import EXPECTED, expectations, named_urls
from tests.authz_world import ROLES

# Every query parameter a view reads (grep request.GET), and a few it does not.
KEYS = [
    "start", "end", "week", "until", "since", "before", "after", "from", "status", "clinician", "type",
    "_lastUpdated", "_count", "_offset", "_format", "_since", "_type", "patient", "subject", "_id",
    "action", "actor", "date_from", "date_to", "state", "q", "next", "page", "clinic", "day", "slot", "kind",
]  # fmt: skip
HOSTILE = [
    "9999-12-31", "0001-01-01", "10000-01-01", "0000-00-00", "2026-02-30", "-0001-01-01",
    "ge9999-12-31", "le0001-01-01", "gt9999-12-31T23:59:59Z", "lt0001-01-01T00:00:00+14:00", "eq2026-13-01",
    "9999-12-31T23:59:59.999999-12:00", "2026-W53", "9" * 40, "-9" * 20, "1e309", "NaN", "inf", "-1", "0",
    "\x00", "a\x00b", "\U0001d54f\U0001d550\u2124", "ñandú", "\u202e", "' OR 1=1 --", "<script>", "%", "", " ", "1,2,3",
    "00000000-0000-0000-0000-000000000000", "not-a-uuid", "//evil.example", "2026-12-07T10:00Z|x",
]  # fmt: skip

# The values that broke pages before (issue 22), and the classic ones: deterministic, on every URL.
KNOWN_BAD = [
    "9999-12-31",
    "0001-01-01",
    "ge9999-12-31",
    "le0001-01-01",
    "9" * 40,
    "-1",
    "\x00",
    "\U0001d54f",
    "2026-02-30",
]

query = st.lists(
    st.tuples(
        st.sampled_from(KEYS),
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12), st.integers().map(str)),
    ),
    min_size=1,
    max_size=5,
)


def _urls() -> list[str]:
    return sorted(EXPECTED)


def _call(client, world, url_name: str, method: str, pairs: list[tuple[str, str]]):
    pattern = named_urls()[url_name]
    url = reverse(url_name, kwargs=world.kwargs_for(url_name, list(pattern.pattern.converters)))
    full = f"{url}?{urlencode(pairs)}"
    before = AuditEvent.objects.count()
    response = client.get(full) if method == "get" else client.post(full, {})
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a stream must not break halfway
    assert response.status_code < 500, f"{method.upper()} {full} → {response.status_code}"
    if response.status_code >= 400:
        assert AuditEvent.objects.count() == before, f"{method.upper()} {full} was refused but audited"
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", _urls())
def test_the_known_hostile_values_on_every_parameter_at_once(client, authz_world, url_name):
    """Deterministic: each hostile value on every parameter, as the visitor the URL serves best."""
    world = authz_world
    methods = {e.method for e in expectations(url_name)}
    expect = expectations(url_name)[0]
    role = next((r for r in reversed(ROLES) if expect.status_for(r) == 200), "admin_a")
    world.sign_in(client, role)
    for method in sorted(methods):
        for value in KNOWN_BAD:
            _call(client, world, url_name, method, [(key, value) for key in KEYS])


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", _urls())
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role=st.sampled_from(ROLES), pairs=query)
def test_hostile_query_strings_never_give_a_server_error(client, authz_world, url_name, role, pairs):
    world = authz_world  # one world for all of hypothesis' examples, which run in one database transaction
    client.logout()
    world.sign_in(client, role)
    for method in sorted({e.method for e in expectations(url_name)}):
        _call(client, world, url_name, method, pairs)


FHIR_SEARCHES = ["fhir:patient_search", "fhir:response_search"]
FHIR_KEYS = ["_lastUpdated", "_count", "_offset", "patient", "subject", "_format", "_summary"]


@pytest.fixture
def fhir_key(authz_world):
    from clinics.services import api_token_create

    world = authz_world
    return api_token_create(clinic=world.objects["clinic_a"], name="EHR", created_by=world.users["admin_a"])[1]


@pytest.mark.parametrize("url_name", FHIR_SEARCHES)
@pytest.mark.parametrize(
    "value",
    ["ge9999-12-31", "le0001-01-01", "gt9999-12-31T23:59:59Z", "lt0001-01-01T00:00:00+14:00", "9" * 40, "\u00b2"],
)
def test_the_fhir_api_answers_hostile_searches_with_an_operation_outcome(client, fhir_key, url_name, value):
    """With a real API key: the search reads its parameters (without one it stops at 401)."""
    for key in ("_lastUpdated", "_count", "_offset"):
        response = client.get(f"{reverse(url_name)}?{urlencode({key: value})}", HTTP_AUTHORIZATION=f"Bearer {fhir_key}")
        assert response.status_code in (200, 400), f"{key}={value!r} → {response.status_code}"
        if response.status_code == 400:
            assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("url_name", FHIR_SEARCHES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(FHIR_KEYS),
            st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12), st.integers().map(str)),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_hostile_fhir_searches_never_give_a_server_error(client, fhir_key, url_name, pairs):
    response = client.get(f"{reverse(url_name)}?{urlencode(pairs)}", HTTP_AUTHORIZATION=f"Bearer {fhir_key}")
    assert response.status_code < 500, f"{pairs} → {response.status_code}"
