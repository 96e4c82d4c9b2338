"""Scheduling in a real browser: a coordinator books an evaluation for a cleared patient, the patient sees
it, the coordinator moves it, and a second booking of the same slot is refused with a clear message.
Also: a patient books their own free call; the calendar, availability, checklist and dashboard pages."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.text import slugify
from playwright.sync_api import Page, expect

from clinics.models import Role
from scheduling.appointments import appointment_book
from scheduling.availability import slot_value
from scheduling.models import Appointment, PreEvaluationChecklist, WorklistEntry
from tests.browser.conftest import DESKTOP
from tests.factories import UserFactory, make_staff
from tests.factories.scheduling import next_local, on_worklist, scheduling_clinic

from .pages import assert_accessible, staff_sign_in_and_wait, watch_console

TAKEN = "That time was just booked by someone else. Please choose another slot."

pytestmark = pytest.mark.django_db(transaction=True)


def choose_slot(page: Page, starts) -> None:
    """Open the slot's day if it is folded away and pick the time."""
    label = page.locator(f'label[for="slot-{slugify(slot_value(starts))}"]')
    day = page.locator("details.slot-day", has=label)
    if day.get_attribute("open") is None:
        day.locator("summary").click()
    label.click()


def show_evaluation_slots(page: Page, length: str = "60 minutes") -> None:
    page.get_by_label(f"Psychiatric evaluation, {length}").check()
    page.get_by_label("With").select_option(label="Dr. Priya Raman (psychiatrist)")
    page.get_by_role("button", name="Show free times").click()


def test_a_coordinator_books_moves_and_cannot_double_book_an_evaluation(live_server, browser, page, screenshot):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic()
    colleague = make_staff(clinic, Role.COORDINATOR, full_name="Cole Martinez")
    patient = UserFactory(full_name="Jordan Quill")
    entry = on_worklist(clinic, patient=patient, decided_by=psychiatrist)
    other_entry = on_worklist(clinic, decided_by=psychiatrist)
    assert entry.source == WorklistEntry.Source.CLEARED
    slot = next_local(2, time(10))
    later = next_local(3, time(14))
    errors = watch_console(page)

    # The colleague opens the booking page for another patient and sees 10:00 free with Dr. Raman.
    other = browser.new_context(viewport=DESKTOP).new_page()
    other_errors = watch_console(other)
    other_book = reverse("scheduling:book", kwargs={"clinic_slug": clinic.slug, "entry_id": other_entry.pk})
    staff_sign_in_and_wait(other, live_server, colleague, other_book)
    show_evaluation_slots(other)
    choose_slot(other, slot)

    # The coordinator books 10:00 for Jordan first.
    book_url = reverse("scheduling:book", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    staff_sign_in_and_wait(page, live_server, coordinator, book_url)
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    assert "Jordan Quill" in page.locator("main").inner_text()
    screenshot(page, "scheduling-book")
    show_evaluation_slots(page)
    expect(page.get_by_role("heading", name="Psychiatric evaluation, 60 minutes with Dr. Priya Raman")).to_be_visible()
    choose_slot(page, slot)
    expect(page.locator("[data-slot-chosen]")).to_have_text(f"Chosen: {slot:%A %-d %B}, 10:00 AM")
    assert_accessible(page, "booking page with slots")
    screenshot(page, "scheduling-book-slots")
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_text("Booked. The patient has been sent an e-mail with a calendar file.")).to_be_visible()
    expect(page.get_by_role("heading", name="Psychiatric evaluation")).to_be_visible()
    when = page.locator("[data-when]").inner_text()
    assert slot.strftime("%A %-d %B %Y") in when and "10:00 AM to 11:00 AM" in when
    assert_accessible(page, "appointment page")
    screenshot(page, "scheduling-appointment")

    # The colleague, whose page still shows 10:00, books it too: refused, clearly, and told why.
    other.get_by_role("button", name="Book this time").click()
    summary = other.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(TAKEN)
    expect(summary).to_be_focused()
    assert other.get_by_label("Psychiatric evaluation, 60 minutes").is_checked()  # the choice is kept
    expect(other.locator(f'label[for="slot-{slugify(slot_value(slot))}"]')).to_have_count(0)
    screenshot(other, "scheduling-book-slot-taken")
    assert Appointment.objects.filter(clinician=psychiatrist).count() == 1

    # The patient sees it.
    patient_page = browser.new_context(viewport=DESKTOP).new_page()
    appointment = Appointment.objects.get(patient=patient)
    own = reverse("patients:patient_appointment", kwargs={"appointment_id": appointment.pk})
    staff_sign_in_and_wait(patient_page, live_server, patient, own, second_factor=False)
    expect(patient_page.get_by_role("heading", name="Your psychiatric evaluation")).to_be_visible()
    expect(patient_page.locator("[data-appointment-time]")).to_have_text(slot.strftime("%A %-d %B %Y"))
    expect(patient_page.get_by_text("10:00 AM to 11:00 AM")).to_be_visible()
    assert_accessible(patient_page, "patient appointment page")
    screenshot(patient_page, "scheduling-patient-appointment")

    # The coordinator moves it to the next afternoon.
    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Reschedule")).to_be_visible()
    choose_slot(page, later)
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_text("Please give a reason for moving the appointment.").first).to_be_visible()
    assert page.locator(f"#slot-{slugify(slot_value(later))}").is_checked()  # the chosen time is kept
    page.get_by_label("Reason for the change").fill("The patient asked for an afternoon")
    assert_accessible(page, "reschedule page")
    screenshot(page, "scheduling-reschedule")
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_text("Moved. The patient has been sent an e-mail with the new time.")).to_be_visible()
    assert "2:00 PM to 3:00 PM" in page.locator("[data-when]").inner_text()
    history = page.locator(".appointment-history").inner_text()
    assert "Moved to another time" in history and "The patient asked for an afternoon" in history
    screenshot(page, "scheduling-appointment-moved")

    # The patient's old page points to the new time.
    patient_page.reload()
    patient_page.get_by_role("link", name="See the new time").click()
    expect(patient_page.locator("[data-appointment-time]")).to_have_text(later.strftime("%A %-d %B %Y"))
    expect(patient_page.get_by_text("2:00 PM to 3:00 PM")).to_be_visible()

    assert errors == [] and other_errors == []


