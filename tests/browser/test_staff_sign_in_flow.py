"""Staff sign in with password and a code from their authenticator; the lockout; the idle warning."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clinics.models import Role
from core.views_auth import staff_home_url
from tests.factories import PASSWORD, UserFactory, current_code, make_clinic, make_staff

from .pages import fill_sign_in, watch_console

NOTE = "Slept badly since the new dose; mornings are the worst."


@pytest.mark.django_db(transaction=True)
def test_staff_member_signs_in_with_password_and_totp_code(live_server, page, screenshot):
    staff = make_staff(make_clinic(name="Cedar Ketamine Clinic"), Role.PSYCHIATRIST, full_name="Priya Raman")
    errors = watch_console(page)

    page.goto(live_server.url + reverse("account:login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "account-sign-in")
    fill_sign_in(page, staff.email, PASSWORD)

    page.wait_for_url("**" + reverse("account:two_factor") + "**")
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    screenshot(page, "account-two-factor-verify")
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(staff))
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(live_server.url + staff_home_url())
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(live_server.url + reverse("account:security"))
    expect(page.get_by_role("heading", name="Your account and sessions")).to_be_visible()
    assert page.locator("body").get_attribute("data-idle-seconds") == "900"
    screenshot(page, "account-security")
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_five_wrong_passwords_show_the_lockout_message(live_server, page, screenshot):
    user = UserFactory(email="locked.out@example.org")
    page.goto(live_server.url + reverse("account:login"))

    fill_sign_in(page, user.email, "not my password 1")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.locator("#id_username").input_value() == user.email  # kept; the password is not
    assert page.locator("#id_password").input_value() == ""
    screenshot(page, "account-sign-in-error")
    for attempt in range(2, 6):
        fill_sign_in(page, user.email, f"not my password {attempt}")

    heading = page.get_by_role("heading", name="Signing in is paused for 15 minutes")
    expect(heading).to_be_visible()
    expect(page.get_by_role("link", name="Reset my password")).to_be_visible()
    screenshot(page, "account-locked-out")

    page.goto(live_server.url + reverse("account:login"))
    fill_sign_in(page, user.email, PASSWORD)  # the right password is refused until the wait is over
    expect(page.get_by_role("heading", name="Signing in is paused for 15 minutes")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_minute_before_sign_out_a_warning_offers_to_stay_signed_in(live_server, page, screenshot, settings):
    settings.PATIENT_IDLE_TIMEOUT = timedelta(seconds=64)  # the warning comes after about 4 seconds
    user = UserFactory()
    errors = watch_console(page)
    page.goto(live_server.url + reverse("account:login"))
    fill_sign_in(page, user.email, PASSWORD)
    page.goto(live_server.url + reverse("account:security"))

    warning = page.get_by_role("alertdialog")
    warning.wait_for(state="visible", timeout=10_000)
    assert "You will be signed out in 60 seconds for your privacy." in warning.inner_text()
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()  # focus moved to the warning
    screenshot(page, "account-session-warning")

    with page.expect_response(lambda r: r.url.endswith(reverse("account:keepalive"))) as keepalive:
        page.keyboard.press("Enter")
    assert keepalive.value.status == 200
    warning.wait_for(state="detached")
    page.reload()
    expect(page.get_by_role("heading", name="Your account and sessions")).to_be_visible()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_when_time_runs_out_what_was_typed_comes_back_after_signing_in(live_server, page, screenshot, settings):
    settings.PATIENT_IDLE_TIMEOUT = timedelta(seconds=8)
    user = UserFactory()
    # Stand-in for an intake page: a form on a signed-in page (built before session.js restores values).
    page.add_init_script(
        """
        document.addEventListener("DOMContentLoaded", function () {
          if (location.pathname !== "__PATH__") { return; }
          var form = document.createElement("form");
          form.innerHTML = '<label for="note">How have you been?</label>' +
            '<textarea id="note" name="note" class="form-control"></textarea>' +
            '<input type="password" name="secret_word">';
          document.querySelector("main .container").appendChild(form);
        });
        """.replace("__PATH__", reverse("account:security"))
    )
    page.goto(live_server.url + reverse("account:login"))
    fill_sign_in(page, user.email, PASSWORD)
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("account:security"))
    page.locator("#note").fill(NOTE)
    page.locator("input[name=secret_word]").fill("hunter2")

    page.wait_for_url("**" + reverse("account:login") + "?next=*", timeout=20_000)
    expect(page.get_by_text("without activity. Sign in to continue; nothing you saved is lost.")).to_be_visible()
    screenshot(page, "account-signed-out-idle")
    settings.PATIENT_IDLE_TIMEOUT = timedelta(minutes=30)
    fill_sign_in(page, user.email, PASSWORD)

    page.wait_for_url(live_server.url + reverse("account:security"))
    assert page.locator("#note").input_value() == NOTE
    assert page.locator("input[name=secret_word]").input_value() == ""  # passwords are never kept
    expect(page.locator("[data-restored-note]")).to_be_visible()
    stored = page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('ketamine.unsaved:'))")
    assert stored == []  # restored once, then forgotten
