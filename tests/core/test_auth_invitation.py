"""The invitee's side of a staff invitation: a signed, expiring, single-use link, then the second factor."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.urls import reverse
from django.utils import timezone

from clinics.models import Invitation, Membership, Role
from clinics.services import invitation_create, invitation_token
from core.models import AuditEvent
from core.views_auth import staff_home_url
from tests.factories import make_clinic, make_staff

NEW_PASSWORD = "violet lantern harbour 42"


@pytest.fixture
def invitation(db):
    clinic = make_clinic(name="Cedar Ketamine Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    return invitation_create(
        clinic=clinic, email="new.coordinator@example.org", role=Role.COORDINATOR, invited_by=admin
    )


def link(invitation: Invitation) -> str:
    return reverse("clinics:invitation_accept", kwargs={"token": invitation_token(invitation)})


def accept(client, url: str, **fields):
    data = {"full_name": "Sam Ortiz", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **fields}
    return client.post(url, data)


@pytest.mark.django_db
def test_the_link_shows_the_clinic_role_and_a_labelled_form(client, invitation):
    html = client.get(link(invitation)).content.decode()

    assert "Join Cedar Ketamine Clinic" in html
    assert "coordinator" in html
    for field in ("id_full_name", "id_password1", "id_password2"):
        assert f'for="{field}"' in html


@pytest.mark.django_db
def test_accepting_creates_the_member_signs_them_in_and_asks_for_the_second_factor(client, invitation):
    response = accept(client, link(invitation))

    assert response.status_code == 302
    assert response.url == reverse("account:two_factor") + "?next=" + staff_home_url().replace("/", "%2F")
    user = get_user_model().objects.get(email="new.coordinator@example.org")
    assert user.full_name == "Sam Ortiz"
    assert user.email_verified
    assert Membership.objects.get(user=user).role == Role.COORDINATOR
    assert client.session[SESSION_KEY] == str(user.pk)
    assert AuditEvent.objects.filter(action="invitation.accept", actor=user).exists()
    sign_in = AuditEvent.objects.get(action="auth.sign_in", actor=user)
    assert sign_in.detail == {"method": "invitation"}
    # No staff page opens before the second factor is enrolled.
    assert client.get(reverse("clinics:staff_home")).status_code == 302
    assert "Set up your sign-in code" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_link_works_only_once(client, invitation):
    url = link(invitation)
    accept(client, url)
    client.logout()

    again = client.get(url)
    second_try = accept(client, url, password1="another pass phrase 9", password2="another pass phrase 9")

    assert again.status_code == 400
    assert "This invitation link cannot be used" in again.content.decode()
    assert second_try.status_code == 400
    assert get_user_model().objects.get(email=invitation.email).check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_an_expired_link_gives_a_clear_message(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(link(invitation))

    assert response.status_code == 400
    assert "has expired, has already been used" in response.content.decode()
    assert "Ask your clinic admin to send you a new invitation" in response.content.decode()


@pytest.mark.django_db
def test_a_forged_or_truncated_link_gives_the_same_clear_message(client, invitation):
    token = invitation_token(invitation)

    forged = client.get(reverse("clinics:invitation_accept", kwargs={"token": token[:-3] + "abc"}))
    truncated = client.get(reverse("clinics:invitation_accept", kwargs={"token": token[:10]}))

    for response in (forged, truncated):
        assert response.status_code == 400
        assert "This invitation link cannot be used" in response.content.decode()


@pytest.mark.django_db
def test_a_revoked_invitation_cannot_be_used(client, invitation):
    url = link(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())

    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_mistakes_are_explained_and_the_name_is_kept(client, invitation):
    response = accept(client, link(invitation), password1="short", password2="different")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The two passwords are not the same" in html
    assert "data-error-summary" in html
    assert 'value="Sam Ortiz"' in html
    assert "short" not in html.split("</form>")[0].split("<form")[-1]  # passwords are never echoed back
    assert not get_user_model().objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
def test_a_weak_password_is_refused(client, invitation):
    response = accept(client, link(invitation), password1="password123", password2="password123")

    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
