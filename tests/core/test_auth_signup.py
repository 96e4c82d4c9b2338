"""Patients sign up with e-mail and password, are signed in at once, and confirm the address by a signed link."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import signing
from django.urls import reverse

from core.models import AuditEvent
from core.services import email_verify_token
from core.views_auth import patient_home_url
from tests.factories import PASSWORD, UserFactory, make_clinic

SIGNUP = "/account/sign-up/"
GOOD_PASSWORD = "amber kettle winter 58"


def sign_up(client, email: str, password: str = GOOD_PASSWORD, password2: str | None = None, url: str = SIGNUP):
    return client.post(url, {"email": email, "password1": password, "password2": password2 or password})


def link_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/account/\S+)", body).group(1)


@pytest.mark.django_db
def test_sign_up_creates_a_patient_signs_them_in_and_sends_a_confirmation_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "Jamie@Example.org")

    assert response.status_code == 302
    assert response.url == reverse("account:verify_email_sent")
    user = get_user_model().objects.get(email="jamie@example.org")
    assert not user.email_verified
    assert not user.memberships.exists()
    assert client.session[SESSION_KEY] == str(user.pk)
    assert AuditEvent.objects.filter(action="auth.sign_up", actor=user).exists()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["jamie@example.org"]
    assert "jamie" not in message.body.lower()  # no personal data in the body, nor in the link
    assert "Check your e-mail" in client.get(response.url).content.decode()

    banner_page = client.get("/").content.decode()
    assert "Please confirm your e-mail" in banner_page

    done = client.get(link_path(message.body))

    assert done.status_code == 200
    assert "your e-mail is confirmed" in done.content.decode()
    user.refresh_from_db()
    assert user.email_verified
    assert "Please confirm your e-mail" not in client.get("/").content.decode()
    assert AuditEvent.objects.filter(action="auth.email_verified", actor=user).exists()


@pytest.mark.django_db
def test_an_address_with_an_account_gets_the_same_page_and_its_owner_an_e_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, "TAKEN@example.org")

    assert response.status_code == 302
    assert response.url == reverse("account:verify_email_sent")
    assert get_user_model().objects.filter(email__iexact="taken@example.org").count() == 1
    assert SESSION_KEY not in client.session  # no sign-in for someone else's address
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["taken@example.org"]
    assert "already has one" in mailoutbox[0].body
    assert AuditEvent.objects.get(action="auth.sign_up_existing").detail == {"user_id": str(owner.pk)}


@pytest.mark.django_db
def test_mistakes_are_explained_next_to_the_field_and_in_a_summary(client):
    response = sign_up(client, "sam@example.org", GOOD_PASSWORD, "something else")

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_password2"' in html
    assert 'id="id_password2_error"' in html
    assert 'value="sam@example.org"' in html
    assert GOOD_PASSWORD not in html
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_django_password_rules_apply(client):
    html = sign_up(client, "sam@example.org", "12345678").content.decode()

    assert "This password is too short" in html
    assert "This password is entirely numeric" in html


@pytest.mark.django_db
def test_the_clinic_chosen_on_its_page_is_remembered(client):
    clinic = make_clinic(name="Cedar Ketamine Clinic")

    page = client.get(f"{SIGNUP}?clinic={clinic.slug}")

    assert "You are applying to <strong>Cedar Ketamine Clinic</strong>" in page.content.decode()
    sign_up(client, "sam@example.org")
    assert client.session["chosen_clinic"] == clinic.slug  # kept through sign-in


@pytest.mark.django_db
def test_an_unknown_clinic_is_ignored(client):
    client.get(f"{SIGNUP}?clinic=no-such-clinic")

    assert "chosen_clinic" not in client.session


@pytest.mark.django_db
def test_after_sign_up_the_patient_continues_to_their_home(client):
    sign_up(client, "sam@example.org")

    page = client.get(reverse("account:verify_email_sent")).content.decode()

    assert f'href="{patient_home_url()}"' in page


@pytest.mark.django_db
def test_an_expired_confirmation_link_says_so(client, monkeypatch):
    user = UserFactory(email_verified=False)
    token = email_verify_token(user)
    later = time.time() + timedelta(days=3, minutes=1).total_seconds()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.get(reverse("account:verify_email", kwargs={"token": token}))

    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db
def test_a_forged_confirmation_link_is_refused(client):
    user = UserFactory(email_verified=False)
    token = email_verify_token(user)

    response = client.get(reverse("account:verify_email", kwargs={"token": token[:-4] + "abcd"}))

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db
def test_a_link_for_an_old_address_does_not_confirm_a_new_one(client):
    user = UserFactory(email_verified=False, email="old@example.org")
    token = email_verify_token(user)
    user.email = "new@example.org"
    user.save()

    response = client.get(reverse("account:verify_email", kwargs={"token": token}))

    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db
def test_the_link_carries_no_e_mail_address(db):
    user = UserFactory(email="private.person@example.org")

    token = email_verify_token(user)
    decoded = signing.loads(token, salt="core.email_verify")

    assert "private" not in token
    assert "private" not in str(decoded)


@pytest.mark.django_db
def test_the_confirmation_link_can_be_sent_again(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified=False)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account:verify_email_resend"), {"next": "/"})

    assert response.url == "/"
    assert len(mailoutbox) == 1
    assert "/account/confirm-email/" in mailoutbox[0].body
