"""Every named URL x every kind of visitor → the status they must get.

Shared helpers (public, staff, patient_own, ...) are importable from tests.authz.helpers by area modules.
The list of URLs comes from the URL configuration itself: a new view without an entry in EXPECTED
makes `test_every_named_url_has_an_entry` fail. Forbidden and missing records both answer 404.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.authz.helpers import ALL_STAFF_A, Expect, anonymous_only, patient_own, public, signed_in, staff
from tests.authz_world import ROLES, World, area_modules, build_world

# Namespaces left to their own framework's checks: Django admin requires is_staff superusers.
SKIPPED_NAMESPACES = {"admin"}


EXPECTED: dict[str, Expect | tuple[Expect, ...]] = {
    # core
    "home": public(),
    "crisis": public(),
    "healthz": public(),
    "language_set": public(302, "post"),
    "javascript_catalog": public(),
    # account: sign-in, sign-up and token links are public; the rest needs a session
    "account:login": anonymous_only(),
    "account:signup": anonymous_only(),
    "account:logout": public(302, "post"),
    "account:sign_out_everywhere": public(302, "post"),
    "account:two_factor": public(302),  # staff here are verified already, patients never need it
    "account:verify_email": public(),
    "account:verify_email_sent": public(),
    "account:verify_email_resend": public(302, "post"),
    "account:password_reset": public(),
    "account:password_reset_done": public(),
    # A valid link redirects to hide its token; the owner signing in (last_login) makes it stale.
    "account:password_reset_confirm": Expect(statuses={"patient": 200}, default=302),
    "account:password_reset_complete": public(),
    "account:keepalive": Expect(statuses={"anonymous": 401}, default=200, method="post"),
    "account:security": signed_in(),
    "account:contact": (signed_in(), signed_in(method="post")),
    # clinics: the public directory, then staff pages by role
    "clinics:invitation_accept": public(),
    "clinics:directory": public(),
    "clinics:detail": public(),
    "clinics:staff_home": signed_in(404, **dict.fromkeys((*ALL_STAFF_A, "staff_b"), 200)),
    "clinics:members": (staff("admin_a"), staff("admin_a", method="post")),
    "clinics:member_role": staff("admin_a", method="post"),
    "clinics:member_deactivate": staff("admin_a", status=302, method="post"),
    "clinics:member_reactivate": staff("admin_a", status=302, method="post"),
    "clinics:invitation_revoke": staff("admin_a", status=302, method="post"),
    "screening:policy": (
        staff("admin_a", "psychiatrist_a"),
        Expect(statuses={"anonymous": 302, "admin_a": 200, "psychiatrist_a": 403}, method="post"),
    ),
    "screening:policy_version": staff("admin_a", "psychiatrist_a"),
    "clinics:audit_log": staff("admin_a"),
    # intake: a patient's own records only; staff accounts hold no intake of their own
    "patients:dashboard": Expect(
        statuses={"patient": 200, "other_patient": 200, "other_clinic_patient": 200}, default=302
    ),  # with nothing started, a user is sent to the clinic directory
    "intake:start": (
        Expect(statuses={"anonymous": 302, "patient": 302, "other_patient": 302}, default=200),
        Expect(default=302, method="post"),
    ),
    "intake:resume": patient_own(302),
    "intake:step": (patient_own(), patient_own(302, "post")),
    "intake:reach_out": patient_own(),
    "patients:submission": patient_own(),
    "patients:submission_help": patient_own(),
}


# Each area's entries live beside its world records in tests/authz/<area>.py.
for _module in area_modules():
    EXPECTED.update(getattr(_module, "EXPECTED", {}))


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
