"""Every named URL x every kind of visitor → the status they must get.

Shared helpers (public, staff, patient_own, ...) are importable from tests.authz.helpers by area modules.
The list of URLs comes from the URL configuration itself: a new view without an entry in EXPECTED
makes `test_every_named_url_has_an_entry` fail. Forbidden and missing records both answer 404.
"""

import pytest
from django.urls import reverse

from tests.authz_matrix import EXPECTED, expectations, named_urls
from tests.authz_world import ROLES

# Responses marked Cache-Control: public, the same for everyone and without personal data (may be cached).
SAME_FOR_EVERYONE = {"javascript_catalog", "fhir:questionnaire"}


def test_every_named_url_has_an_entry():
    missing = sorted(set(named_urls()) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(named_urls()))

    assert not missing, f"add these views to the authorization matrix: {missing}"
    assert not stale, f"these matrix entries name no URL: {stale}"


CASES = [(name, i, role) for name in sorted(EXPECTED) for i in range(len(expectations(name))) for role in ROLES]


@pytest.mark.parametrize(
    ("url_name", "index", "role"), CASES, ids=[f"{n}-{expectations(n)[i].method}-{r}" for n, i, r in CASES]
)
def test_authorization_matrix(client, authz_world, url_name, index, role):
    expect = expectations(url_name)[index]
    pattern = named_urls()[url_name]
    url = reverse(url_name, kwargs=authz_world.kwargs_for(url_name, list(pattern.pattern.converters)))
    authz_world.sign_in(client, role)

    response = getattr(client, expect.method)(url)

    assert response.status_code == expect.status_for(role), (
        f"{role} {expect.method.upper()} {url} → {response.status_code}, expected {expect.status_for(role)}"
    )
    if role != "anonymous" and url_name not in SAME_FOR_EVERYONE:  # a shared computer's browser keeps none of it
        assert "no-store" in response.get("Cache-Control", ""), f"{role} {url}: {response.get('Cache-Control')}"
