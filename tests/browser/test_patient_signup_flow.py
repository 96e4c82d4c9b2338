"""A patient creates an account from a clinic's page, confirms the e-mail, and resets a forgotten password."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import UserFactory, make_clinic

PASSWORD = "amber kettle winter 58"
NEW_PASSWORD = "quiet meadow copper 77"


def path_in(body: str, prefix: str) -> str:
    return re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body).group(1)


@pytest.mark.django_db(transaction=True)
def test_patient_signs_up_from_a_clinic_page_and_confirms_the_e_mail(live_server, page, screenshot, mailoutbox):
    clinic = make_clinic(name="Cedar Ketamine Clinic")

    page.goto(f"{live_server.url}{reverse('account:signup')}?clinic={clinic.slug}")
    expect(page.get_by_text("You are applying to Cedar Ketamine Clinic")).to_be_visible()
    screenshot(page, "account-sign-up")
    page.get_by_label("E-mail").fill("jamie@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill("a different one")
    page.get_by_role("button", name="Create account").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.get_by_label("E-mail").input_value() == "jamie@example.org"
    screenshot(page, "account-sign-up-errors")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_password2")).to_be_focused()
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    screenshot(page, "account-verify-email-sent")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_text("Please confirm your e-mail.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "account-verify-email-banner")

    assert len(mailoutbox) == 1
    assert "jamie" not in mailoutbox[0].body
    page.goto(live_server.url + path_in(mailoutbox[0].body, "/account/confirm-email/"))
    expect(page.get_by_role("heading", name="Thank you, your e-mail is confirmed")).to_be_visible()
    expect(page.get_by_text("Please confirm your e-mail.")).to_have_count(0)
    screenshot(page, "account-verify-email-done")


@pytest.mark.django_db(transaction=True)
def test_patient_resets_a_forgotten_password(live_server, page, screenshot, mailoutbox):
    user = UserFactory(email="robin@example.org")

    page.goto(live_server.url + reverse("account:login"))
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    screenshot(page, "account-password-reset")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    screenshot(page, "account-password-reset-sent")

    page.goto(live_server.url + path_in(mailoutbox[0].body, "/account/password-reset/"))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    screenshot(page, "account-password-reset-confirm")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
    screenshot(page, "account-password-reset-complete")

    page.get_by_role("link", name="Sign in").last.click()
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
