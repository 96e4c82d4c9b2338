"""Demo availability and appointments for `make run` (called from demo.clinics). Safe to run again."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinics.models import Clinic, Role
from scheduling.appointments import SlotTaken, appointment_book
from scheduling.availability import clinicians, free_slots
from scheduling.models import Appointment, AvailabilityWindow, ClinicClosure, WorklistEntry

# Monday to Friday, a morning and an afternoon, in the clinic's time zone.
DEMO_HOURS = ((time(9), time(12)), (time(13), time(17)))
WORKDAYS = range(5)
# Holidays the demo clinic closes on: (month, day, name).
HOLIDAYS = ((12, 25, "Christmas Day"), (1, 1, "New Year's Day"), (7, 4, "Independence Day"))


def _next_holidays(today: date) -> list[tuple[date, str]]:
    """Each holiday's next date, today included."""
    found = []
    for month, day, name in HOLIDAYS:
        when = date(today.year, month, day)
        found.append((when if when >= today else date(today.year + 1, month, day), name))
    return found


@transaction.atomic
def demo_schedule(clinic: Clinic) -> list[str]:
    """Weekly hours for every coordinator and psychiatrist without any, and, when the clinic has no
    appointments yet, a phone consultation and a 90-minute evaluation for patients on its worklist."""
    lines = []
    for person in clinicians(clinic):
        if AvailabilityWindow.objects.filter(clinic=clinic, clinician=person).exists():
            continue
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(clinic=clinic, clinician=person, weekday=day, start_time=start, end_time=end)
            for day in WORKDAYS
            for start, end in DEMO_HOURS
        )
        lines.append(f"  {person.get_full_name()}: weekdays 9:00-12:00 and 13:00-17:00 at {clinic.name}")
    today = timezone.now().astimezone(clinic.zone).date()
    for when, name in _next_holidays(today):
        ClinicClosure.objects.get_or_create(clinic=clinic, date=when, defaults={"name": name})
    if Appointment.objects.filter(clinic=clinic).exists():
        return lines
    entries = list(
        WorklistEntry.objects.filter(clinic=clinic)
        .exclude(status=WorklistEntry.Status.CLOSED)
        .select_related("patient")
        .order_by("created_at")[:2]
    )
    if not entries:
        return lines
    coordinators = [p for p in clinicians(clinic) if p.clinic_role == Role.COORDINATOR]
    psychiatrists = [p for p in clinicians(clinic) if p.clinic_role == Role.PSYCHIATRIST]
    plan = [
        (entries[0], Appointment.Kind.CONSULTATION, 15, (coordinators or psychiatrists)[:1], 1),
        (entries[-1], Appointment.Kind.EVALUATION, 90, psychiatrists[:1], 3),
    ]
    booked_by = (coordinators or psychiatrists or [None])[0]
    for entry, kind, minutes, people, days_ahead in plan:
        if not people or booked_by is None:
            continue
        appointment = _book_first_free(clinic, entry, kind, minutes, people[0], booked_by, days_ahead)
        if appointment is not None:
            local = appointment.starts_at.astimezone(clinic.zone)
            lines.append(
                f"  {appointment.get_kind_display()} for {entry.patient.get_full_name()} "
                f"on {local:%a %d %b %H:%M} at {clinic.name}"
            )
    return lines


def _book_first_free(clinic, entry, kind, minutes, clinician, booked_by, days_ahead) -> Appointment | None:
    now = timezone.now()
    duration = timedelta(minutes=minutes)
    slots = free_slots(
        clinic=clinic,
        clinician_ids=[clinician.pk],
        kind=kind,
        duration=duration,
        now=now,
        patient=entry.patient,
        min_notice=timedelta(days=days_ahead),
    )
    for slot in slots[:5]:
        try:
            with transaction.atomic():
                return appointment_book(
                    clinic=clinic,
                    kind=kind,
                    clinician=clinician,
                    patient=entry.patient,
                    starts_at=slot.starts_at,
                    duration=duration,
                    booked_by=booked_by,
                    entry=entry,
                )
        except SlotTaken:
            continue
    return None
