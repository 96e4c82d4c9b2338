"""Appointment e-mails and their calendar files: the clinic and the time, never the patient or their screening."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from core.models import Notification
from core.notifications import in_app_text, inbox_link
from scheduling.appointments import appointment_book, appointment_cancel, appointment_reschedule
from scheduling.models import Appointment, WorklistEntry
from scheduling.tasks import appointment_reminders_due
from tests.factories.scheduling import LA, on_worklist, scheduling_clinic

pytestmark = pytest.mark.django_db

# Words about the patient's health or screening that must never reach an inbox.
PRIVATE_WORDS = ("depress", "phq", "suicid", "diagnos", "screening", "eligible", "cleared", "psychiatr", "evaluation")
MONDAY = datetime(2027, 3, 15, 9, 0, tzinfo=LA)  # the Monday after daylight saving starts: 16:00 UTC
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=LA)


@pytest.fixture
def booked(django_capture_on_commit_callbacks):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic(
        address_line="1200 SW Morrison Street", city="Portland", postal_code="97205"
    )
    entry = on_worklist(clinic, source=WorklistEntry.Source.CLEARED)
    entry.patient.full_name = "Jordan Quill"
    entry.patient.save()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            clinic=clinic,
            kind=Appointment.Kind.EVALUATION,
            clinician=psychiatrist,
            patient=entry.patient,
            starts_at=MONDAY,
            duration=timedelta(minutes=90),
            booked_by=coordinator,
            entry=entry,
            now=NOW,
        )
    return appointment


def _calendar(message) -> Calendar:
    (filename, content, mimetype) = message.attachments[0]
    assert filename == "appointment.ics" and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def _assert_nothing_private(message, appointment) -> None:
    ics = message.attachments[0][1]
    text = " ".join([message.subject, message.body, ics if isinstance(ics, str) else ics.decode()]).lower()
    patient = appointment.patient
    assert patient.full_name.lower() not in text
    assert patient.email.lower() not in text
    for word in PRIVATE_WORDS:
        assert word not in text, word


def test_the_booking_e_mail_names_the_clinic_and_the_local_time_and_carries_the_calendar_file(booked):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]

    assert message.to == [booked.patient.email]
    assert message.subject == "A new message from your clinic"  # discreet: the body names the clinic
    assert "on Monday 15 March 2027 at 9:00 AM PDT" in message.body
    assert f"/patient/appointments/{booked.pk}/" in message.body
    event = _calendar(message).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Appointment at Cedar Ketamine Clinic"
    assert event.decoded("DTSTART") == datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 3, 15, 17, 30, tzinfo=UTC)
    assert str(event["LOCATION"]) == "1200 SW Morrison Street, Portland, OR 97205"
    assert str(event["UID"]) == f"{booked.pk}@ketamine-clinic-intake"  # the first of its series
    assert event["SEQUENCE"] == 0
    _assert_nothing_private(message, booked)


def test_a_phone_consultation_is_located_on_the_phone(django_capture_on_commit_callbacks):
    clinic, coordinator, _, _ = scheduling_clinic()
    entry = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            clinic=clinic,
            kind=Appointment.Kind.CONSULTATION,
            clinician=coordinator,
            patient=entry.patient,
            starts_at=MONDAY + timedelta(hours=2),
            duration=timedelta(minutes=15),
            booked_by=coordinator,
            entry=entry,
            now=NOW,
        )
    event = _calendar(mail.outbox[0]).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "Phone call"
    assert "The clinic will phone you at that time." in mail.outbox[0].body


def test_moving_and_cancelling_send_their_own_e_mails_without_the_reason(booked, django_capture_on_commit_callbacks):
    reason = "Jordan said the depression is worse this week"
    with django_capture_on_commit_callbacks(execute=True):
        moved = appointment_reschedule(
            appointment=booked, starts_at=MONDAY + timedelta(days=1), by=booked.booked_by, reason=reason, now=NOW
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=moved, by=booked.booked_by, reason=reason)

    _, rescheduled, cancelled = mail.outbox
    assert rescheduled.subject == "A new message from your clinic"
    assert "has moved to Tuesday 16 March 2027 at 9:00 AM PDT" in rescheduled.body
    # The same calendar event, changed: one UID for the series, a higher SEQUENCE at each change.
    moved_event = _calendar(rescheduled).walk("VEVENT")[0]
    assert str(moved_event["UID"]) == f"{booked.pk}@ketamine-clinic-intake" and moved.pk != booked.pk
    assert moved_event["SEQUENCE"] == 1
    assert _calendar(cancelled).walk("VEVENT")[0]["SEQUENCE"] == 2
    assert str(_calendar(cancelled).walk("VEVENT")[0]["UID"]) == f"{booked.pk}@ketamine-clinic-intake"
    assert cancelled.subject == "A new message from your clinic"
    calendar = _calendar(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    for message, appointment in ((rescheduled, moved), (cancelled, moved)):
        assert "said the" not in message.body
        _assert_nothing_private(message, appointment)


def test_the_reminder_e_mail_and_the_inbox_line(booked, monkeypatch, django_capture_on_commit_callbacks):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: MONDAY - timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_reminders_due() == 1

    reminder = mail.outbox[-1]
    assert reminder.subject == "A new message from your clinic"
    assert "Monday 15 March 2027 at 9:00 AM PDT" in reminder.body
    _assert_nothing_private(reminder, booked)
    row = Notification.objects.get(kind="appointment.reminder")
    assert in_app_text(row) == "A reminder of your appointment at Cedar Ketamine Clinic."
    assert inbox_link(row) == f"/patient/appointments/{booked.pk}/"
    assert row.sent_at is not None


def test_times_in_the_e_mail_follow_the_clinic_not_the_server(django_capture_on_commit_callbacks):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic()
    clinic.time_zone = "America/New_York"
    clinic.save()
    entry = on_worklist(clinic)  # weekly hours 9-17 are wall-clock times: now New York's
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            clinic=clinic,
            kind=Appointment.Kind.EVALUATION,
            clinician=psychiatrist,
            patient=entry.patient,
            starts_at=datetime(2027, 1, 11, 14, 0, tzinfo=UTC),  # 9:00 in New York in winter
            duration=timedelta(minutes=60),
            booked_by=coordinator,
            entry=entry,
            now=datetime(2027, 1, 1, tzinfo=UTC),
        )
    assert "on Monday 11 January 2027 at 9:00 AM EST" in mail.outbox[0].body
