"""A coordinator signs in (password and authenticator code), sees a cleared patient on the worklist and in
their notifications, and logs calls: a mistake first, then a call that reaches the patient."""

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from clinics.models import Role
from core.outbox import outbox_add
from scheduling.models import ContactAttempt, WorklistEntry
from scheduling.worklist import put_on_worklist
from tests.factories import PASSWORD, UserFactory, current_code, make_clinic, make_staff
from tests.factories.submissions import submission_for

from .pages import fill_sign_in, watch_console

NOTE = "Prefers calls after 5pm; partner will drive on the day."


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_sees_a_cleared_patient_and_logs_a_call(live_server, page, screenshot):
    clinic = make_clinic(name="Cedar Ketamine Clinic")
    coordinator = make_staff(clinic, Role.COORDINATOR, full_name="Cory Coordinator")
    patient = UserFactory(full_name="Alex Example", email="alex.example@example.org", phone="+15035550123")
    _, submission = submission_for(patient, clinic)
    with transaction.atomic():  # what review_case_clear does: the entry and the coordinators' notification
        entry = put_on_worklist(submission=submission, source=WorklistEntry.Source.CLEARED)
        outbox_add(kind="case.cleared", recipient=coordinator, obj=entry, clinic=clinic)
    errors = watch_console(page)

    page.goto(live_server.url + reverse("account:login"))
    fill_sign_in(page, coordinator.email, PASSWORD)
    page.wait_for_url("**" + reverse("account:two_factor") + "**")
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(coordinator))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_server.url + reverse("clinics:staff_home"))

    # The notification: a badge in the nav, a line in the inbox whose message (as e-mailed) says nothing about
    # the patient; the staff inbox, behind sign-in, names whom it is about.
    badge = page.locator("[data-unread-count]")
    assert badge.inner_text().startswith("1")
    page.locator("[data-notifications-link]").click()
    page.wait_for_url(live_server.url + reverse("notifications:inbox"))
    inbox = page.locator(".notification-list")
    assert "A patient was cleared for evaluation at Cedar Ketamine Clinic." in inbox.inner_text()
    expect(inbox.locator("[data-patient-name]")).to_have_text("· Alex Example")
    screenshot(page, "notifications-inbox")

    # The worklist: the patient, how to reach them, and why they are there.
    page.goto(live_server.url + reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug}))
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    row = page.locator(f'[data-entry="{entry.pk}"]')
    assert "Alex Example" in row.inner_text()
    assert "(503) 555-0123" in row.inner_text()
    assert "No voicemail" in row.inner_text()
    assert "Cleared by a psychiatrist" in row.inner_text()
    screenshot(page, "worklist")

    row.get_by_role("link", name="Alex Example").click()
    page.wait_for_url("**" + str(entry.pk) + "/")
    expect(page.get_by_role("heading", name="Alex Example")).to_be_visible()
    assert page.get_by_role("link", name="(503) 555-0123").get_attribute("href") == "tel:+15035550123"
    screenshot(page, "worklist-entry")

    # A call logged without saying what happened: the message is next to the field; the note is kept.
    page.get_by_label("Note (optional)").fill(NOTE)
    page.get_by_role("button", name="Log this call").click()
    summary = page.locator("[data-error-summary]")
    assert "Choose what happened on the call." in summary.inner_text()
    assert page.get_by_label("Note (optional)").input_value() == NOTE
    screenshot(page, "worklist-entry-error")

    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Log this call").click()
    expect(page.get_by_text("Call logged: no answer.")).to_be_visible()
    history = page.locator(".contact-history")
    assert "No answer" in history.inner_text()
    assert NOTE in history.inner_text()
    assert "Cory Coordinator" in history.inner_text()

    page.get_by_label("Reached").check()
    page.get_by_role("button", name="Log this call").click()
    expect(page.get_by_text("Call logged: you reached the patient.")).to_be_visible()
    assert page.locator("[data-entry-status]").inner_text() == "Reached"
    screenshot(page, "worklist-entry-logged")

    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.REACHED
    assert entry.attempts == 2
    assert list(ContactAttempt.objects.filter(entry=entry).values_list("outcome", flat=True).order_by("at")) == [
        "no_answer",
        "reached",
    ]
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_an_empty_worklist_says_so(live_server, page, screenshot):
    clinic = make_clinic(name="Birch Ketamine Clinic")
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    page.goto(live_server.url + reverse("account:login"))
    fill_sign_in(page, admin.email, PASSWORD)
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(admin))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_server.url + reverse("clinics:staff_home"))

    page.goto(live_server.url + reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug}))

    expect(page.get_by_text("Nobody is waiting to be contacted.")).to_be_visible()
    page.goto(live_server.url + reverse("notifications:inbox"))
    expect(page.get_by_text("You have no notifications yet.")).to_be_visible()
    screenshot(page, "notifications-inbox-empty")
    page.goto(live_server.url + reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug}))
    screenshot(page, "worklist-empty")
