"""A new patient gives who they are once in the intake (name, address, emergency contact, care team, payment) and
finds it on /account/; a returning patient starts from their earlier answers and confirms each page.

Each new or changed page is photographed at 1280 and 390 px (SHOTS_DIR, default /tmp/shots/record) for a person
to look at, and checked with axe-core like the rest of the intake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.models import PatientProfile
from intake import steps
from intake.models import IntakeDraft
from tests.factories import UserFactory
from tests.intake.submissions import send, staffed_clinic

from .pages import (
    answer_contact,
    answer_diagnoses,
    answer_identity,
    assert_accessible,
    choose,
    next_page,
    sign_in,
    sign_up,
)

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/record"))
PASSWORD = "a calm blue heron at dawn"


@pytest.fixture
def clinic():
    return staffed_clinic()


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at desktop and phone width, after an accessibility check."""
    assert_accessible(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_a_new_patient_gives_their_record_once_and_finds_it_on_their_account(live_server, page, clinic):
    sign_up(page, live_server, clinic)
    heading(page, "About you")
    expect(page.locator("#step-count")).to_have_text(f"Step 1 of {steps.PAGE_COUNT}")
    answer_identity(page)
    page.get_by_label("The name you like to be called (optional)").fill("Lex")
    page.get_by_label("Your pronouns (optional)").fill("they/them")
    page.get_by_label("Date of birth").fill("1985-03-27")
    choose(page, "Sex assigned at birth", "Intersex")
    page.get_by_label("The state where you live").select_option(label="Texas")
    answer_contact(page)
    next_page(page)
    # Texas is not served: said next to the question, and nothing typed is lost.
    refused = "Harbor Ketamine Clinic can only see patients who live in: Oregon, Washington"
    expect(page.get_by_text(refused)).to_have_count(2)  # in the summary and next to the question
    expect(page.get_by_label("Street address")).to_have_value("12 Oak Street")
    shoot(page, "01-about-wrong-state")
    page.get_by_label("The state where you live").select_option(label="Oregon")
    shoot(page, "01-about")
    next_page(page)

    heading(page, "Someone to call and your care team")
    emergency = page.get_by_role("group", name="Someone to call in an emergency")
    emergency.get_by_label("Their name").fill("Sam Rivers")
    emergency.get_by_label("How you know them").fill("partner")
    emergency.get_by_label("Their phone number").fill("503.555.0189")
    pcp = page.get_by_role("group", name="Your primary care clinician (optional)")
    pcp.get_by_label("Name").fill("Dr. Ana Lopez")
    pcp.get_by_label("Practice or clinic (optional)").fill("Eastside Family Medicine")
    pcp.get_by_label("Phone (optional)").fill("(503) 555-0150")
    prescriber = page.get_by_role("group", name="Your current prescriber or therapist (optional)")
    prescriber.get_by_label("Name").fill("Kim Park, LCSW")
    choose(page, "Did a doctor, therapist or other clinician refer you to the clinic?", "Yes")
    page.get_by_label("Who referred you?").fill("Dr. Ana Lopez")
    shoot(page, "02-care-team")
    next_page(page)

    heading(page, "Paying for treatment")
    choose(page, "How will you pay for treatment?", "Health insurance")
    page.get_by_label("Insurance company").fill("Aetna")
    next_page(page)
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Member ID: Please enter your member ID, as on your card.")
    expect(summary).to_contain_text("Whose plan is it?: Please say whose plan it is.")
    expect(page.get_by_label("Insurance company")).to_have_value("Aetna")
    shoot(page, "03-payment-errors")
    page.get_by_label("Member ID").fill("W123456789")
    page.get_by_label("Group number (if your card has one)").fill("G-42")
    choose(page, "Whose plan is it?", "Me")
    next_page(page)
    heading(page, "Your diagnoses")
    answer_diagnoses(page)
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    expect(page.get_by_text(f"4 of {steps.PAGE_COUNT} pages done")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    heading(page, "Your details")
    for field, value in (
        ("Legal first name", "Alex"),
        ("Legal last name", "Example"),
        ("The name you like to be called (optional)", "Lex"),
        ("Street address", "12 Oak Street"),
        ("ZIP code", "97205"),
        ("Insurance company", "Aetna"),
        ("Member ID", "W123456789"),
    ):
        expect(page.get_by_label(field)).to_have_value(value)
    expect(page.locator("#id_state")).to_have_value("OR")
    emergency = page.get_by_role("group", name="Someone to call in an emergency")
    expect(emergency.get_by_label("Their name")).to_have_value("Sam Rivers")
    expect(emergency.get_by_label("Their phone number")).to_have_value("(503) 555-0189")
    pcp = page.get_by_role("group", name="Your primary care clinician (optional)")
    expect(pcp.get_by_label("Name")).to_have_value("Dr. Ana Lopez")
    expect(page.get_by_text("(503) 555-0188")).to_be_visible()  # the phone of the first page
    shoot(page, "04-account")

    # Edited here, it is the record the next intake starts from.
    page.get_by_label("City").fill("Beaverton")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    profile = PatientProfile.objects.get()
    assert (profile.city, profile.referrer_name) == ("Beaverton", "Dr. Ana Lopez")
    assert profile.user.full_name == "Alex Example"


def test_a_returning_patient_confirms_each_page_carried_from_their_earlier_intake(live_server, page):
    patient = UserFactory(email="back@example.org", full_name="Alex Example", email_verified=True)
    patient.set_password(PASSWORD)
    patient.save()
    send(staffed_clinic("Cedar Clinic"), patient, "needs_review")
    second = staffed_clinic("Lakeside Clinic")

    sign_in(page, live_server, "back@example.org")
    page.goto(f"{live_server.url}/clinics/{second.slug}/")
    page.get_by_role("link", name="Start your intake").click()
    page.get_by_role("button", name="Start").click()

    heading(page, "About you")
    expect(page.get_by_role("note")).to_contain_text("From your intake of")
    expect(page.get_by_role("note")).to_contain_text("check it is still right, then press Next.")
    expect(page.get_by_label("Date of birth")).to_have_value("1985-03-27")
    expect(page.get_by_label("Legal first name")).to_have_value("Alex")
    shoot(page, "05-carried-about")
    draft = IntakeDraft.objects.get(clinic=second)
    page.goto(f"{live_server.url}/patient/intake/{draft.pk}/review/")
    expect(page.get_by_text("Filled in from your earlier intake").first).to_be_visible()
    expect(page.locator("#step-count")).to_have_text(f"Last step: check and send ({steps.PAGE_COUNT} pages)")
    shoot(page, "06-carried-review")
    page.goto(f"{live_server.url}/patient/intake/{draft.pk}/phq9/")
    heading(page, "How you have been feeling")
    expect(page.get_by_text("From your intake of")).to_have_count(0)  # asked afresh: it describes today
    expect(page.get_by_text("Some answers need another look")).to_have_count(0)  # not before Next
