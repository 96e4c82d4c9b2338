"""Signing in and out: a new session id, audit events, the lockout and the way back from it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.views_auth import patient_home_url
from tests.factories import PASSWORD, UserFactory, make_clinic, make_staff

LOGIN = "/account/sign-in/"


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account:login"), {"username": email, "password": password, **extra})


def signed_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


@pytest.mark.django_db
def test_url_names_and_login_setting():
    from django.conf import settings

    assert reverse("account:login") == LOGIN
    assert settings.LOGIN_URL == "account:login"


@pytest.mark.django_db
def test_the_sign_in_page_labels_every_field(client):
    html = client.get(reverse("account:login")).content.decode()

    assert 'for="id_username"' in html
    assert "E-mail" in html
    assert 'for="id_password"' in html
    assert 'name="username"' in html  # django-axes counts failures on this field


@pytest.mark.django_db
def test_signing_in_gives_a_new_session_id_and_is_audited(client):
    user = UserFactory()
    session = client.session
    session["chosen_clinic"] = "clinic-x"
    session.save()
    key_before = session.session_key

    response = sign_in(client, user.email.upper())

    assert response.status_code == 302
    assert response.url == patient_home_url()
    assert signed_in_user_id(client) == str(user.pk)
    assert client.session.session_key != key_before  # session fixation is not possible
    assert client.session["chosen_clinic"] == "clinic-x"  # cycle_key keeps what the visitor chose
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.actor_id == user.pk
    assert event.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_a_wrong_password_is_audited_without_the_typed_address(client):
    user = UserFactory(email="pat@example.org")

    response = sign_in(client, "Pat@Example.org", "not the password")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The e-mail or the password is not right" in html
    assert "data-error-summary" in html
    assert 'value="Pat@Example.org"' in html  # what the person typed is kept (not the password)
    assert "not the password" not in html
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.actor_id is None
    assert event.actor_email == ""
    assert event.detail == {"reason": "bad_credentials", "user_id": str(user.pk)}


@pytest.mark.django_db
def test_an_unknown_address_is_audited_with_no_identity(client):
    sign_in(client, "nobody@example.org", "whatever it is")

    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.detail == {"reason": "bad_credentials"}
    assert "nobody" not in str(event.detail)


@pytest.mark.django_db
def test_an_empty_form_is_not_a_sign_in_attempt(client):
    response = client.post(reverse("account:login"), {"username": "", "password": ""})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not AuditEvent.objects.filter(action="auth.sign_in_failed").exists()


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory()

    responses = [sign_in(client, user.email, f"wrong password {i}") for i in range(5)]

    assert [r.status_code for r in responses[:4]] == [200, 200, 200, 200]
    locked = responses[4]
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Signing in is paused for 15 minutes" in html
    assert "wrong 5 times" in html
    assert reverse("account:password_reset") in html
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 5

    sixth = sign_in(client, user.email, PASSWORD)

    assert sixth.status_code == 429
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1  # the lock is recorded once
    last_failure = AuditEvent.objects.filter(action="auth.sign_in_failed").order_by("id").last()
    assert last_failure.detail["reason"] == "locked_out"


@pytest.mark.django_db
def test_the_lockout_cannot_be_dodged_by_changing_letter_case(client):
    user = UserFactory(email="case@example.org")
    for spelling in ["case@example.org", "CASE@example.org", "Case@Example.org", "case@EXAMPLE.ORG"]:
        sign_in(client, spelling, "wrong password")

    response = sign_in(client, "CaSe@example.org", "wrong password")

    assert response.status_code == 429
    assert sign_in(client, user.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_works_again(client):
    user = UserFactory()
    for i in range(5):
        sign_in(client, user.email, f"wrong {i}")
    assert sign_in(client, user.email, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_staff_go_to_the_second_factor_after_their_password(client):
    staff = make_staff(make_clinic())

    response = sign_in(client, staff.email, next="/staff/")

    assert response.status_code == 302
    assert response.url == reverse("account:two_factor") + "?next=%2Fstaff%2F"


@pytest.mark.django_db
def test_next_is_followed_only_on_this_site(client):
    user = UserFactory()

    response = sign_in(client, user.email, next="https://evil.example/steal")

    assert response.url == patient_home_url()


@pytest.mark.django_db
def test_signed_in_people_visiting_the_sign_in_page_go_on(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("account:login") + "?next=/account/security/")

    assert response.status_code == 302
    assert response.url == "/account/security/"


@pytest.mark.django_db
def test_sign_out_is_post_only_and_audited(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get(reverse("account:logout")).status_code == 405
    response = client.post(reverse("account:logout"))

    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=user).exists()


@pytest.mark.django_db
def test_the_nav_offers_what_fits_the_visitor(client):
    anonymous = client.get("/").content.decode()
    assert reverse("account:login") in anonymous
    assert reverse("account:signup") in anonymous
    assert "Sign out" not in anonymous
    assert "Find a clinic" in anonymous

    client.force_login(UserFactory())
    patient = client.get("/").content.decode()
    assert "Sign out" in patient
    assert reverse("account:details") in patient  # a patient's account opens on their details
    assert ">Staff<" not in patient


@pytest.mark.django_db
def test_staff_see_a_staff_link(client):
    from tests.factories import login_staff

    staff = make_staff(make_clinic())
    login_staff(client, staff)

    html = client.get("/").content.decode()

    assert ">Staff<" in html
    assert reverse("clinics:staff_home") in html
