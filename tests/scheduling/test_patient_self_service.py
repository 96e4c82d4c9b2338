"""A patient cancels or moves their own appointment up to the clinic's cut-off; inside it they are asked to call.
Same constraints, same history, reminders for the new time only, one calendar event, and the coordinators told."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.models import AuditEvent, Notification
from scheduling.availability import slot_value
from scheduling.models import Appointment, AppointmentEvent, WorklistEntry
from scheduling.tasks import appointment_reminders_due
from tests.factories import UserFactory, login_staff
from tests.factories.scheduling import book, next_local, on_worklist

pytestmark = pytest.mark.django_db


def page_url(appointment, action: str = "") -> str:
    name = f"patients:patient_appointment_{action}" if action else "patients:patient_appointment"
    return reverse(name, kwargs={"appointment_id": appointment.pk})


@pytest.fixture
def booked(world, client, django_capture_on_commit_callbacks):
    entry = on_worklist(world["clinic"])
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(world, entry, next_local(3, time(10)))
    mail.outbox.clear()
    client.force_login(entry.patient)
    return appointment


def test_the_appointment_page_offers_moving_and_cancelling_before_the_cut_off(client, booked):
    page = client.get(page_url(booked)).content.decode()
    assert "data-self-service" in page and "until 24 hours before it starts" in page
    assert page_url(booked, "move") in page and page_url(booked, "cancel") in page


def test_cancelling_asks_first_then_cancels_records_who_and_tells_the_coordinators(
    client, world, booked, django_capture_on_commit_callbacks
):
    confirm = client.get(page_url(booked, "cancel")).content.decode()
    assert "Cancel your psychiatric evaluation?" in confirm and "No, keep it" in confirm
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED  # looking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(booked, "cancel"))

    assert response["Location"] == page_url(booked)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    event = AppointmentEvent.objects.get(appointment=booked, action=AppointmentEvent.Action.CANCELLED)
    assert event.by == booked.patient and "by the patient" in event.reason
    assert AuditEvent.objects.filter(action="appointment.cancel", actor=booked.patient).exists()
    assert WorklistEntry.objects.get(pk=booked.entry_id).status == WorklistEntry.Status.TO_CONTACT
    told = set(Notification.objects.filter(kind="appointment.patient_changed").values_list("recipient", flat=True))
    assert told == {world["coordinator"].pk, world["admin"].pk}
    subjects = sorted(m.subject for m in mail.outbox)
    assert "A new message from your clinic" in subjects  # discreet: a lock screen shows the subject
    assert f"A patient cancelled an appointment at {world['clinic'].name}" in subjects
    staff_mail = next(m for m in mail.outbox if m.subject.startswith("A patient"))
    assert booked.patient.full_name not in staff_mail.body and booked.patient.email not in staff_mail.body
    html = client.get(response["Location"]).content.decode()
    assert "Your appointment is cancelled." in html and "data-self-service" not in html

    login_staff(client, world["coordinator"])
    staff_page = client.get(
        reverse("scheduling:appointment", kwargs={"clinic_slug": world["clinic"].slug, "appointment_id": booked.pk})
    ).content.decode()
    assert booked.patient.get_full_name() in staff_page and "Cancelled by the patient on the website" in staff_page


def test_moving_keeps_one_calendar_event_and_the_reminders_follow_the_new_time(
    client, world, booked, django_capture_on_commit_callbacks, monkeypatch
):
    new_time = next_local(5, time(14))
    page = client.get(page_url(booked, "move")).content.decode()
    assert f'value="{slot_value(new_time)}"' in page
    assert f'value="{slot_value(booked.starts_at)}"' not in page  # not "move" to where it already is

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(booked, "move"), {"slot": slot_value(new_time)})

    booked.refresh_from_db()
    moved = booked.rescheduled_to
    assert response["Location"] == page_url(moved)
    assert booked.status == Appointment.Status.CANCELLED and moved.status == Appointment.Status.BOOKED
    assert (moved.starts_at, moved.clinician, moved.series, moved.booked_by) == (
        new_time,
        booked.clinician,
        booked.series,
        booked.patient,
    )
    assert "Your appointment has moved." in client.get(response["Location"]).content.decode()
    moved_mail = next(m for m in mail.outbox if "has moved to" in m.body)  # the subject is discreet
    ics = Calendar.from_ical(next(a for a in moved_mail.attachments if a[0].endswith(".ics"))[1])
    event = ics.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{booked.pk}@ketamine-clinic-intake" and event["SEQUENCE"] == 1
    assert Notification.objects.filter(kind="appointment.patient_changed", object_id=str(moved.pk)).count() == 2

    # A day before the new time: one reminder, for the new time; none for the old time (cancelled).
    monkeypatch.setattr(timezone, "now", lambda: new_time - timedelta(hours=23))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reminders_due()
        appointment_reminders_due()  # the beat runs again: nothing twice
    reminders = Notification.objects.filter(kind="appointment.reminder")
    assert list(reminders.values_list("object_id", flat=True)) == [str(moved.pk)]
    monkeypatch.setattr(timezone, "now", lambda: booked.starts_at - timedelta(hours=1))
    appointment_reminders_due()
    assert not Notification.objects.filter(kind="appointment.reminder", object_id=str(booked.pk)).exists()


def test_a_time_taken_meanwhile_is_refused_and_the_appointment_stays(client, world, booked):
    new_time = next_local(5, time(14))
    other = on_worklist(world["clinic"], patient=UserFactory())
    book(world, other, new_time)

    response = client.post(page_url(booked, "move"), {"slot": slot_value(new_time)})

    assert response.status_code == 200
    assert "That time was just booked by someone else" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED and booked.starts_at == next_local(3, time(10))


@pytest.mark.parametrize("slot", ["", "not-a-time", "2020-01-01T10:00:00+00:00"])
def test_a_bad_or_missing_time_gets_a_clear_message(client, booked, slot):
    response = client.post(page_url(booked, "move"), {"slot": slot})
    assert response.status_code == 200
    assert "Your appointment was not moved" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_inside_the_cut_off_the_patient_is_asked_to_call(client, world, booked):
    world["clinic"].patient_change_cutoff_hours = 96  # the appointment is 3 days away
    world["clinic"].save()

    page = client.get(page_url(booked)).content.decode()
    assert "data-self-service" not in page and "data-call-to-change" in page
    assert world["clinic"].phone in page and "less than 96 hours away" in page
    moved = client.get(page_url(booked, "move"))
    assert moved["Location"] == page_url(booked)
    assert "can no longer be changed here" in client.get(moved["Location"]).content.decode()
    client.post(page_url(booked, "cancel"))
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
    assert not Notification.objects.filter(kind="appointment.patient_changed").exists()


def test_nobody_else_can_move_or_cancel_it(client, booked):
    client.force_login(UserFactory())
    assert client.get(page_url(booked, "move")).status_code == 404
    assert client.post(page_url(booked, "cancel")).status_code == 404
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
