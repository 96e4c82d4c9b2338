"""Hostile input to every form in the app: random and huge values, NUL bytes, odd unicode, missing fields,
wrong types, repeated keys and malformed bodies, posted by someone allowed to use the form.

Never a 5xx, never a traceback, and a refused post (anything but a redirect) leaves every table as it was.
The URLs come from the URL configuration, so a form added later is fuzzed too; a URL whose arguments the
authorization matrix's world (tests/authz_world.py) cannot fill fails here with what to add.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.authz_matrix import EXPECTED, named_urls

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

# Roles tried in this order: the first one the matrix lets use the page is the one that posts.
ROLE_ORDER = ("admin_a", "psychiatrist_a", "coordinator_a", "patient", "anonymous", "staff_b", "other_patient")
# Tables that record the attempt itself, by design (sign-in failures, the audit trail, sessions).
RECORDS_ATTEMPTS = {"core.auditevent"}
SKIPPED = {"bench:bare"}
FIELD_NAMES: dict[str, list[str]] = {}  # url name -> the input names its page shows, read on first use

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202e\u200b",
        "💊" * 50,
        "-1",
        "0",
        "1e309",
        "NaN",
        "99999999999999999999999",
        "2026-02-30",
        "25:61",
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "x" * 100_000,
        "on",
        "true",
        "[]",
        "{}",
    ]
)
VALUE = st.one_of(NASTY, TEXT, st.integers().map(str))


def _expectations(name: str):
    entry = EXPECTED.get(name)
    if entry is None:
        return ()
    return entry if isinstance(entry, tuple) else (entry,)


def _poster(name: str) -> str | None:
    """Who may use the form: from the matrix's POST expectation, else from its GET one."""
    for method in ("post", "get"):
        for expect in _expectations(name):
            if expect.method != method:
                continue
            for wanted in (200, 302):
                for role in ROLE_ORDER:
                    if expect.status_for(role) == wanted and not (role == "anonymous" and wanted == 302):
                        return role
    return None


def _names() -> list[str]:
    return sorted(name for name in named_urls() if name not in SKIPPED)


def _row_counts() -> dict[str, int]:
    counts = {}
    for app_label in ("core", "clinics", "intake", "screening"):
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label_lower not in RECORDS_ATTEMPTS and not model._meta.proxy:
                counts[model._meta.label_lower] = model._default_manager.count()
    return counts


def _field_names(html: bytes) -> list[str]:
    return sorted({m.decode() for m in re.findall(rb'name="([^"]+)"', html) if m != b"csrfmiddlewaretoken"})


@st.composite
def hostile_form(draw, names: list[str]) -> dict:
    keys = draw(st.lists(st.one_of(st.sampled_from(names), TEXT) if names else TEXT, max_size=20))
    # Repeated keys (lists), missing fields (keys not drawn), wrong types (numbers, JSON, dates in text).
    return {key: draw(st.one_of(VALUE, st.lists(VALUE, max_size=5))) for key in keys}


RAW_BODIES = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"%",
            b"%ff%fe=%00",
            b"a=1&" * 3000,  # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS
            b"=" * 5000,
            b"action=next&action=back&action=save",
        ]
    ),
)


# A page that answers a valid post with 200, not a redirect: the new secret is shown on it once and never again
# (a redirect would have to carry it). There, exactly one row of that table may be written.
SHOWN_ONCE = {"screening:ehr": "clinics.apitoken"}


@pytest.mark.parametrize("url_name", _names())
# derandomize: the world is shared across examples, so a fixed sequence keeps CI repeatable.
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_hostile_posts_to_every_form(client, authz_world, url_name, data):
    pattern = named_urls()[url_name]
    converters = list(pattern.pattern.converters)
    try:
        url = reverse(url_name, kwargs=authz_world.kwargs_for(url_name, converters))
    except KeyError as missing:
        pytest.fail(
            f"{url_name} takes {converters}; tests/authz_world.py has no value for {missing}: add it to the world "
            "(an area module's extend(world) sets world.kwarg_values) so this form can be fuzzed"
        )
    role = _poster(url_name)
    if role is None and url_name in EXPECTED:
        role = "anonymous"  # no session may use it (the FHIR endpoint takes API keys): posted without one
    if role is None:
        pytest.fail(f"{url_name} has no entry in the authorization matrix: add one (tests/authz/<area>.py)")
    authz_world.sign_in(client, role)
    if url_name not in FIELD_NAMES:  # read once: hypothesis needs the same strategy in every example
        page = client.get(url)
        FIELD_NAMES[url_name] = _field_names(page.content) if page.status_code == 200 and not page.streaming else []
    names = FIELD_NAMES[url_name]
    probe = client.post(url, {})
    if probe.status_code == 405:
        return  # not a form: nothing to post to
    authz_world.sign_in(client, role)  # the probe may have signed out (sign-out, sign out everywhere)

    before = _row_counts()
    if data.draw(st.booleans(), label="raw body"):
        body = data.draw(RAW_BODIES, label="body")
        response = client.generic("POST", url, body, content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, data.draw(hostile_form(names), label="form"))

    assert response.status_code < 500, f"{role} POST {url} -> {response.status_code}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Traceback" not in content and b"Exception Value" not in content
    if response.status_code != 302:  # refused (or shown again with errors): nothing may have been written
        after = _row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}
        if url_name in SHOWN_ONCE and response.status_code == 200 and b"It is shown only this once" in content:
            table = SHOWN_ONCE[url_name]
            assert changed == {table: (before[table], before[table] + 1)}, changed  # the one new key, nothing else
        else:
            assert not changed, f"{role} POST {url} -> {response.status_code} but rows changed: {changed}"
