"""A patient signs up, fills in the intake in a real Chromium, and sees each outcome.

Every step is checked with axe-core 4.14.1 (vendor/axe.min.js, from npm, MPL-2.0): no serious or critical
violations, at desktop and at 375 px; each step is also photographed at both widths
(test-artifacts/screenshots/intake-*.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from intake.models import IntakeDraft, IntakeSubmission
from screening.models import ReviewCase

from .conftest import PHONE
from .pages import (
    answer_about,
    answer_antidepressants,
    answer_care_team,
    answer_consent,
    answer_contact,
    answer_diagnoses,
    answer_getting_home,
    answer_health,
    answer_heart,
    answer_identity,
    answer_medications,
    answer_mental_health,
    answer_other_treatments,
    answer_payment,
    answer_phq9,
    answer_safety,
    answer_substances,
    answer_treatment,
    check,
    choose,
    next_page,
    sign_in,
    sign_up,
)

pytestmark = pytest.mark.django_db(transaction=True)


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
