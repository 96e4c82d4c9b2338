"""Clinic admins manage their staff: invitations, roles, deactivation. Every change is audited."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from clinics.models import Invitation, Membership, Role
from clinics.services import invitation_create, invitation_from_token, invitation_token
from core.models import AuditEvent
from tests.factories import UserFactory, login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic(name="Cascade Ketamine Care")


@pytest.fixture
def admin_user(clinic, client):
    user = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin")
    login_staff(client, user)
    return user


def _membership(user, clinic) -> Membership:
    return Membership.objects.get(user=user, clinic=clinic)


def _url(name: str, clinic, **kwargs) -> str:
    return reverse(f"clinics:{name}", kwargs={"clinic_slug": clinic.slug, **kwargs})


def test_admin_sees_members_with_role_and_status(client, clinic, admin_user):
    make_staff(clinic, Role.PSYCHIATRIST, full_name="Pia Psychiatrist", email="pia@example.org")
    gone = make_staff(clinic, Role.COORDINATOR, full_name="Cole Coordinator")
    Membership.objects.filter(user=gone).update(is_active=False)

    response = client.get(_url("members", clinic))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pia Psychiatrist" in html
    assert "pia@example.org" in html
    assert "Deactivated" in html
    assert "Cole Coordinator" in html


def test_invite_sends_an_email_with_the_link_and_no_patient_data(
    client, clinic, admin_user, django_capture_on_commit_callbacks
):
    patient = UserFactory(full_name="Priya Patientname", email="priya.patient@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("members", clinic), {"email": "New.Doctor@Example.org", "role": Role.PSYCHIATRIST})

    assert response.status_code == 302
    invitation = Invitation.objects.get(clinic=clinic, email="new.doctor@example.org")
    assert invitation.role == Role.PSYCHIATRIST
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.doctor@example.org"]
    link = re.search(r"https?://\S+/account/invitation/(\S+)/", message.body)
    assert link is not None
    assert invitation_from_token(link.group(1)) == invitation
    for private in (patient.full_name, patient.email, admin_user.email):
        assert private not in message.body
    assert AuditEvent.objects.filter(
        action="invitation.create", clinic=clinic, actor=admin_user, object_id=str(invitation.pk)
    ).exists()
    # The pending invitation is listed, with a way to revoke it.
    html = client.get(_url("members", clinic)).content.decode()
    assert "new.doctor@example.org" in html
    assert _url("invitation_revoke", clinic, invitation_id=invitation.pk) in html


def test_invite_with_a_bad_address_keeps_what_was_typed(client, clinic, admin_user):
    response = client.post(_url("members", clinic), {"email": "not-an-address", "role": Role.COORDINATOR})

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_email"' in html
    assert 'value="not-an-address"' in html
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_says_so_at_the_email_field(client, clinic, admin_user):
    colleague = make_staff(clinic, Role.COORDINATOR)

    response = client.post(_url("members", clinic), {"email": colleague.email.upper(), "role": Role.COORDINATOR})

    html = response.content.decode()
    assert "This person is already a member of the clinic." in html
    assert 'id="id_email_error"' in html
    assert not Invitation.objects.exists()


def test_revoking_an_invitation_kills_its_link_and_is_audited(client, clinic, admin_user):
    invitation = invitation_create(
        clinic=clinic, email="late@example.org", role=Role.COORDINATOR, invited_by=admin_user
    )
    token = invitation_token(invitation)

    response = client.post(_url("invitation_revoke", clinic, invitation_id=invitation.pk))

    assert response.status_code == 302
    assert invitation_from_token(token) is None
    assert AuditEvent.objects.filter(
        action="invitation.revoke", object_id=str(invitation.pk), actor=admin_user
    ).exists()
    assert (
        _url("invitation_revoke", clinic, invitation_id=invitation.pk)
        not in client.get(_url("members", clinic)).content.decode()
    )


def test_role_change_is_saved_and_audited(client, clinic, admin_user):
    colleague = make_staff(clinic, Role.COORDINATOR, full_name="Cole Coordinator")
    membership = _membership(colleague, clinic)

    response = client.post(_url("member_role", clinic, membership_id=membership.pk), {"role": Role.PSYCHIATRIST})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.PSYCHIATRIST
    event = AuditEvent.objects.get(action="membership.role_change", object_id=str(membership.pk))
    assert event.actor == admin_user
    assert event.detail["from"] == Role.COORDINATOR
    assert event.detail["to"] == Role.PSYCHIATRIST
    assert "Cole Coordinator is now psychiatrist." in client.get(_url("members", clinic)).content.decode()


def test_the_last_admin_cannot_be_demoted_and_is_told_why(client, clinic, admin_user):
    membership = _membership(admin_user, clinic)

    response = client.post(_url("member_role", clinic, membership_id=membership.pk), {"role": Role.COORDINATOR})

    assert response.status_code == 200
    html = response.content.decode()
    assert "A clinic needs at least one active clinic admin. Make someone else an admin first." in html
    assert "data-error-summary" in html
    assert f'href="#member-{membership.pk}"' in html
    membership.refresh_from_db()
    assert membership.role == Role.CLINIC_ADMIN
    assert not AuditEvent.objects.filter(action="membership.role_change").exists()


def test_the_last_admin_cannot_be_deactivated_and_is_told_why(client, clinic, admin_user):
    membership = _membership(admin_user, clinic)

    response = client.post(_url("member_deactivate", clinic, membership_id=membership.pk))

    assert response.status_code == 200
    assert "A clinic needs at least one active clinic admin." in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


def test_deactivation_ends_access_and_is_audited_and_can_be_undone(client, clinic, admin_user):
    colleague = make_staff(clinic, Role.PSYCHIATRIST, full_name="Pia Psychiatrist")
    membership = _membership(colleague, clinic)
    generation = colleague.session_generation

    response = client.post(_url("member_deactivate", clinic, membership_id=membership.pk))

    assert response.status_code == 302
    membership.refresh_from_db()
    colleague.refresh_from_db()
    assert not membership.is_active
    assert colleague.session_generation == generation + 1  # signed out everywhere
    assert AuditEvent.objects.filter(action="membership.deactivate", object_id=str(membership.pk)).exists()

    client.post(_url("member_reactivate", clinic, membership_id=membership.pk))

    membership.refresh_from_db()
    assert membership.is_active
    assert AuditEvent.objects.filter(action="membership.reactivate", object_id=str(membership.pk)).exists()


def test_an_admin_may_step_down_when_another_admin_remains(client, clinic, admin_user):
    make_staff(clinic, Role.CLINIC_ADMIN)
    membership = _membership(admin_user, clinic)

    response = client.post(_url("member_role", clinic, membership_id=membership.pk), {"role": Role.PSYCHIATRIST})

    assert response.status_code == 302
    assert response.url == reverse("clinics:staff_home")
    assert client.get(_url("members", clinic)).status_code == 404


@pytest.mark.parametrize("action", ["member_role", "member_deactivate", "member_reactivate"])
def test_another_clinics_membership_is_404(client, clinic, admin_user, action):
    other = make_clinic(name="Other Clinic")
    stranger = make_staff(other, Role.COORDINATOR)
    membership = _membership(stranger, other)

    response = client.post(_url(action, clinic, membership_id=membership.pk), {"role": Role.PSYCHIATRIST})

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR
    assert membership.is_active


def test_another_clinics_invitation_is_404(client, clinic, admin_user):
    other = make_clinic(name="Other Clinic")
    other_admin = make_staff(other, Role.CLINIC_ADMIN)
    invitation = invitation_create(clinic=other, email="x@example.org", role=Role.COORDINATOR, invited_by=other_admin)

    response = client.post(_url("invitation_revoke", clinic, invitation_id=invitation.pk))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("role", [Role.PSYCHIATRIST, Role.COORDINATOR])
def test_other_roles_cannot_manage_staff(client, clinic, role):
    user = make_staff(clinic, role)
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    login_staff(client, user)

    assert client.get(_url("members", clinic)).status_code == 404
    response = client.post(_url("member_deactivate", clinic, membership_id=_membership(admin, clinic).pk))
    assert response.status_code == 404
    assert _membership(admin, clinic).is_active


def test_staff_pages_need_sign_in_and_a_second_factor(client, clinic):
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    url = _url("members", clinic)

    assert client.get(url).status_code == 302
    assert reverse("account:login") in client.get(url).url

    client.force_login(admin)  # password only, no second factor yet
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:two_factor"))


def test_staff_home_lists_clinics_with_role_and_links(client, clinic):
    other = make_clinic(name="Second Clinic")
    user = make_staff(clinic, Role.CLINIC_ADMIN)
    Membership.objects.create(user=user, clinic=other, role=Role.PSYCHIATRIST)
    login_staff(client, user)

    html = client.get(reverse("clinics:staff_home")).content.decode()

    assert "Cascade Ketamine Care" in html
    assert "Second Clinic" in html
    assert "Clinic admin" in html
    assert "Psychiatrist" in html
    assert _url("members", clinic) in html
    assert _url("audit_log", clinic) in html
    assert reverse("screening:policy", kwargs={"clinic_slug": other.slug}) in html
    assert _url("members", other) not in html


def test_staff_home_is_not_for_patients(client):
    patient = UserFactory()
    client.force_login(patient)

    assert client.get(reverse("clinics:staff_home")).status_code == 404
