"""Scheduling set-ups: patients on the worklist, weekly hours, a staffed clinic, a booked appointment."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinics.models import Role
from scheduling.appointments import appointment_book
from scheduling.models import Appointment, AvailabilityWindow, WorklistEntry
from screening.models import Outcome, Priority, ReviewCase
from tests.factories import UserFactory, make_clinic, make_staff
from tests.factories.submissions import submit

LA = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")


def on_worklist(clinic, *, source: str = WorklistEntry.Source.CLEARED, patient=None, decided_by=None, at=None):
    """A patient on the coordinators' worklist: eligible at screening, or cleared by a psychiatrist."""
    patient = patient or UserFactory()
    at = at or timezone.now()
    if source == WorklistEntry.Source.CLEARED:
        submission, result = submit(patient, clinic, outcome=Outcome.NEEDS_REVIEW, at=at)
        decider = decided_by or make_staff(clinic, Role.PSYCHIATRIST)
        ReviewCase.objects.create(
            clinic=clinic,
            submission=submission,
            result=result,
            status=ReviewCase.Status.CLEARED,
            priority=Priority.ROUTINE,
            due_at=at + timedelta(days=2),
            created_at=at,
            decided_by=decider,
            decided_at=at + timedelta(hours=5),
        )
    else:
        submission, _ = submit(patient, clinic, outcome=Outcome.ELIGIBLE, at=at)
    return WorklistEntry.objects.create(
        clinic=clinic, patient=patient, submission=submission, source=source, created_at=at
    )


def weekly_hours(clinic, clinician, *, start: time = time(9), end: time = time(17), days=range(7)):
    """The same hours every day of the week (all seven by default, so tests need not dodge weekends)."""
    for weekday in days:
        AvailabilityWindow.objects.create(
            clinic=clinic, clinician=clinician, weekday=weekday, start_time=start, end_time=end
        )


def next_local(day_offset: int, at: time, zone=LA) -> datetime:
    """A wall-clock time `day_offset` days from today in the zone, as an aware datetime."""
    day = timezone.now().astimezone(zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=zone)


def scheduling_clinic(**fields):
    """A Los Angeles clinic with a coordinator, a psychiatrist and an admin, each with 9-17 hours daily."""
    clinic = make_clinic(name=fields.pop("name", "Cedar Ketamine Clinic"), time_zone="America/Los_Angeles", **fields)
    coordinator = make_staff(clinic, Role.COORDINATOR, full_name="Sam Ortiz")
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Morgan Lee")
    weekly_hours(clinic, coordinator)
    weekly_hours(clinic, psychiatrist)
    return clinic, coordinator, psychiatrist, admin


def book(world, entry, starts_at, *, kind=Appointment.Kind.EVALUATION, minutes=60, clinician=None, by=None, now=None):
    """An appointment for the worklist entry's patient, with the world's psychiatrist, booked by its coordinator."""
    return appointment_book(
        clinic=world["clinic"],
        kind=kind,
        clinician=clinician or world["psychiatrist"],
        patient=entry.patient,
        starts_at=starts_at,
        duration=timedelta(minutes=minutes),
        booked_by=by or world["coordinator"],
        entry=entry,
        now=now,
    )
