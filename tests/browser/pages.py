"""What the browser tests do on a page: check it with axe-core, watch its console, sign in, and answer the intake
like a patient."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import factories
from tests.factories import current_code

from .conftest import DESKTOP, PHONE

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "a calm blue heron at dawn"  # what a patient chooses when signing up in the browser
_emails = itertools.count(1)


# --- checking a page ------------------------------------------------------------------------


def assert_accessible(page: Page, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation, at desktop and phone width."""
    # Judge the page at rest: no hover state under the pointer, no colour transition half-way.
    page.emulate_media(reduced_motion="reduce")
    page.mouse.move(0, 0)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through DevTools, so the page's Content-Security-Policy stays as strict as in production.
            page.evaluate(AXE.read_text() + "\n;true")
        violations = page.evaluate(
            """async () => {
                const results = await axe.run(document, {resultTypes: ['violations']});
                return results.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.id} (${v.impact}): ` +
                              v.nodes.map(n => `${n.target.join(' ')} ${n.failureSummary}`).join(', '));
            }"""
        )
        assert violations == [], f"{where} at {viewport['width']} px: {violations}"
        # Readable at 375 px: nothing wider than the screen.
        if viewport is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), where
    page.set_viewport_size(DESKTOP)


def check(page: Page, screenshot, name: str | None) -> None:
    assert_accessible(page, name or page.url)
    expect(page.get_by_role("link", name="Need help now?")).to_be_visible()
    if name:
        screenshot(page, f"intake-{name}")


# --- answering like a patient -----------------------------------------------------------------


def choose(scope, question: str, answer: str) -> None:
    scope.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def next_page(page: Page) -> None:
    page.get_by_role("button", name="Next", exact=True).click()
    page.wait_for_load_state()


