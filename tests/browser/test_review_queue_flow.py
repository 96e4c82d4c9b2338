"""A psychiatrist signs in with TOTP, sees an urgent case at the top of the queue, claims it and asks the patient
for more information; the patient signs in, reads the question, updates their answers and sends them again;
the psychiatrist sees what changed and clears the case for evaluation (the patient joins the worklist).

Every new page is checked with axe-core (no serious or critical violation, desktop and 375 px) and
photographed at both widths (test-artifacts/screenshots/review-*.png).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.models import Role
from core.models import AuditEvent
from intake.models import IntakeSubmission
from scheduling.models import ContactAttempt, WorklistEntry
from screening.models import RescreenRun, ReviewCase
from screening.services import rescreen_run_start
from screening.tasks import rescreen_clinic
from tests.factories import UserFactory, make_clinic, make_staff
from tests.intake.submissions import case_of, send

from .pages import look, patient_sign_in, staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Thank you for your answers. How many alcoholic drinks do you have in a typical week now?"


def test_psychiatrist_asks_patient_amends_psychiatrist_clears_coordinator_calls(
    live_server, browser, screenshot, csp_errors
):
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman", email="priya@example.org")
    coordinator = make_staff(clinic, Role.COORDINATOR, full_name="Cole Martinez")
    patient = UserFactory(full_name="Alex Example", email="alex@example.org")
    # Two routine cases due earlier than the urgent one: urgent still comes first.
    for name in ("Rita Routine", "Roy Routine"):
        routine = case_of(send(clinic, UserFactory(full_name=name), "needs_review"))
        ReviewCase.objects.filter(pk=routine.pk).update(due_at=timezone.now() + timedelta(minutes=5))
    urgent = case_of(send(clinic, patient, "urgent", substances={"alcohol_drinks_per_week": "20"}))

    # --- the psychiatrist ------------------------------------------------------------------------------------
    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    doctor = staff.new_page()
    doctor.set_default_timeout(10_000)
    staff_sign_in(doctor, live_server, psychiatrist, f"/staff/{clinic.slug}/queue/")
    expect(doctor.get_by_role("heading", name="Review queue")).to_be_visible()
    first = doctor.locator(".queue-case").first
    expect(first).to_contain_text("Alex Example")
    expect(first).to_contain_text("Urgent")
    expect(doctor.locator(".queue-case")).to_have_count(3)
    expect(doctor.locator(".queue-count").first).to_contain_text("1")
    look(doctor, screenshot, "queue")

    first.get_by_role("link", name="Alex Example").click()
    expect(doctor.get_by_role("heading", name="Alex Example", level=1)).to_be_visible()
    expect(doctor.get_by_text("Urgent", exact=True).first).to_be_visible()
    expect(doctor.get_by_role("heading", name=re.compile(r"^C-SSRS screener: risk High"))).to_be_visible()
    expect(doctor.get_by_role("heading", name=re.compile(r"^Treatment-resistant depression"))).to_be_visible()
    look(doctor, screenshot, "case-open")
    doctor.get_by_role("button", name="Acknowledge urgent alert").click()
    expect(doctor.locator(".case-actions")).to_contain_text("Urgent alert acknowledged by Dr. Priya Raman")
    doctor.get_by_role("button", name="Claim this case").click()
    expect(doctor.get_by_text("You have claimed this case.")).to_be_visible()
    look(doctor, screenshot, "case-claimed")

    doctor.get_by_role("link", name="Ask for more information").click()
    expect(doctor.get_by_role("heading", name="Ask the patient for more information")).to_be_visible()
    doctor.get_by_role("button", name="Send the question").click()  # empty: the error is shown at the field
    expect(doctor.locator("[data-error-summary]")).to_be_visible()
    look(doctor, screenshot, "ask-errors")
    doctor.get_by_label("Your question to the patient").fill(QUESTION)
    doctor.get_by_role("button", name="Send the question").click()
    expect(doctor.get_by_text("Your question was sent.")).to_be_visible()
    expect(doctor.locator(".case-status")).to_have_text("Waiting for the patient")

    # --- the patient -------------------------------------------------------------------------------------------
    own = browser.new_context(viewport={"width": 1280, "height": 900})
    person = own.new_page()
    person.set_default_timeout(10_000)
    patient_sign_in(person, live_server, patient)
    expect(person.get_by_text("The psychiatrist has a question for you")).to_be_visible()
    expect(person.get_by_text(QUESTION)).to_be_visible()
    look(person, screenshot, "patient-dashboard-question")
    person.get_by_role("button", name=re.compile("^Update my answers")).click()
    expect(person.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(person.get_by_text("You are updating the answers you sent on")).to_be_visible()
    expect(person.get_by_text(QUESTION)).to_be_visible()
    look(person, screenshot, "patient-update-review")
    person.get_by_role("link", name="Edit alcohol and other substances").click()
    person.get_by_label("About how many alcoholic drinks do you have in a typical week?").fill("3")
    person.get_by_role("button", name="Next", exact=True).click()
    expect(person.get_by_role("heading", name="Check your answers")).to_be_visible()
    person.get_by_role("button", name="Send my updated answers to Harbor Ketamine Clinic").click()
    # Still urgent (the safety answers did not change): help comes first, then the result.
    person.get_by_role("link", name=re.compile("See your next step|Continue")).first.click()
    expect(person.get_by_role("heading", name=re.compile("Your updated answers were sent"))).to_be_visible()
    look(person, screenshot, "patient-updated")
    second = IntakeSubmission.objects.get(patient=patient, version=2)
    assert second.document["substance_use"]["alcohol_drinks_per_week"] == 3

    # --- the psychiatrist again --------------------------------------------------------------------------------
    doctor.reload()
    expect(doctor.locator(".case-status")).to_have_text("Claimed")
    expect(doctor.get_by_role("heading", name="What the patient changed (version 1 → 2)")).to_be_visible()
    expect(doctor.locator("table").filter(has_text="Alcoholic drinks per week")).to_contain_text("20")
    look(doctor, screenshot, "case-amended")
    doctor.get_by_role("link", name="Clear for evaluation").click()
    look(doctor, screenshot, "clear")
    doctor.get_by_label("Note for the clinical team (optional)").fill(
        "Alcohol now within limits; safety plan at evaluation."
    )
    doctor.get_by_role("button", name="Clear for evaluation").click()
    expect(doctor.get_by_text("Cleared for evaluation. The coordinators have been told")).to_be_visible()
    expect(doctor.locator(".case-status")).to_have_text("Cleared for evaluation")
    look(doctor, screenshot, "case-cleared")

    urgent.refresh_from_db()
    assert urgent.status == ReviewCase.Status.CLEARED and urgent.submission == second
    assert WorklistEntry.objects.filter(
        submission=second, source=WorklistEntry.Source.CLEARED, status=WorklistEntry.Status.TO_CONTACT
    ).exists()
    assert AuditEvent.objects.filter(action="case.view", object_id=str(urgent.pk)).count() >= 4
    person.goto(f"{live_server.url}/patient/")
    expect(person.get_by_text("A care coordinator will call you soon to arrange your evaluation.")).to_be_visible()
    look(person, screenshot, "patient-cleared")

    # --- the coordinator: the cleared patient is on the worklist; a call is logged ------------------------------
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    coord = desk.new_page()
    coord.set_default_timeout(10_000)
    staff_sign_in(coord, live_server, coordinator, f"/staff/{clinic.slug}/worklist/")
    row = coord.locator("[data-entry]").filter(has_text="Alex Example")
    expect(row).to_contain_text("Cleared by a psychiatrist")
    row.get_by_role("link", name="Alex Example").click()
    coord.get_by_label("Reached").check()
    coord.get_by_role("button", name="Log this call").click()
    expect(coord.get_by_text("Call logged: you reached the patient.")).to_be_visible()
    assert ContactAttempt.objects.filter(entry__submission=second, outcome="reached", by=coordinator).exists()
    assert csp_errors == []
    desk.close()
    staff.close()
    own.close()


def test_an_admin_previews_a_policy_change_then_publishes_and_sees_the_rescreening(
    live_server, page, screenshot, csp_errors
):
    clinic = make_clinic(name="Cascade Ketamine Care")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman")
    send(clinic, UserFactory(full_name="Mo Moderate"), substances={"alcohol_drinks_per_week": "10"})
    send(clinic, UserFactory(full_name="Lia Light"), substances={"alcohol_drinks_per_week": "1"})

    staff_sign_in(page, live_server, admin, f"/staff/{clinic.slug}/policy/")
    page.get_by_label("Most alcoholic drinks per week").fill("5")
    page.get_by_label("Reason for the change").fill("Board decision: stricter on alcohol")
    page.get_by_role("button", name="Preview the effect on open cases").click()
    preview = page.locator(".policy-preview")
    expect(preview).to_contain_text("1 would change outcome or priority")
    expect(preview).to_contain_text("Mo Moderate")
    look(page, screenshot, "policy-preview")

    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    runs = page.locator(".rescreen-runs")
    expect(runs).to_contain_text("policy version 2")
    # The worker (eager here) has finished; the page shows the figures.
    expect(runs).to_contain_text("2 of 2 open submissions looked at")
    look(page, screenshot, "policy-rescreened")
    assert ReviewCase.objects.filter(clinic=clinic, status="open").count() == 1

    # A re-screening still going (e.g. after a ruleset upgrade): the page follows its progress by itself.
    run = rescreen_run_start(clinic=clinic, reason=RescreenRun.Reason.RULESET, enqueue=False)
    page.reload()
    newest = page.locator(".rescreen-runs li").first
    expect(newest).to_contain_text("Queued: 0 of 2 open submissions looked at")
    rescreen_clinic.apply(args=[run.pk])  # the worker, here
    expect(newest.locator("[data-progress-text]")).to_contain_text("Finished: 2 of 2", timeout=15_000)
    assert newest.locator("progress").evaluate("el => el.value === el.max")
    assert csp_errors == []
