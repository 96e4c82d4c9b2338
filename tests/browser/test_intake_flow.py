"""A patient signs up, fills in the intake in a real Chromium, and sees each outcome.

Every step is checked with axe-core 4.14.1 (vendor/axe.min.js, from npm, MPL-2.0): no serious or critical
violations, at desktop and at 375 px; each step is also photographed at both widths
(test-artifacts/screenshots/intake-*.png).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from clinics.models import Role
from intake.models import IntakeDraft, IntakeSubmission
from screening.models import ReviewCase
from tests.factories import make_clinic, make_staff

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "a calm blue heron at dawn"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
_emails = itertools.count(1)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinic():
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    make_staff(clinic, Role.PSYCHIATRIST)
    make_staff(clinic, Role.COORDINATOR)
    return clinic


@pytest.fixture
def csp_errors(page: Page) -> list[str]:
    """Messages of any Content-Security-Policy violation on the pages (there must be none)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


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


def step_heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


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


def complete_intake(page: Page, *, outcome: str, screenshot=None, audit: bool = False) -> None:
    """Answer every step (each checked with axe when `audit`), up to the review page."""

    def done(name: str) -> None:
        if audit:
            check(page, screenshot, name)
        next_page(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    answer_about(page)
    done("01-about")
    answer_care_team(page)
    done("01b-care-team")
    answer_payment(page)
    done("01c-payment")
    answer_diagnoses(page)
    done("02-diagnoses")
    answer_phq9(page)
    done("03-phq9")
    answer_safety(page, urgent=outcome == "urgent")
    done("04-safety")
    if outcome == "urgent":
        # At once, before anything else: how to get help now, and that the clinic will be in touch.
        expect(page.get_by_role("heading", level=1)).to_have_text("Please reach out now")
        expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
        expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
        expect(page.get_by_text("will contact you").first).to_be_visible()
        check(page, screenshot, "04b-reach-out" if screenshot else None)
        page.get_by_role("link", name="Continue my intake").click()
    answer_antidepressants(page)
    done("05-antidepressants")
    answer_treatment(page)
    done("06-treatment")
    answer_other_treatments(page)
    done("06b-other-treatments")
    answer_mental_health(page, mania="Yes" if outcome == "needs_review" else "No")
    done("07-mental-health")
    answer_heart(page)
    done("08-heart")
    answer_health(page, pregnant="Yes" if outcome == "ineligible" else "No")
    done("09-health")
    answer_medications(page)
    done("10-medications")
    answer_substances(page)
    done("11-substances")
    answer_getting_home(page)
    done("12-getting-home")
    answer_consent(page)
    done("13-consent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    if audit:
        check(page, screenshot, "14-review")


# --- the flows --------------------------------------------------------------------------------


def test_eligible_patient_signs_up_completes_every_step_and_is_told_a_coordinator_will_call(
    live_server, page, clinic, screenshot, csp_errors
):
    sign_up(page, live_server, clinic, screenshot)

    complete_intake(page, outcome="eligible", screenshot=screenshot, audit=True)
    review = page.locator("main").inner_text()
    assert "Zoloft" in review and "Wellbutrin XL" in review and "oops" not in review
    page.get_by_role("button", name="Send my answers to Harbor Ketamine Clinic").dblclick()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Your answers were sent to Harbor Ketamine Clinic")
    expect(page.get_by_text("A care coordinator from Harbor Ketamine Clinic will call you")).to_be_visible()
    check(page, screenshot, "15-result-eligible")
    assert IntakeSubmission.objects.count() == 1
    document = IntakeSubmission.objects.get().document
    assert [t["drug"] for t in document["antidepressant_trials"]] == ["Zoloft", "Wellbutrin XL"]
    assert document["patient"]["weight_kg"] == 68.0

    page.go_back()  # the Back button cannot send it twice or reopen it
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your answers were sent")
    page.get_by_role("link", name="Back to your intake page").click()
    expect(page.get_by_text("Next: a call from the clinic")).to_be_visible()
    check(page, screenshot, "16-dashboard")
    assert IntakeSubmission.objects.count() == 1
    assert csp_errors == []


def test_needs_review_patient_is_told_a_psychiatrist_will_review(live_server, page, clinic, screenshot):
    sign_up(page, live_server, clinic)
    complete_intake(page, outcome="needs_review")

    page.get_by_role("button", name="Send my answers to Harbor Ketamine Clinic").click()

    expect(page.get_by_text("A psychiatrist at Harbor Ketamine Clinic will review your answers")).to_be_visible()
    expect(page.get_by_text("within two working days")).to_be_visible()
    check(page, screenshot, "15-result-needs-review")
    assert ReviewCase.objects.get().priority == "routine"


def test_ineligible_patient_reads_why_kindly_and_what_to_do_instead(live_server, page, clinic, screenshot):
    sign_up(page, live_server, clinic)
    complete_intake(page, outcome="ineligible")

    page.get_by_role("button", name="Send my answers to Harbor Ketamine Clinic").click()

    main = page.locator("main")
    expect(main).to_contain_text("cannot offer ketamine treatment at the moment")
    expect(main).to_contain_text("Ketamine is not given during pregnancy")
    expect(main).to_contain_text("What you can do instead")
    expect(main.get_by_role("link", name="988")).to_be_visible()
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", main.inner_text()), "no rule codes for patients"
    check(page, screenshot, "15-result-ineligible")


def test_urgent_patient_sees_the_crisis_page_at_once_and_again_before_the_result(live_server, page, clinic, screenshot):
    sign_up(page, live_server, clinic)
    complete_intake(page, outcome="urgent", screenshot=screenshot, audit=False)

    page.get_by_role("button", name="Send my answers to Harbor Ketamine Clinic").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Please reach out now")
    expect(page.get_by_role("link", name="Call 988")).to_be_visible()
    expect(page.get_by_text("has been alerted and will contact you")).to_be_visible()
    check(page, screenshot, "15-result-urgent-help")
    page.get_by_role("link", name="See your next step").click()
    expect(page.get_by_text("a member of the clinic's team will contact you soon")).to_be_visible()
    check(page, screenshot, "15-result-urgent")
    assert ReviewCase.objects.get().priority == "urgent"


def test_stop_half_way_sign_out_sign_in_and_resume_with_every_answer_kept(live_server, page, clinic):
    email = sign_up(page, live_server, clinic)
    answer_about(page)
    next_page(page)
    answer_care_team(page)
    next_page(page)
    answer_payment(page)
    next_page(page)
    answer_diagnoses(page)
    next_page(page)
    answer_phq9(page)
    next_page(page)
    answer_safety(page, urgent=False)
    next_page(page)
    answer_antidepressants(page)
    next_page(page)
    answer_treatment(page)
    next_page(page)
    answer_other_treatments(page)
    next_page(page)
    # Half-way through a page: one question answered, then "Save and finish later".
    choose(page, "Have you ever had psychosis?", "Yes, in the past")
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, email)
    page.get_by_role("link", name=re.compile("Continue where you left off")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your mental-health history")
    expect(
        page.get_by_role("group", name="Have you ever had psychosis?").get_by_label("Yes, in the past")
    ).to_be_checked()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Other treatments tried")
    expect(page.get_by_label("About how many months has this period of depression lasted?")).to_have_value("14")
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antidepressants you have taken")
    second = page.get_by_role("group", name="Antidepressant 2", exact=True)
    expect(second.get_by_label("Name of the antidepressant")).to_have_value("Wellbutrin XL")
    # Each name is read back beside its row, as screening will read it.
    expect(second.get_by_text("“Wellbutrin XL” → bupropion (Wellbutrin), an antidepressant")).to_be_visible()
    expect(page.get_by_role("group", name="Antidepressant 3", exact=True)).to_have_count(0)
    assert IntakeDraft.objects.count() == 1


def test_a_validation_error_keeps_the_answers_and_the_summary_takes_focus(live_server, page, clinic, screenshot):
    sign_up(page, live_server, clinic)
    answer_identity(page)
    page.get_by_label("Date of birth").fill("1985-03-27")
    page.get_by_label("The state where you live").select_option(label="Oregon")
    page.get_by_label("Your weight (optional)").fill("9000")
    answer_contact(page)

    next_page(page)

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Sex assigned at birth: Please choose an answer.")
    expect(page.get_by_label("Date of birth")).to_have_value("1985-03-27")
    expect(page.get_by_label("The state where you live")).to_have_value("OR")
    expect(page.get_by_label("Your weight (optional)")).to_have_value("9000")
    expect(page.get_by_label("Mobile phone number")).to_have_value("(503) 555-0188")
    check(page, screenshot, "01-about-errors")
    # The summary links take the keyboard to the question.
    summary.get_by_role("link", name=re.compile("Sex assigned at birth")).click()
    expect(page.get_by_label("Female")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_label("Your weight (optional)").fill("150")
    next_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Someone to call and your care team")


def test_keyboard_only_a_page_with_skip_logic_and_rows(live_server, page, clinic):
    sign_up(page, live_server, clinic)
    draft = IntakeDraft.objects.get()
    page.goto(f"{live_server.url}/patient/intake/{draft.pk}/safety/")

    first_yes = page.get_by_role("group", name="2. Have you actually had any thoughts").get_by_label("Yes", exact=True)
    first_yes.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("group", name="3. Have you been thinking about how you might do this?")).to_be_visible()
    page.keyboard.press("ArrowRight")  # radios move with the arrow keys: now "No"
    expect(page.get_by_role("group", name="3. Have you been thinking")).to_be_hidden()

    page.goto(f"{live_server.url}/patient/intake/{draft.pk}/medications/")
    add = page.get_by_role("button", name="Add another medicine")
    add.focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("group", name="Medicine 2", exact=True).get_by_label("Name of the medicine")
    ).to_be_focused()
    page.keyboard.type("Lamictal")
    page.keyboard.press("Enter")  # Enter in a text field submits with the form's first button: Next
    expect(page.get_by_role("heading", level=1)).to_have_text("Alcohol and other substances")
    page.get_by_role("button", name="Back").click()
    # The row left empty is gone; the one typed is kept.
    expect(page.get_by_role("group", name="Medicine 1", exact=True).get_by_label("Name of the medicine")).to_have_value(
        "Lamictal"
    )
    expect(page.get_by_role("group", name="Medicine 2", exact=True)).to_have_count(0)


def test_without_javascript_every_question_shows_with_guidance_and_rows_still_work(live_server, browser, clinic):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_up(page, live_server, clinic)
        draft = IntakeDraft.objects.get()
        page.goto(f"{live_server.url}/patient/intake/{draft.pk}/safety/")
        expect(page.get_by_role("group", name="3. Have you been thinking about how you might do this?")).to_be_visible()
        expect(page.get_by_text("Answer questions 3 to 5 only if you answered “Yes” to question 2.")).to_be_visible()

        page.goto(f"{live_server.url}/patient/intake/{draft.pk}/medications/")
        page.get_by_role("group", name="Medicine 1", exact=True).get_by_label("Name of the medicine").fill("Xanax")
        page.get_by_role("button", name="Add another medicine").click()
        expect(page.get_by_role("group", name="Medicine 2", exact=True)).to_be_visible()
        expect(
            page.get_by_role("group", name="Medicine 1", exact=True).get_by_label("Name of the medicine")
        ).to_have_value("Xanax")
        page.get_by_role("group", name="Medicine 1", exact=True).get_by_label(
            re.compile("Remove this medicine")
        ).check()
        page.get_by_role("group", name="Medicine 2", exact=True).get_by_label("Name of the medicine").fill("Ambien")
        page.get_by_role("button", name="Next", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Alcohol and other substances")
        assert IntakeDraft.objects.get().answers["medications"]["medications-rows-0-name"] == ["Ambien"]
    finally:
        context.close()