def answer_identity(page: Page) -> None:
    page.get_by_label("Legal first name").fill("Alex")
    page.get_by_label("Legal last name").fill("Example")
    page.get_by_label("Street address").fill("12 Oak Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("ZIP code").fill("97205")


def answer_care_team(page: Page) -> None:
    emergency = page.get_by_role("group", name="Someone to call in an emergency")
    emergency.get_by_label("Their name").fill("Sam Example")
    emergency.get_by_label("How you know them").fill("partner")
    emergency.get_by_label("Their phone number").fill("(503) 555-0189")


def answer_payment(page: Page) -> None:
    choose(page, "How will you pay for treatment?", "I will pay myself (self-pay)")


def answer_about(page: Page, *, sex: str = "Female") -> None:
    answer_identity(page)
    page.get_by_label("Date of birth").fill("1985-03-27")
    choose(page, "Sex assigned at birth", sex)
    page.get_by_label("The state where you live").select_option(label="Oregon")
    page.get_by_label("Your weight (optional)").fill("150")
    answer_contact(page)


def answer_contact(page: Page) -> None:
    page.get_by_label("Mobile phone number").fill("(503) 555-0188")
    choose(page, "Best time to call you", "Evening (5 to 8)")
    choose(page, "If you do not answer, may the clinic leave a voicemail?", "No")
    choose(page, "May the clinic send you text messages about appointments?", "Yes")


def answer_diagnoses(page: Page) -> None:
    page.get_by_label("Depression (major depressive disorder)").check()
    choose(page, "Are you going through a period of depression now?", "Yes")


def answer_phq9(page: Page) -> None:
    for number in range(1, 10):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("More than half the days", exact=True).check()


def answer_safety(page: Page, *, urgent: bool) -> None:
    if urgent:
        choose(page, "1. Have you wished you were dead", "Yes")
        choose(page, "2. Have you actually had any thoughts of killing yourself?", "Yes")
        # Questions 3 to 5 appear only now.
        expect(page.get_by_role("group", name="3. Have you been thinking about how you might do this?")).to_be_visible()
        choose(page, "3. Have you been thinking about how you might do this?", "Yes")
        choose(page, "4. Have you had these thoughts and had some intention", "Yes")
        choose(page, "5. Have you started to work out", "No")
    else:
        choose(page, "1. Have you wished you were dead", "No")
        choose(page, "2. Have you actually had any thoughts of killing yourself?", "No")
        expect(page.get_by_role("group", name="3. Have you been thinking about how you might do this?")).to_be_hidden()
    choose(page, "6. Have you ever done anything", "No")
    expect(page.get_by_role("group", name="7. Was this within the past 3 months?")).to_be_hidden()


def fill_trial(row, drug: str, dose: str, weeks: str, improvement: str) -> None:
    row.get_by_label("Name of the antidepressant").fill(drug)
    row.get_by_label("Highest dose you took each day, in mg").fill(dose)
    row.get_by_label("How many weeks did you take that dose?").fill(weeks)
    choose(row, "Did you take it as prescribed, most days?", "Yes")
    choose(row, "How much did it help?", improvement)
    choose(row, "Did you take it during your current period of depression?", "Yes")


def answer_antidepressants(page: Page) -> None:
    first = page.get_by_role("group", name="Antidepressant 1", exact=True)
    fill_trial(first, "Zoloft", "100", "10", "It did not help, or helped only a little (less than a quarter better)")
    # Leaving the name field says how it was read (one request per changed name, not per keystroke).
    expect(first.get_by_text("“Zoloft” → sertraline (Zoloft), an antidepressant")).to_be_visible()
    page.get_by_role("button", name="Add another antidepressant").click()
    second = page.get_by_role("group", name="Antidepressant 2", exact=True)
    expect(second.get_by_label("Name of the antidepressant")).to_be_focused()
    fill_trial(second, "Wellbutrin XL", "300", "12", "It helped somewhat (about a quarter to a half better)")
    # A third row added by mistake and removed again.
    page.get_by_role("button", name="Add another antidepressant").click()
    page.get_by_role("group", name="Antidepressant 3", exact=True).get_by_label("Name of the antidepressant").fill(
        "oops"
    )
    page.get_by_role("button", name="Remove antidepressant 3").click()
    expect(page.get_by_role("group", name="Antidepressant 3", exact=True)).to_be_hidden()


def answer_treatment(page: Page) -> None:
    choose(page, "Have you had ketamine or esketamine", "No")


def answer_other_treatments(page: Page) -> None:
    page.get_by_label("About how many months has this period of depression lasted?").fill("14")
    page.get_by_label("Cognitive behavioural therapy (CBT)").check()
    page.get_by_label("About how many months of talking therapy altogether?").fill("6")
    # The follow-up questions appear only after a "Yes" (with JavaScript; without it they all show).
    sessions = page.get_by_label("If you had ECT: about how many sessions?")
    expect(sessions).to_be_hidden()
    choose(page, "Have you had electroconvulsive therapy (ECT)?", "Yes")
    expect(sessions).to_be_visible()
    choose(page, "Have you had electroconvulsive therapy (ECT)?", "No")
    expect(sessions).to_be_hidden()
    choose(page, "Have you had transcranial magnetic stimulation (TMS)?", "No")
    choose(page, "Has a doctor ever added another medicine to an antidepressant", "No")


def answer_mental_health(page: Page, *, mania: str = "No") -> None:
    choose(page, "Have you ever had psychosis?", "No, never")
    choose(page, "Has a doctor ever told you that you have schizophrenia", "No")
    choose(page, "Have you ever had a period of mania or hypomania?", mania)


def answer_heart(page: Page) -> None:
    choose(page, "Do you have high blood pressure?", "No")
    page.get_by_label("Top number (systolic)").fill("122")
    page.get_by_label("Bottom number (diastolic)").fill("78")
    for question in (
        "Do you have heart disease",
        "Do you have an irregular heartbeat",
        "Have you ever had a stroke",
        "Have you ever been told you have an aneurysm",
        "Have you ever had bleeding in the brain?",
    ):
        choose(page, question, "No")


def answer_health(page: Page, *, pregnant: str = "No") -> None:
    for question in (
        "Do you have epilepsy",
        "Have you had a serious head injury",
        "Do you have glaucoma",
        "Do you have liver disease",
        "Do you have a bladder",
        "Do you have an overactive thyroid",
        "Have you ever had an allergic reaction to ketamine",
    ):
        choose(page, question, "No")
    choose(page, "Are you pregnant, or could you be?", pregnant)
    choose(page, "Are you breastfeeding?", "No")


def answer_medications(page: Page) -> None:
    row = page.get_by_role("group", name="Medicine 1", exact=True)
    row.get_by_label("Name of the medicine").fill("Synthroid")
    row.get_by_label("How much, and how often (optional)").fill("50 mcg every morning")


def answer_substances(page: Page) -> None:
    page.get_by_label("About how many alcoholic drinks").fill("2")
    choose(page, "Have you ever had a problem with alcohol or drug use?", "No")
    choose(page, "Have you ever used ketamine outside of medical treatment", "No, never")
    choose(page, "Do you use cannabis (marijuana) now?", "No")
    choose(page, "Do you use stimulants that were not prescribed", "No")
    choose(page, "Do you use opioids that were not prescribed", "No")


def answer_getting_home(page: Page) -> None:
    choose(page, "Will someone be able to take you home", "Yes")


def answer_consent(page: Page) -> None:
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I agree that the clinic may contact me").check()
    page.get_by_label("Type your full name to sign").fill("Alex Example")


def sign_up(page: Page, live_server, clinic, screenshot=None) -> str:
    email = f"patient{next(_emails)}@example.org"
    page.goto(f"{live_server.url}/clinics/{clinic.slug}/")
    page.get_by_role("link", name="Start your intake").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("link", name="Continue").click()
    # They open the confirmation e-mail's link (tested with the accounts); the reminder banner goes away.
    get_user_model().objects.filter(email=email).update(email_verified=True)
    page.reload()
    expect(page.get_by_role("heading", name="Start your intake with Harbor Ketamine Clinic")).to_be_visible()
    if screenshot:
        check(page, screenshot, "00-dashboard-start")
    page.get_by_role("button", name="Start").click()
    return email


def sign_in(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


# --- staff and patients made by tests.factories ---------------------------------------------


def staff_sign_in(page: Page, live_server, user, next_path: str) -> None:
    """A staff member made by tests.factories signs in with password and authenticator code."""
    page.goto(f"{live_server.url}/account/sign-in/?next={next_path}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()


def patient_sign_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next=/patient/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def look(page: Page, screenshot, name: str) -> None:
    """axe-core on the page, then its photographs (review-<name>)."""
    assert_accessible(page, name)
    screenshot(page, f"review-{name}")


def staff_sign_in_and_wait(page: Page, live_server, user, next_path: str, *, second_factor: bool = True) -> None:
    """Sign a staff member in (with the second factor unless told not to) and wait for `next_path`."""
    page.goto(f"{live_server.url}{reverse('account:login')}?next={next_path}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if second_factor:
        page.get_by_label("6-digit code from your authenticator app").fill(current_code(user))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**{next_path}")


def watch_console(page) -> list[str]:
    """Collect script errors and Content-Security-Policy violations (a missing favicon is not one)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def fill_sign_in(page, email: str, password: str) -> None:
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
