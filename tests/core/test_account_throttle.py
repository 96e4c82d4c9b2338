"""Credential stuffing and distributed guessing: failures for one account count from every address.

Past ACCOUNT_FAILURE_LIMIT (10) wrong passwords in the window, signing in to that account pauses for the
cool-off whatever the address (the right password included), the owner gets a one-click unlock e-mail, and
a staff account's clinic admins are told. A stranger can never keep the owner out longer than the cool-off.
"""

import http.client
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from clinics.models import Role
from core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, make_clinic, make_staff

pytestmark = pytest.mark.django_db


def _sign_in(client, email: str, password: str, address: str):
    return client.post(reverse("account:login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def _unlock_link(message) -> str:
    return re.search(r"http://\S+/account/unlock/\S+/", message.body).group(0)


def test_ten_failures_from_ten_addresses_pause_the_account_even_for_the_right_password(client):
    user = UserFactory(email="pat@example.org")

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = [_sign_in(client, user.email, f"guess {i}", f"203.0.113.{i}") for i in range(1, 11)]
    then = _sign_in(client, user.email, PASSWORD, "203.0.113.77")

    assert [r.status_code for r in first[:9]] == [200] * 9  # no address reached its own limit (5)
    assert first[9].status_code == 429 and "Signing in to this account is paused for 15 minutes" in first[9].text
    assert then.status_code == 429 and client.session.get("_auth_user_id") is None
    assert AuditEvent.objects.filter(action="auth.account_locked", object_id=str(user.pk)).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pat@example.org"]
    assert mail.outbox[0].subject == "Signing in to your account was paused"
    assert "/account/unlock/" in mail.outbox[0].body


def test_the_owner_unlocks_with_one_click_from_the_email(client):
    user = UserFactory()
    with TestCase.captureOnCommitCallbacks(execute=True):
        for i in range(10):
            _sign_in(client, user.email, f"guess {i}", f"198.51.100.{i}")
    link = _unlock_link(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")

    page = client.get(link)
    assert page.status_code == 200 and "Unlock my account" in page.text  # a GET changes nothing
    assert _sign_in(client, user.email, PASSWORD, "198.51.100.200").status_code == 429

    assert client.post(link).status_code == 302
    assert AuditEvent.objects.filter(action="auth.account_unlocked", object_id=str(user.pk)).exists()
    assert _sign_in(client, user.email, PASSWORD, "198.51.100.200").status_code == 302
    client.logout()
    assert client.post(link).status_code == 400  # the link was for that pause only


def test_a_stranger_cannot_keep_the_owner_out_longer_than_the_cool_off(client, settings):
    settings.ACCOUNT_LOCK_TIME = timedelta(seconds=2)
    user = UserFactory()
    for i in range(10):
        _sign_in(client, user.email, f"guess {i}", f"192.0.2.{i}")
    from core.models import AccountThrottle

    paused_until = AccountThrottle.objects.get(user=user).locked_until
    for i in range(5):  # the guessing goes on during the pause: it is not extended
        assert _sign_in(client, user.email, f"more {i}", f"192.0.2.{100 + i}").status_code == 429
    assert AccountThrottle.objects.get(user=user).locked_until == paused_until

    time.sleep(2.1)
    assert _sign_in(client, user.email, PASSWORD, "192.0.2.250").status_code == 302


def test_a_staff_accounts_clinic_admins_are_told(client):
    clinic = make_clinic(name="Cedar Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, email="admin@cedar.example")
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST, email="doc@cedar.example", full_name="Dr Doe")

    with TestCase.captureOnCommitCallbacks(execute=True):
        for i in range(10):
            _sign_in(client, psychiatrist.email, f"guess {i}", f"203.0.113.{i}")

    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {("doc@cedar.example",), ("admin@cedar.example",)}
    notice = by_recipient[("admin@cedar.example",)]
    assert "Dr Doe" in notice.body and "paused for 15 minutes" in notice.body
    assert admin.notifications.filter(kind="account.staff_locked").count() == 1


def test_failures_for_an_unknown_address_pause_nothing(client):
    for i in range(12):
        response = _sign_in(client, "nobody@example.org", f"guess {i}", f"203.0.113.{i}")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="auth.account_locked").exists()


@pytest.mark.django_db(transaction=True)
def test_on_a_real_server_twelve_loopback_addresses_cannot_guess_one_account(live_server):
    """Real connections from 127.0.0.2 ... 127.0.0.13 (every 127/8 address is this machine)."""
    user = UserFactory(email="loop@example.org")
    host, port = live_server.url.removeprefix("http://").split(":")

    def attempt(source: str, password: str) -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
        connection.request("GET", "/account/sign-in/")
        page = connection.getresponse()
        html = page.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
        body = urlencode({"username": user.email, "password": password, "csrfmiddlewaretoken": token})
        connection.request(
            "POST",
            "/account/sign-in/",
            body=body,
            headers={"Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    statuses = [attempt(f"127.0.0.{i}", f"guess {i}") for i in range(2, 14)]

    assert statuses == [200] * 9 + [429] * 3
    assert attempt("127.0.0.99", PASSWORD) == 429
    addresses = set(AuditEvent.objects.filter(action="auth.sign_in_failed").values_list("ip_address", flat=True))
    assert {f"127.0.0.{i}" for i in range(2, 14)} <= addresses
