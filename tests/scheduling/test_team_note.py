"""The psychiatrist's "Note for the clinical team" reaches the team: on the worklist entry, where they book, and on
the appointment."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from scheduling.appointments import appointment_book
from scheduling.models import WorklistEntry
from screening.cases import review_case_claim, review_case_clear
from tests.factories import UserFactory, login_staff
from tests.factories.scheduling import next_local, scheduling_clinic
from tests.intake.submissions import case_of, send

pytestmark = pytest.mark.django_db

NOTE = "Prior ECT in 2019; ask about blood pressure medication before booking."


@pytest.fixture
def cleared():
    clinic, coordinator, psychiatrist, _admin = scheduling_clinic()
    case = case_of(send(clinic, UserFactory(full_name="Dana Whitfield"), "needs_review"))
    review_case_claim(case_id=case.pk, user=psychiatrist)
    review_case_clear(case_id=case.pk, user=psychiatrist, note=NOTE, patient_message="See you soon.")
    return WorklistEntry.objects.get(submission=case.submission), coordinator, psychiatrist


def test_clearing_with_a_note_puts_it_on_the_worklist_entry(cleared):
    entry, _coordinator, psychiatrist = cleared

    assert (entry.team_note, entry.team_note_by) == (NOTE, psychiatrist)
    assert entry.team_note_at is not None


def test_the_coordinator_reads_the_note_on_the_entry_the_booking_page_and_the_appointment(client, cleared):
    entry, coordinator, psychiatrist = cleared
    login_staff(client, coordinator)
    kwargs = {"clinic_slug": entry.clinic.slug, "entry_id": entry.pk}

    for name in ("scheduling:worklist_entry", "scheduling:book"):
        page = client.get(reverse(name, kwargs=kwargs)).content.decode()
        assert "Note from the psychiatrist" in page and NOTE in page and "Dr. Priya Raman" in page, name

    appointment = appointment_book(
        clinic=entry.clinic,
        kind="evaluation",
        clinician=psychiatrist,
        patient=entry.patient,
        starts_at=next_local(3, time(10)),
        duration=timedelta(minutes=60),
        booked_by=coordinator,
        entry=entry,
    )
    page = client.get(
        reverse("scheduling:appointment", kwargs={"clinic_slug": entry.clinic.slug, "appointment_id": appointment.pk})
    ).content.decode()
    assert NOTE in page and "Dana Whitfield" in page


def test_without_a_note_nothing_is_shown(client):
    clinic, coordinator, psychiatrist, _admin = scheduling_clinic()
    case = case_of(send(clinic, UserFactory(), "needs_review"))
    review_case_claim(case_id=case.pk, user=psychiatrist)
    review_case_clear(case_id=case.pk, user=psychiatrist, patient_message="See you soon.")
    entry = WorklistEntry.objects.get(submission=case.submission)
    login_staff(client, coordinator)

    page = client.get(
        reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    ).content.decode()

    assert entry.team_note == "" and "Note from the psychiatrist" not in page
