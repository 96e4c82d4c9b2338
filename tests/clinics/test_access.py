"""Every clinic staff page, for every kind of visitor: who gets in, who gets 404, who is sent to sign in."""

import pytest
from django.urls import reverse

from clinics.models import Membership, Role
from clinics.services import invitation_create
from tests.factories import UserFactory, login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"admin": 200}
READERS = {"admin": 200, "psychiatrist": 200}


@pytest.fixture
def staff_pages():
    clinic = make_clinic(name="Clinic A")
    other = make_clinic(name="Clinic B")
    users = {
        role: make_staff(clinic, value)
        for role, value in (
            ("admin", Role.CLINIC_ADMIN),
            ("psychiatrist", Role.PSYCHIATRIST),
            ("coordinator", Role.COORDINATOR),
        )
    }
    users["admin_of_other_clinic"] = make_staff(other, Role.CLINIC_ADMIN)
    users["patient"] = UserFactory()
    membership = Membership.objects.get(user=users["coordinator"])
    invitation = invitation_create(
        clinic=clinic, email="n@example.org", role=Role.COORDINATOR, invited_by=users["admin"]
    )
    slug = clinic.slug
    pages = [
        ("get", reverse("clinics:members", kwargs={"clinic_slug": slug}), ADMIN_ONLY),
        ("get", reverse("screening:policy", kwargs={"clinic_slug": slug}), READERS),
        ("get", reverse("screening:policy_version", kwargs={"clinic_slug": slug, "version": 1}), READERS),
        ("get", reverse("clinics:audit_log", kwargs={"clinic_slug": slug}), ADMIN_ONLY),
        (
            "post",
            reverse("clinics:member_role", kwargs={"clinic_slug": slug, "membership_id": membership.pk}),
            {"admin": 302},
        ),
        (
            "post",
            reverse("clinics:member_reactivate", kwargs={"clinic_slug": slug, "membership_id": membership.pk}),
            {"admin": 302},
        ),
        (
            "post",
            reverse("clinics:invitation_revoke", kwargs={"clinic_slug": slug, "invitation_id": invitation.pk}),
            {"admin": 302},
        ),
    ]
    return users, pages


@pytest.mark.parametrize(
    "who", ["admin", "psychiatrist", "coordinator", "admin_of_other_clinic", "patient", "anonymous"]
)
def test_each_visitor_gets_the_right_answer_on_every_staff_page(client, staff_pages, who):
    users, pages = staff_pages
    if who in users:
        if who == "patient":
            client.force_login(users[who])
        else:
            login_staff(client, users[who])
    for method, url, allowed in pages:
        response = getattr(client, method)(url, {"role": Role.COORDINATOR} if method == "post" else None)
        expected = 302 if who == "anonymous" else allowed.get(who, 404)
        assert response.status_code == expected, (who, method, url)
        if who == "anonymous":
            assert response.url.startswith(reverse("account:login"))
