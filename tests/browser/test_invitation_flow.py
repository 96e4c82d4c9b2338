"""An invited staff member opens the e-mailed link, sets a password and enrols an authenticator."""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from clinics.models import Role
from clinics.services import invitation_create
from core.views_auth import staff_home_url
from tests.factories import make_clinic, make_staff

PASSWORD = "violet lantern harbour 42"


def code_from_secret(secret: str) -> str:
    """What the person's authenticator app computes from the key shown on the page."""
    key = b32decode(secret.replace(" ", ""))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


@pytest.mark.django_db(transaction=True)
def test_invited_user_sets_a_password_and_enrols_a_second_factor(live_server, page, screenshot, mailoutbox):
    clinic = make_clinic(name="Cedar Ketamine Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    invitation_create(clinic=clinic, email="sam.ortiz@example.org", role=Role.COORDINATOR, invited_by=admin)
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/account/invitation/\S+/)", mailoutbox[0].body).group(1)

    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", name="Join Cedar Ketamine Clinic")).to_be_visible()
    screenshot(page, "account-invitation-accept")
    page.get_by_label("Your full name").fill("Sam Ortiz")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()

    page.wait_for_url("**" + reverse("account:two_factor") + "**")
    expect(page.get_by_role("heading", name="Set up your sign-in code")).to_be_visible()
    qr = page.locator(".qr-code svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150  # large enough to scan from a screen
    screenshot(page, "account-two-factor-enrol")
    secret = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("6-digit code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Confirm and continue").click()

    page.wait_for_url(live_server.url + staff_home_url())
    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()
    expect(page.get_by_role("link", name="Staff")).to_be_visible()
    screenshot(page, "account-invitation-staff-home")

    page.goto(live_server.url + link)  # the link works once
    expect(page.get_by_role("heading", name="This invitation link cannot be used")).to_be_visible()
    screenshot(page, "account-invitation-invalid")
