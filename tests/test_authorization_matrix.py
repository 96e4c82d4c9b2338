"""Every named URL x every kind of visitor → the status they must get.

Shared helpers (public, staff, patient_own, ...) are importable from tests.authz.helpers by area modules.
The list of URLs comes from the URL configuration itself: a new view without an entry in EXPECTED
makes `test_every_named_url_has_an_entry` fail. Forbidden and missing records both answer 404.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.authz.helpers import Expect
from tests.authz_world import ROLES, World, area_modules, build_world

# Responses marked Cache-Control: public, the same for everyone and without personal data (may be cached).
SAME_FOR_EVERYONE = {"javascript_catalog", "fhir:questionnaire"}

# Namespaces left to their own framework's checks: Django admin requires is_staff superusers.
SKIPPED_NAMESPACES = {"admin"}


# Each app's entries live beside its world records in tests/authz/<area>.py; a URL named twice is a mistake.
EXPECTED: dict[str, Expect | tuple[Expect, ...]] = {}
for _module in area_modules():
    _entries = getattr(_module, "EXPECTED", {})
    _twice = set(_entries) & set(EXPECTED)
    assert not _twice, f"{_module.__name__} repeats matrix entries: {sorted(_twice)}"
    EXPECTED.update(_entries)


def _named_patterns(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _named_patterns(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern


def named_urls() -> dict[str, URLPattern]:
    return dict(_named_patterns(get_resolver().url_patterns))


def test_every_named_url_has_an_entry():
    missing = sorted(set(named_urls()) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(named_urls()))

    assert not missing, f"add these views to the authorization matrix: {missing}"
    assert not stale, f"these matrix entries name no URL: {stale}"


def _expectations(name: str) -> tuple[Expect, ...]:
    entry = EXPECTED[name]
    return entry if isinstance(entry, tuple) else (entry,)


CASES = [(name, i, role) for name in sorted(EXPECTED) for i in range(len(_expectations(name))) for role in ROLES]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.mark.parametrize(
    ("url_name", "index", "role"), CASES, ids=[f"{n}-{_expectations(n)[i].method}-{r}" for n, i, r in CASES]
)
def test_authorization_matrix(client, world, url_name, index, role):
    expect = _expectations(url_name)[index]
    pattern = named_urls()[url_name]
    url = reverse(url_name, kwargs=world.kwargs_for(url_name, list(pattern.pattern.converters)))
    world.sign_in(client, role)

    response = getattr(client, expect.method)(url)

    assert response.status_code == expect.status_for(role), (
        f"{role} {expect.method.upper()} {url} → {response.status_code}, expected {expect.status_for(role)}"
    )
    if role != "anonymous" and url_name not in SAME_FOR_EVERYONE:  # a shared computer's browser keeps none of it
        assert "no-store" in response.get("Cache-Control", ""), f"{role} {url}: {response.get('Cache-Control')}"
