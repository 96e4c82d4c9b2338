"""Automatic sign-out (staff 15 minutes, patients 30, 12 hours at most), keepalive, sign-out everywhere."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinics.models import Membership, Role
from clinics.services import membership_deactivate
from core.models import AuditEvent
from core.services import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from tests.factories import PASSWORD, UserFactory, login_staff, make_clinic, make_staff

SECURITY = "/account/security/"


def patient_client(client) -> tuple[Client, object]:
    user = UserFactory()
    response = client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client, user


def staff_client(client):
    staff = make_staff(make_clinic())
    login_staff(client, staff)
    assert client.get(SECURITY).status_code == 200  # starts the session clocks
    return client, staff


def shift(client, *, idle: timedelta | None = None, age: timedelta | None = None) -> None:
    """Pretend the last request was `idle` ago and the session started `age` ago."""
    session = client.session
    now = timezone.now().timestamp()
    if idle is not None:
        session[SESSION_LAST_ACTIVITY_KEY] = now - idle.total_seconds()
    if age is not None:
        session[SESSION_STARTED_KEY] = now - age.total_seconds()
    session.save()


def assert_signed_out_to_login(response, next_path: str) -> None:
    assert response.status_code == 302
    assert response.url == f"{reverse('account:login')}?next={next_path}"


@pytest.mark.django_db
def test_staff_are_signed_out_after_15_minutes_without_activity(client):
    client, staff = staff_client(client)

    shift(client, idle=timedelta(minutes=14, seconds=50))
    assert client.get(SECURITY).status_code == 200
    shift(client, idle=timedelta(minutes=15, seconds=1))
    response = client.get(SECURITY)

    assert_signed_out_to_login(response, SECURITY)
    assert SESSION_KEY not in client.session
    page = client.get(response.url).content.decode()
    assert (
        "You were signed out after 15 minutes without activity. Sign in to continue; nothing you saved is lost." in page
    )
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.actor_id == staff.pk
    assert event.detail == {"reason": "idle", "minutes": 15}


@pytest.mark.django_db
def test_patients_are_signed_out_after_30_minutes_without_activity(client):
    client, _ = patient_client(client)

    shift(client, idle=timedelta(minutes=29))
    assert client.get(SECURITY).status_code == 200
    shift(client, idle=timedelta(minutes=30, seconds=1))
    response = client.get(SECURITY)

    assert_signed_out_to_login(response, SECURITY)
    assert "after 30 minutes without activity" in client.get(response.url).content.decode()


@pytest.mark.django_db
def test_the_idle_time_is_configurable(client, settings):
    settings.STAFF_IDLE_TIMEOUT = timedelta(minutes=5)
    client, _ = staff_client(client)

    shift(client, idle=timedelta(minutes=5, seconds=1))

    assert client.get(SECURITY).status_code == 302


@pytest.mark.django_db
def test_every_request_counts_as_activity(client):
    client, _ = patient_client(client)
    for _ in range(3):
        shift(client, idle=timedelta(minutes=20))
        assert client.get(SECURITY).status_code == 200


@pytest.mark.django_db
def test_sessions_end_after_the_absolute_lifetime_however_active(client):
    client, _ = patient_client(client)

    shift(client, idle=timedelta(seconds=5), age=timedelta(hours=11, minutes=59))
    assert client.get(SECURITY).status_code == 200
    shift(client, idle=timedelta(seconds=5), age=timedelta(hours=12, seconds=1))
    response = client.get(SECURITY)

    assert_signed_out_to_login(response, SECURITY)
    assert "signed in for 12 hours" in client.get(response.url).content.decode()
    assert AuditEvent.objects.get(action="auth.session_expired").detail == {"reason": "absolute", "minutes": 720}


@pytest.mark.django_db
def test_keepalive_extends_the_session(client):
    client, _ = patient_client(client)
    shift(client, idle=timedelta(minutes=29))

    response = client.post(reverse("account:keepalive"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {"signed_in": True, "idle_seconds": 1800}
    assert timezone.now().timestamp() - client.session[SESSION_LAST_ACTIVITY_KEY] < 5
    shift(client, idle=timedelta(minutes=29))  # another 29 minutes later: still signed in
    assert client.get(SECURITY).status_code == 200


@pytest.mark.django_db
def test_keepalive_after_expiry_answers_401_in_json(client):
    client, _ = patient_client(client)
    shift(client, idle=timedelta(minutes=31))

    response = client.post(reverse("account:keepalive"), HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response.json() == {"signed_in": False}
    # The explanation waits for the sign-in page the browser goes to next.
    assert "without activity" in client.get(reverse("account:login")).content.decode()


@pytest.mark.django_db
def test_keepalive_is_post_only_and_needs_csrf(client):
    client, _ = patient_client(client)
    assert client.get(reverse("account:keepalive")).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(reverse("account:keepalive")).status_code == 403


@pytest.mark.django_db
def test_keepalive_for_nobody_is_401(client):
    assert client.post(reverse("account:keepalive")).status_code == 401


@pytest.mark.django_db
def test_an_expired_session_on_the_sign_in_page_just_shows_it(client):
    client, _ = patient_client(client)
    shift(client, idle=timedelta(minutes=31))

    response = client.get(reverse("account:login") + "?next=/account/security/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "after 30 minutes without activity" in html
    assert 'name="next" value="/account/security/"' in html


@pytest.mark.django_db
def test_pages_tell_the_browser_the_idle_time_and_the_csrf_token(client):
    assert "data-idle-seconds" not in client.get("/").content.decode()

    client, _ = patient_client(client)
    patient_html = client.get("/").content.decode()
    assert 'data-idle-seconds="1800"' in patient_html
    assert f'data-keepalive-url="{reverse("account:keepalive")}"' in patient_html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', patient_html)
    assert '<script src="/static/js/session.js"></script>' in patient_html

    staff_http = Client()
    staff_client(staff_http)
    assert 'data-idle-seconds="900"' in staff_http.get("/").content.decode()


@pytest.mark.django_db
def test_sign_out_everywhere_ends_the_session_in_another_browser(client):
    user = UserFactory()
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})
        assert device.get(SECURITY).status_code == 200

    page = laptop.get(SECURITY).content.decode()
    assert "Sign out everywhere" in page
    response = laptop.post(reverse("account:sign_out_everywhere"))

    assert response.status_code == 302
    assert SESSION_KEY not in laptop.session
    assert phone.get(SECURITY).status_code == 302
    assert laptop.get(SECURITY).status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out_everywhere", actor=user).count() == 1
    # Signing in again works as usual.
    again = phone.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})
    assert again.status_code == 302
    assert phone.get(SECURITY).status_code == 200


@pytest.mark.django_db
def test_sign_out_everywhere_is_post_only(client):
    client, _ = patient_client(client)

    assert client.get(reverse("account:sign_out_everywhere")).status_code == 405


@pytest.mark.django_db
def test_deactivating_a_member_ends_their_existing_session(client):
    clinic = make_clinic()
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    member = make_staff(clinic, Role.COORDINATOR)
    login_staff(client, member)
    assert client.get(reverse("clinics:staff_home")).status_code == 200

    membership_deactivate(membership=Membership.objects.get(user=member), actor=admin)
    response = client.get(reverse("clinics:staff_home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account:login"))
    assert client.get(SECURITY).status_code == 302


@pytest.mark.django_db
def test_the_account_page_shows_the_session_rules(client):
    client, staff = staff_client(client)

    html = client.get(SECURITY).content.decode()

    assert staff.email in html
    assert "After 15 minutes without activity, and after 12 hours in any case" in html
    assert "Set up" in html
