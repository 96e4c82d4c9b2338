"""Clinic closures in a real browser: a clinic admin closes the clinic on a holiday, the coordinator is
offered no time that day and sees the appointment already booked on it flagged on the worklist."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.text import slugify
from playwright.sync_api import expect

from scheduling.appointments import appointment_book
from scheduling.availability import slot_value
from scheduling.models import Appointment
from tests.browser.conftest import DESKTOP
from tests.factories.scheduling import next_local, on_worklist, scheduling_clinic

from .pages import assert_accessible, staff_sign_in_and_wait, watch_console

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_holiday_takes_the_day_out_of_booking_and_flags_what_was_booked(live_server, browser, page, screenshot):
    clinic, coordinator, psychiatrist, admin = scheduling_clinic()
    entry = on_worklist(clinic, decided_by=psychiatrist)
    booked = appointment_book(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=psychiatrist,
        patient=entry.patient,
        starts_at=next_local(4, time(10)),
        duration=timedelta(minutes=60),
        booked_by=coordinator,
        entry=entry,
    )
    holiday = next_local(4, time(0)).date()
    errors = watch_console(page)
    closures = reverse("scheduling:closures", kwargs={"clinic_slug": clinic.slug})

    staff_sign_in_and_wait(page, live_server, admin, closures)
    page.locator("#id_date").fill("2020-01-01")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_text("Choose today or a later date.").first).to_be_visible()
    expect(page).to_have_title(f"Error: Closures — {clinic.name}")
    page.locator("#id_date").fill(holiday.isoformat())
    page.get_by_label("Name (optional)").fill("Clinic holiday")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_text("Closure added.")).to_be_visible()
    expect(page.locator("[data-closures]")).to_contain_text("Clinic holiday")
    expect(page).to_have_title(f"Closures — {clinic.name}")
    assert_accessible(page, "closures")
    screenshot(page, "closures")

    other = browser.new_context(viewport=DESKTOP).new_page()
    worklist = reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug})
    staff_sign_in_and_wait(other, live_server, coordinator, worklist)
    flag = other.locator("[data-closed-day-appointments]")
    expect(flag).to_contain_text("1 appointment on a closed day: please move it")
    expect(flag).to_contain_text("Clinic closed")
    screenshot(other, "worklist-closed-day")
    flag.get_by_role("link").click()
    appointment = reverse("scheduling:appointment", kwargs={"clinic_slug": clinic.slug, "appointment_id": booked.pk})
    expect(other).to_have_url(f"{live_server.url}{appointment}")

    book = reverse("scheduling:book", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    other.goto(f"{live_server.url}{book}?type=consultation&clinician={coordinator.pk}")

    def slot(day_offset: int):
        return other.locator(f'label[for="slot-{slugify(slot_value(next_local(day_offset, time(14))))}"]')

    expect(slot(5)).to_have_count(1)  # the day after is open
    expect(slot(4)).to_have_count(0)  # the holiday offers nothing
    assert errors == []