def test_a_patient_books_the_free_phone_call(live_server, page, screenshot):
    clinic, _, _, _ = scheduling_clinic()
    patient = UserFactory(full_name="Avery Stone")
    on_worklist(clinic, patient=patient, source=WorklistEntry.Source.ELIGIBLE)
    errors = watch_console(page)
    slot = next_local(2, time(11, 15))

    path = reverse("patients:patient_book", kwargs={"clinic_slug": clinic.slug})
    staff_sign_in_and_wait(page, live_server, patient, path, second_factor=False)
    expect(page.get_by_role("heading", name="Book a free phone call")).to_be_visible()
    page.get_by_role("button", name="Book this call").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Choose a time.")
    choose_slot(page, slot)
    assert_accessible(page, "patient booking page")
    screenshot(page, "scheduling-patient-book")
    page.get_by_role("button", name="Book this call").click()

    expect(page.get_by_text("Your call is booked.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your phone consultation")).to_be_visible()
    expect(page.get_by_text("By phone: the clinic will call you.")).to_be_visible()
    expect(page.get_by_text("11:15 AM to 11:30 AM")).to_be_visible()
    screenshot(page, "scheduling-patient-booked")
    assert errors == []


def test_calendar_availability_checklist_and_dashboard(live_server, page, screenshot):
    clinic, coordinator, psychiatrist, admin = scheduling_clinic()
    entry = on_worklist(clinic, decided_by=psychiatrist)
    for day, hour, kind, clinician, minutes in (
        (1, 9, "evaluation", psychiatrist, 90),
        (1, 11, "consultation", coordinator, 15),
        (2, 13, "consultation", psychiatrist, 15),
        (4, 15, "evaluation", psychiatrist, 60),
    ):
        whose = entry if (day, hour) == (1, 9) else on_worklist(clinic, decided_by=psychiatrist)
        appointment_book(
            clinic=clinic,
            kind=kind,
            clinician=clinician,
            patient=whose.patient,
            starts_at=next_local(day, time(hour)),
            duration=timedelta(minutes=minutes),
            booked_by=coordinator,
            entry=whose,
        )
    errors = watch_console(page)

    calendar = reverse("scheduling:calendar", kwargs={"clinic_slug": clinic.slug})
    week = f"{live_server.url}{calendar}?week={next_local(1, time(9)).date().isoformat()}"
    staff_sign_in_and_wait(page, live_server, admin, calendar)
    page.goto(week)
    expect(page.get_by_role("heading", name="Calendar")).to_be_visible()
    expect(page.locator(".calendar-item").first).to_be_visible()
    assert_accessible(page, "calendar")
    screenshot(page, "scheduling-calendar")

    page.get_by_role("navigation", name="Scheduling").get_by_role("link", name="Availability").click()
    page.get_by_label("Whose hours").select_option(label="Sam Ortiz (Coordinator)")
    page.get_by_role("button", name="Show", exact=True).click()
    page.locator("#id_window-weekday").select_option(label="Saturday")
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("End time").fill("17:00")
    page.get_by_role("button", name="Add hours").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("The end must be after the start.")
    assert page.get_by_label("Start time").input_value() == "18:00"
    assert_accessible(page, "availability with an error")
    screenshot(page, "scheduling-availability-error")
    page.locator("#id_exception-date").fill(next_local(6, time(0)).date().isoformat())
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("day off").first).to_be_visible()
    screenshot(page, "scheduling-availability")

    # The checklist, ticked from the appointment page (the panel other pages include).
    page.goto(week)
    page.locator(".calendar-item", has_text=entry.patient.get_full_name()).first.click()
    page.get_by_role("button", name=re.compile(r"Mark done\W+Lab results received")).click()
    expect(page.get_by_text("Lab results received: ticked.")).to_be_visible()
    expect(page.locator("[data-checklist-progress]")).to_have_text("1 of 4 done")
    assert PreEvaluationChecklist.objects.get(patient=entry.patient).labs_received_by == admin
    screenshot(page, "scheduling-checklist")

    page.get_by_role("navigation", name="Scheduling").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Funnel")).to_be_visible()
    assert_accessible(page, "dashboard")
    screenshot(page, "scheduling-dashboard")
    page.locator("#id_start").fill("2026-12-01")
    page.locator("#id_end").fill("2026-11-01")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("[data-error-summary]")).to_contain_text("The end date must be on or after the start date.")
    screenshot(page, "scheduling-dashboard-error")
    assert errors == []
