"""Staff need a second factor (TOTP) before any staff page; patients never do."""

import re
from base64 import b32encode

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from core.views_auth import patient_home_url, staff_home_url
from tests.factories import PASSWORD, UserFactory, current_code, make_clinic, make_staff

TWO_FACTOR = "/account/second-factor/"


def password_step(client, user) -> None:
    response = client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.django_db
def test_a_staff_page_needs_the_second_factor_after_the_password(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.get(reverse("clinics:staff_home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account:two_factor") + "?next=")


@pytest.mark.django_db
def test_the_account_page_needs_the_second_factor_for_staff_too(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.get(reverse("account:security"))

    assert response.status_code == 302
    assert response.url == reverse("account:two_factor") + "?next=%2Faccount%2Fsecurity%2F"


@pytest.mark.django_db
def test_a_right_code_verifies_the_session_with_a_new_session_id(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)
    key_before = client.session.session_key

    page = client.get(TWO_FACTOR)
    assert "Enter your sign-in code" in page.content.decode()
    response = client.post(TWO_FACTOR, {"token": current_code(staff), "next": "/account/security/"})

    assert response.status_code == 302
    assert response.url == "/account/security/"
    assert client.session[DEVICE_ID_SESSION_KEY]
    assert client.session.session_key != key_before
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.get(reverse("account:security")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_verified", actor=staff).count() == 1


@pytest.mark.django_db
def test_a_wrong_code_says_so_and_is_counted_in_the_audit_log(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.post(TWO_FACTOR, {"token": "000000" if current_code(staff) != "000000" else "111111"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "That code is not right" in html
    assert "data-error-summary" in html
    assert DEVICE_ID_SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="auth.second_factor_failed")
    assert event.actor_id == staff.pk
    assert event.detail == {"stage": "verify", "reason": "wrong_code"}


@pytest.mark.django_db
def test_repeated_wrong_codes_are_slowed_down(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)
    wrong = "000000" if current_code(staff) != "000000" else "111111"
    client.post(TWO_FACTOR, {"token": wrong})

    response = client.post(TWO_FACTOR, {"token": current_code(staff)})  # even the right code must wait

    assert "Too many wrong codes in a row" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="auth.second_factor_failed").count() == 2
    assert AuditEvent.objects.order_by("id").last().detail["reason"] == "throttled"


@pytest.mark.django_db
def test_letters_in_the_code_get_a_clear_message(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.post(TWO_FACTOR, {"token": "12ab56"})

    assert "Enter the 6 digits your app shows" in response.content.decode()


@pytest.mark.django_db
def test_staff_without_an_authenticator_enrol_one_with_a_locally_drawn_qr_code(client):
    staff = make_staff(make_clinic(), with_device=False)
    password_step(client, staff)

    page = client.get(TWO_FACTOR + "?next=/account/security/")

    html = page.content.decode()
    assert "Set up your sign-in code" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg  # nothing the CSP would block
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")
    assert secret == b32encode(device.bin_key).decode()
    assert client.get(TWO_FACTOR).content.decode().count(secret[:4]) >= 1  # same device on reload
    assert TOTPDevice.objects.filter(user=staff).count() == 1

    response = client.post(TWO_FACTOR, {"token": code_for(device), "next": "/account/security/"})

    assert response.status_code == 302
    assert response.url == "/account/security/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled", actor=staff).count() == 1


@pytest.mark.django_db
def test_a_wrong_enrolment_code_leaves_the_device_unconfirmed(client):
    staff = make_staff(make_clinic(), with_device=False)
    password_step(client, staff)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=staff)
    wrong = "000000" if code_for(device) != "000000" else "111111"

    response = client.post(TWO_FACTOR, {"token": wrong})

    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.get(action="auth.second_factor_failed").detail["stage"] == "enrol"


@pytest.mark.django_db
def test_after_the_second_factor_staff_land_on_the_staff_home(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.post(TWO_FACTOR, {"token": current_code(staff)})

    assert response.url == staff_home_url()
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_an_off_site_next_is_ignored_after_the_second_factor(client):
    staff = make_staff(make_clinic())
    password_step(client, staff)

    response = client.post(TWO_FACTOR, {"token": current_code(staff), "next": "//evil.example/"})

    assert response.url == staff_home_url()


@pytest.mark.django_db
def test_patients_never_need_a_second_factor(client):
    client.force_login(UserFactory())

    response = client.get(TWO_FACTOR)

    assert response.status_code == 302
    assert response.url == patient_home_url()
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_the_second_factor_page_needs_the_password_first(client):
    response = client.get(TWO_FACTOR)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account:login"))


@pytest.mark.django_db
def test_site_admins_need_a_second_factor_too_and_land_on_the_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True, email_verified=False)
    password_step(client, admin)

    page = client.get(TWO_FACTOR)
    assert "Set up your sign-in code" in page.content.decode()
    assert "Please confirm your e-mail" not in page.content.decode()
    assert 'data-idle-seconds="900"' in page.content.decode()  # the staff timeout
    device = TOTPDevice.objects.get(user=admin)
    response = client.post(TWO_FACTOR, {"token": code_for(device)})

    assert response.url == reverse("admin:index")
