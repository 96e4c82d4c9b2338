"""Writes for scheduling: availability, booking, rescheduling, cancelling, marking, the checklist.

Every write is one transaction and is audited. Double-booking is refused by the database: exclusion
constraints on PostgreSQL (two coordinators booking the same slot at once: one wins, the other gets
SlotTaken). On SQLite the transaction takes the write lock first, so the overlap check and the insert
are one serial step.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import access
from clinics.models import Clinic, Role
from core.audit import audit_record
from core.outbox import outbox_add

from .models import (
    PATIENT_BUSY_MESSAGE,
    SLOT_TAKEN_MESSAGE,
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityWindow,
    ClinicClosure,
    PreEvaluationChecklist,
    WorklistEntry,
)
from .selectors import (
    ACTIVE,
    CLINICIAN_ROLES,
    PATIENT_MIN_NOTICE,
    allowed_minutes,
    availability_for,
    clinician_in_clinic,
    clinicians,
    free_slots,
    patient_may_change,
)


class SlotTaken(Exception):
    """The clinician already has an appointment at that time (often: someone booked it a moment ago)."""

    default_message = gettext_lazy(SLOT_TAKEN_MESSAGE)  # the msgid is marked in scheduling/models.py

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class PatientBusy(SlotTaken):
    """The patient already has an appointment overlapping that time."""

    default_message = PATIENT_BUSY_MESSAGE


NOT_BOOKED_MESSAGE = gettext_lazy(
    "This appointment is no longer booked, so it cannot be changed. Reload the page to see why."
)
PAST_MESSAGE = gettext_lazy("That time has already passed. Please choose another slot.")
REASON_MESSAGE = "Please give a reason."


# --- checks shared by booking and rescheduling -------------------------------------------------------


def _check_kind_and_duration(kind: str, duration: timedelta) -> None:
    if kind not in Appointment.Kind.values:
        raise ValidationError("Choose a type of appointment.")
    if duration.total_seconds() / 60 not in allowed_minutes(kind):
        minutes = " or ".join(str(m) for m in allowed_minutes(kind))
        raise ValidationError(f"A {Appointment.Kind(kind).label.lower()} lasts {minutes} minutes.")


def _check_clinician(clinic: Clinic, clinician: Any, kind: str) -> None:
    if clinician_in_clinic(clinic, clinician.pk, kind) is None:
        if kind == Appointment.Kind.EVALUATION:
            raise ValidationError("Only a psychiatrist of this clinic can hold a psychiatric evaluation.")
        raise ValidationError("Choose a coordinator or psychiatrist of this clinic.")


def _check_time(clinic: Clinic, clinician: Any, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise ValidationError("The time must carry its time zone.")
    if starts_at <= now:
        raise ValidationError(PAST_MESSAGE)
    day = starts_at.astimezone(clinic.zone).date()
    availability = availability_for(clinic=clinic, clinician_ids=[clinician.pk], first_day=day, last_day=day)
    if not availability[clinician.pk].contains(starts_at, ends_at):
        name = clinician.get_full_name()
        raise ValidationError(f"That time is outside {name}'s available hours. Please choose another slot.")


def _take_write_lock() -> None:
    """SQLite: take the database write lock now, so no other booking can slip in between check and insert.

    PostgreSQL needs nothing here: its exclusion constraints decide between concurrent bookings.
    """
    if connection.vendor == "sqlite":
        Appointment.objects.filter(pk=None).update(status=Appointment.Status.BOOKED)


def _overlap(*, clinician_id: Any, patient_id: Any, starts_at: datetime, ends_at: datetime) -> type[SlotTaken] | None:
    """Which overlap would this appointment cause, if any (checked in the booking transaction)."""
    rows = Appointment.objects.filter(ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if rows.filter(clinician_id=clinician_id).exists():
        return SlotTaken
    if rows.filter(patient_id=patient_id).exists():
        return PatientBusy
    return None


DEADLOCK_DETECTED = "40P01"


def _violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or str(exc)


def _insert(**fields: Any) -> Appointment:
    """Insert an active appointment; an overlap (now, or by a concurrent booking) raises SlotTaken."""
    _take_write_lock()
    problem = _overlap(
        clinician_id=fields["clinician"].pk,
        patient_id=fields["patient"].pk,
        starts_at=fields["starts_at"],
        ends_at=fields["ends_at"],
    )
    if problem is not None:
        raise problem()
    for attempt in range(2):
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction stays usable for the message
                appointment = Appointment(**fields)
                appointment.series = fields.get("series") or appointment.id
                appointment.save(force_insert=True)
            return appointment
        except IntegrityError as exc:
            name = _violated_constraint(exc)
            if "appointment_no_clinician_overlap" in name:
                raise SlotTaken() from exc
            if "appointment_no_patient_overlap" in name:
                raise PatientBusy() from exc
            raise
        except OperationalError as exc:
            # Two bookings checking both exclusion constraints can deadlock; PostgreSQL aborts one. Once
            # the other commits, inserting again meets its row and gives the clear message above.
            if getattr(exc.__cause__, "pgcode", None) != DEADLOCK_DETECTED or attempt:
                raise
    raise SlotTaken()  # pragma: no cover - the loop returns or raises


def _event(appointment: Appointment, action: str, by: Any, reason: str = "", at: datetime | None = None) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment, action=action, by=by, reason=reason, at=at or timezone.now()
    )


def _entry_scheduled(entry_id: Any, now: datetime) -> None:
    WorklistEntry.objects.filter(pk=entry_id).exclude(status=WorklistEntry.Status.CLOSED).update(
        status=WorklistEntry.Status.SCHEDULED, updated_at=now
    )


# --- booking ------------------------------------------------------------------------------------------


@transaction.atomic
def appointment_book(
    *,
    clinic: Clinic,
    kind: str,
    clinician: Any,
    patient: Any,
    starts_at: datetime,
    duration: timedelta,
    booked_by: Any,
    entry: WorklistEntry | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book a slot; the worklist entry becomes "scheduled" and the patient is e-mailed an invitation.

    Raises ValidationError for a wrong type, length, clinician or time, SlotTaken when the clinician is
    no longer free (PatientBusy when the patient is not).
    """
    now = now or timezone.now()
    _check_kind_and_duration(kind, duration)
    _check_clinician(clinic, clinician, kind)
    if entry is not None and (entry.clinic_id != clinic.pk or entry.patient_id != patient.pk):
        raise ValidationError("This worklist entry belongs to another patient or clinic.")
    if entry is not None and entry.status == WorklistEntry.Status.CLOSED:
        raise ValidationError("This worklist entry is closed. Reopen it before booking.")
    ends_at = starts_at + duration
    _check_time(clinic, clinician, starts_at, ends_at, now)
    appointment = _insert(
        clinic=clinic,
        kind=kind,
        clinician=clinician,
        patient=patient,
        entry=entry,
        starts_at=starts_at,
        ends_at=ends_at,
        booked_by=booked_by,
        created_at=now,
    )
    _event(appointment, AppointmentEvent.Action.BOOKED, booked_by, at=now)
    if entry is not None:
        _entry_scheduled(entry.pk, now)
    outbox_add(kind="appointment.booked", recipient=patient, obj=appointment, clinic=clinic)
    audit_record(
        action="appointment.book",
        actor=booked_by,
        clinic=clinic,
        obj=appointment,
        request=request,
        detail={
            "kind": kind,
            "minutes": int(duration.total_seconds() // 60),
            "clinician_id": str(clinician.pk),
            "patient_id": str(patient.pk),
            "entry_id": str(entry.pk) if entry else "",
        },
    )
    return appointment


@transaction.atomic
def appointment_book_consultation_by_patient(
    *,
    clinic: Clinic,
    patient: Any,
    entry: WorklistEntry,
    starts_at: datetime,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """A patient books the free phone consultation at a time; the first clinician free then takes it."""
    now = now or timezone.now()
    if entry.patient_id != patient.pk or entry.clinic_id != clinic.pk or entry.status == WorklistEntry.Status.CLOSED:
        raise ValidationError(_("You cannot book a call with this clinic yet."))
    if starts_at < now + PATIENT_MIN_NOTICE:
        raise ValidationError(_("Please choose a time at least two hours from now."))
    kind = Appointment.Kind.CONSULTATION
    duration = timedelta(minutes=allowed_minutes(kind)[0])
    local_day = starts_at.astimezone(clinic.zone).date()
    candidates = [
        slot.clinician_id
        for slot in free_slots(
            clinic=clinic,
            clinician_ids=[u.pk for u in clinicians(clinic, kind)],
            kind=kind,
            duration=duration,
            now=now,
            first_day=local_day,
            days=1,
            patient=patient,
            min_notice=PATIENT_MIN_NOTICE,
        )
        if slot.starts_at == starts_at
    ]
    people = {u.pk: u for u in clinicians(clinic, kind)}
    for clinician_id in candidates:
        try:
            with transaction.atomic():
                return appointment_book(
                    clinic=clinic,
                    kind=kind,
                    clinician=people[clinician_id],
                    patient=patient,
                    starts_at=starts_at,
                    duration=duration,
                    booked_by=patient,
                    entry=entry,
                    request=request,
                    now=now,
                )
        except PatientBusy:
            raise
        except SlotTaken:
            continue  # someone took this clinician a moment ago: try the next one free then
    raise SlotTaken()


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    by: Any,
    reason: str,
    clinician: Any = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment: this one is cancelled with the reason, a new one takes the new time.

    Both in one transaction, so a refused new time leaves the old appointment as it was.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_MESSAGE)
    old = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("clinic", "clinician", "patient")
        .get(pk=appointment.pk)
    )
    if old.status != Appointment.Status.BOOKED:
        raise ValidationError(NOT_BOOKED_MESSAGE)
    clinician = clinician or old.clinician
    _check_clinician(old.clinic, clinician, old.kind)
    duration = old.ends_at - old.starts_at
    ends_at = starts_at + duration
    _check_time(old.clinic, clinician, starts_at, ends_at, now)
    old.status = Appointment.Status.CANCELLED
    old.cancel_reason = reason
    old.save(update_fields=["status", "cancel_reason", "updated_at"])
    new = _insert(
        clinic=old.clinic,
        kind=old.kind,
        clinician=clinician,
        patient=old.patient,
        entry=old.entry,
        starts_at=starts_at,
        ends_at=ends_at,
        booked_by=by,
        rescheduled_from=old,
        series=old.series,
        created_at=now,
    )
    _event(old, AppointmentEvent.Action.RESCHEDULED, by, reason, at=now)
    _event(new, AppointmentEvent.Action.BOOKED, by, reason, at=now)
    if old.entry_id:
        _entry_scheduled(old.entry_id, now)
    outbox_add(kind="appointment.rescheduled", recipient=old.patient, obj=new, clinic=old.clinic)
    audit_record(
        action="appointment.reschedule",
        actor=by,
        clinic=old.clinic,
        obj=new,
        request=request,
        detail={"from_id": str(old.pk), "clinician_id": str(clinician.pk), "patient_id": str(old.patient_id)},
    )
    return new


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by: Any, reason: str, request: HttpRequest | None = None
) -> Appointment:
    """Cancel with a reason. With nothing else booked, the patient goes back to "to contact" on the worklist."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_MESSAGE)
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(NOT_BOOKED_MESSAGE)
    now = timezone.now()
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _event(appointment, AppointmentEvent.Action.CANCELLED, by, reason, at=now)
    if appointment.entry_id:
        still_booked = Appointment.objects.filter(
            entry_id=appointment.entry_id, status=Appointment.Status.BOOKED, ends_at__gt=now
        ).exists()
        if not still_booked:
            WorklistEntry.objects.filter(pk=appointment.entry_id, status=WorklistEntry.Status.SCHEDULED).update(
                status=WorklistEntry.Status.TO_CONTACT, updated_at=now
            )
    outbox_add(kind="appointment.cancelled", recipient=appointment.patient, obj=appointment, clinic=appointment.clinic)
    audit_record(
        action="appointment.cancel",
        actor=by,
        clinic=appointment.clinic,
        obj=appointment,
        request=request,
        detail={"patient_id": str(appointment.patient_id)},
    )
    return appointment


# --- the patient's own changes, up to the clinic's cut-off --------------------------------------------------

PATIENT_CANCEL_REASON = "Cancelled by the patient on the website"
PATIENT_MOVE_REASON = "Moved by the patient on the website"


def _patient_change_checked(appointment: Appointment, patient: Any, now: datetime) -> Appointment:
    """The patient's own booked appointment, locked, still outside the clinic's cut-off (else ValidationError)."""
    locked = Appointment.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=appointment.pk)
    if locked.patient_id != patient.pk:
        raise ValidationError(_("This is not your appointment."))
    if locked.status != Appointment.Status.BOOKED:
        raise ValidationError(NOT_BOOKED_MESSAGE)
    if not patient_may_change(locked, now):
        clinic = locked.clinic
        raise ValidationError(
            _(
                "Your appointment is less than %(hours)s hours away, so it can no longer be changed here. "
                "Please call %(clinic)s at %(phone)s."
            )
            % {"hours": clinic.patient_change_cutoff_hours, "clinic": clinic.name, "phone": clinic.phone}
        )
    return locked


def _tell_schedulers(appointment: Appointment) -> None:
    """Coordinators and clinic admins hear that a patient changed an appointment (the page says what)."""
    for member in access.members(appointment.clinic_id, (Role.COORDINATOR, Role.CLINIC_ADMIN)):
        outbox_add(
            kind="appointment.patient_changed",
            recipient=member.user,
            obj=appointment,
            clinic=appointment.clinic,
        )


@transaction.atomic
def appointment_cancel_by_patient(
    *, appointment: Appointment, patient: Any, request: HttpRequest | None = None, now: datetime | None = None
) -> Appointment:
    """The patient cancels their own appointment, up to the clinic's cut-off; the coordinators are told."""
    now = now or timezone.now()
    locked = _patient_change_checked(appointment, patient, now)
    cancelled = appointment_cancel(appointment=locked, by=patient, reason=PATIENT_CANCEL_REASON, request=request)
    _tell_schedulers(cancelled)
    return cancelled


@transaction.atomic
def appointment_reschedule_by_patient(
    *,
    appointment: Appointment,
    patient: Any,
    starts_at: datetime,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """The patient moves their own appointment to another free time of the same clinician, up to the cut-off.

    The same checks as a coordinator's move (hours, overlaps, the exclusion constraints), the same history."""
    now = now or timezone.now()
    locked = _patient_change_checked(appointment, patient, now)
    if starts_at < now + PATIENT_MIN_NOTICE:
        raise ValidationError(_("Please choose a time at least two hours from now."))
    new = appointment_reschedule(
        appointment=locked, starts_at=starts_at, by=patient, reason=PATIENT_MOVE_REASON, request=request, now=now
    )
    _tell_schedulers(new)
    return new


MARKS = {
    Appointment.Status.ATTENDED: AppointmentEvent.Action.ATTENDED,
    Appointment.Status.NO_SHOW: AppointmentEvent.Action.NO_SHOW,
}


@transaction.atomic
def appointment_mark(
    *,
    appointment: Appointment,
    outcome: str,
    by: Any,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Attended or did not attend, once the appointment has started (a wrong mark can be corrected).

    An attended evaluation ticks "evaluation done" on the patient's checklist.
    """
    if outcome not in MARKS:
        raise ValidationError("Choose attended or did not attend.")
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        raise ValidationError("This appointment was cancelled, so it cannot be marked.")
    if appointment.starts_at > now:
        raise ValidationError("You can mark this once the appointment has started.")
    if appointment.status == outcome:
        return appointment
    appointment.status = outcome
    appointment.save(update_fields=["status", "updated_at"])
    _event(appointment, MARKS[outcome], by, at=now)
    audit_record(
        action="appointment.mark",
        actor=by,
        clinic=appointment.clinic,
        obj=appointment,
        request=request,
        detail={"status": outcome, "patient_id": str(appointment.patient_id)},
    )
    if outcome == Appointment.Status.ATTENDED and appointment.kind == Appointment.Kind.EVALUATION:
        checklist_tick(
            clinic=appointment.clinic, patient=appointment.patient, item="evaluation_done", done=True, by=by, now=now
        )
    return appointment


# --- the pre-evaluation checklist ---------------------------------------------------------------------


@transaction.atomic
def checklist_tick(
    *,
    clinic: Clinic,
    patient: Any,
    item: str,
    done: bool,
    by: Any,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> PreEvaluationChecklist:
    """Tick (who and when are kept) or untick one item; ticking twice keeps the first tick."""
    if item not in PreEvaluationChecklist.ITEMS:
        raise ValidationError("Choose an item of the checklist.")
    PreEvaluationChecklist.objects.get_or_create(clinic=clinic, patient=patient)
    checklist = PreEvaluationChecklist.objects.select_for_update().get(clinic=clinic, patient=patient)
    ticked = getattr(checklist, f"{item}_at") is not None
    if ticked == done:
        return checklist
    setattr(checklist, f"{item}_at", (now or timezone.now()) if done else None)
    setattr(checklist, f"{item}_by", by if done else None)
    checklist.save()
    audit_record(
        action="checklist.tick" if done else "checklist.untick",
        actor=by,
        clinic=clinic,
        obj=checklist,
        request=request,
        detail={"item": item, "patient_id": str(patient.pk)},
    )
    return checklist


# --- availability -------------------------------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%I:%M %p").lstrip("0")


@transaction.atomic
def availability_window_add(
    *,
    clinic: Clinic,
    clinician: Any,
    weekday: int,
    start_time: time,
    end_time: time,
    by: Any,
    request: HttpRequest | None = None,
) -> AvailabilityWindow:
    if clinician_in_clinic(clinic, clinician.pk) is None:
        raise ValidationError("Only coordinators and psychiatrists of this clinic have bookable hours.")
    if start_time >= end_time:
        raise ValidationError({"end_time": "The end must be after the start."})
    clash = (
        AvailabilityWindow.objects.select_for_update()
        .filter(clinic=clinic, clinician=clinician, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            f"These hours overlap {clash.get_weekday_display()} {_hhmm(clash.start_time)} to {_hhmm(clash.end_time)}. "
            "Change or remove those first."
        )
    window = AvailabilityWindow.objects.create(
        clinic=clinic, clinician=clinician, weekday=weekday, start_time=start_time, end_time=end_time
    )
    audit_record(
        action="availability.window_add",
        actor=by,
        clinic=clinic,
        obj=window,
        request=request,
        detail={"clinician_id": str(clinician.pk), "weekday": weekday},
    )
    return window


@transaction.atomic
def availability_window_remove(*, window: AvailabilityWindow, by: Any, request: HttpRequest | None = None) -> None:
    """Booked appointments stay booked; only new bookings no longer see these hours."""
    audit_record(
        action="availability.window_remove",
        actor=by,
        clinic=window.clinic,
        obj=window,
        request=request,
        detail={"clinician_id": str(window.clinician_id), "weekday": window.weekday},
    )
    window.delete()


@transaction.atomic
def availability_exception_add(
    *,
    clinic: Clinic,
    clinician: Any,
    day: date,
    kind: str,
    by: Any,
    start_time: time | None = None,
    end_time: time | None = None,
    request: HttpRequest | None = None,
) -> AvailabilityException:
    if clinician_in_clinic(clinic, clinician.pk) is None:
        raise ValidationError("Only coordinators and psychiatrists of this clinic have bookable hours.")
    if kind == AvailabilityException.Kind.DAY_OFF:
        start_time = end_time = None
        if AvailabilityException.objects.filter(clinic=clinic, clinician=clinician, date=day, kind=kind).exists():
            raise ValidationError({"date": "This date is already a day off."})
    elif kind == AvailabilityException.Kind.EXTRA_HOURS:
        errors = {}
        if start_time is None:
            errors["start_time"] = "Enter when the extra hours start."
        if end_time is None:
            errors["end_time"] = "Enter when the extra hours end."
        if not errors and start_time >= end_time:
            errors["end_time"] = "The end must be after the start."
        if errors:
            raise ValidationError(errors)
    else:
        raise ValidationError({"kind": "Choose a day off or extra hours."})
    exception = AvailabilityException.objects.create(
        clinic=clinic, clinician=clinician, date=day, kind=kind, start_time=start_time, end_time=end_time
    )
    audit_record(
        action="availability.exception_add",
        actor=by,
        clinic=clinic,
        obj=exception,
        request=request,
        detail={"clinician_id": str(clinician.pk), "kind": kind, "date": day.isoformat()},
    )
    return exception


@transaction.atomic
def availability_exception_remove(
    *, exception: AvailabilityException, by: Any, request: HttpRequest | None = None
) -> None:
    audit_record(
        action="availability.exception_remove",
        actor=by,
        clinic=exception.clinic,
        obj=exception,
        request=request,
        detail={"clinician_id": str(exception.clinician_id), "kind": exception.kind},
    )
    exception.delete()


@transaction.atomic
def clinic_closure_add(
    *, clinic: Clinic, day: date, name: str = "", by: Any, request: HttpRequest | None = None
) -> ClinicClosure:
    """Close the clinic on a date: no free time is offered on it; appointments already booked stay booked
    and show on the coordinators' worklist to be moved."""
    if ClinicClosure.objects.select_for_update().filter(clinic=clinic, date=day).exists():
        raise ValidationError({"date": "The clinic is already closed on this date."})
    closure = ClinicClosure.objects.create(clinic=clinic, date=day, name=name.strip(), created_by=by)
    audit_record(
        action="closure.add", actor=by, clinic=clinic, obj=closure, request=request, detail={"date": day.isoformat()}
    )
    return closure


@transaction.atomic
def clinic_closure_remove(*, closure: ClinicClosure, by: Any, request: HttpRequest | None = None) -> None:
    audit_record(
        action="closure.remove",
        actor=by,
        clinic=closure.clinic,
        obj=closure,
        request=request,
        detail={"date": closure.date.isoformat()},
    )
    closure.delete()


__all__ = [
    "CLINICIAN_ROLES",
    "PatientBusy",
    "SlotTaken",
    "appointment_book",
    "appointment_book_consultation_by_patient",
    "appointment_cancel",
    "appointment_mark",
    "appointment_reschedule",
    "availability_exception_add",
    "availability_exception_remove",
    "availability_window_add",
    "availability_window_remove",
    "checklist_tick",
    "clinic_closure_add",
    "clinic_closure_remove",
]


# --- the coordinators' worklist -----------------------------------------------------------------------
# Notes are free text written by staff: stored with the attempt, shown on the entry page, and never put in
# the audit log, a log line or an e-mail.

WORKLIST_ROLES = (Role.COORDINATOR, Role.CLINIC_ADMIN)


def _require_worklist_role(user: Any, clinic_id: Any) -> None:
    access.require_role(user, clinic_id, WORKLIST_ROLES, "Only the clinic's coordinators and admins work the worklist.")


def _worklist_entry_locked(entry: Any) -> Any:
    from .models import WorklistEntry

    return WorklistEntry.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=entry.pk)


def worklist_view_record(*, entries: list[Any], by: Any, clinic: Clinic, status: str, request=None) -> None:
    """Audit who saw which patients' contact details on a worklist page (ids only)."""
    audit_record(
        action="worklist.list",
        actor=by,
        clinic=clinic,
        request=request,
        detail={"status": status, "entries": [str(e.pk) for e in entries]},
    )


def worklist_entry_view_record(*, entry: Any, by: Any, request=None) -> None:
    """Audit one view of a worklist entry (contact details and the contact history)."""
    audit_record(
        action="worklist.view",
        actor=by,
        clinic=entry.clinic,
        obj=entry,
        request=request,
        detail={"status": entry.status, "patient_id": str(entry.patient_id)},
    )


@transaction.atomic
def contact_attempt_log(*, entry: Any, by: Any, outcome: str, note: str = "", request=None) -> Any:
    """Record one call or message to the patient. Reached: the entry becomes "reached" (from "to contact"
    or "unreachable"); a voicemail or no answer leaves the status as it is."""
    from .models import ContactAttempt, WorklistEntry

    entry = _worklist_entry_locked(entry)
    _require_worklist_role(by, entry.clinic_id)
    if outcome not in ContactAttempt.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened on the call."})
    if entry.status == WorklistEntry.Status.CLOSED:
        raise ValidationError("This patient is no longer on the worklist, so no call can be logged.")
    note = (note or "").strip()
    if len(note) > ContactAttempt._meta.get_field("note").max_length:
        raise ValidationError({"note": "Keep the note under 500 characters."})
    now = timezone.now()
    attempt = ContactAttempt.objects.create(
        clinic_id=entry.clinic_id, patient_id=entry.patient_id, entry=entry, by=by, at=now, outcome=outcome, note=note
    )
    before = entry.status
    if outcome == ContactAttempt.Outcome.REACHED and entry.status in (
        WorklistEntry.Status.TO_CONTACT,
        WorklistEntry.Status.UNREACHABLE,
    ):
        entry.status = WorklistEntry.Status.REACHED
    entry.attempts = F("attempts") + 1
    entry.last_attempt_at = now
    entry.save(update_fields=["status", "attempts", "last_attempt_at", "updated_at"])
    entry.refresh_from_db(fields=["attempts"])
    audit_record(
        action="worklist.attempt",
        actor=by,
        clinic=entry.clinic,
        obj=entry,
        request=request,
        detail={
            "attempt_id": str(attempt.pk),
            "outcome": outcome,
            "from": before,
            "to": entry.status,
            "with_note": bool(note),
        },
    )
    return attempt


CALLER_ROLES = (Role.PSYCHIATRIST, Role.COORDINATOR, Role.CLINIC_ADMIN)


@transaction.atomic
def patient_contact_log(
    *, clinic: Clinic, patient: Any, by: Any, outcome: str, note: str = "", request: HttpRequest | None = None
) -> Any:
    """Record a call to a patient made outside the worklist (a psychiatrist on an urgent case): the same log the
    coordinators keep, so whoever calls next sees it."""
    from .models import ContactAttempt

    access.require_role(by, clinic, CALLER_ROLES, "Only the clinic's staff log calls.")
    if outcome not in ContactAttempt.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened on the call."})
    note = (note or "").strip()
    if len(note) > ContactAttempt._meta.get_field("note").max_length:
        raise ValidationError({"note": "Keep the note under 500 characters."})
    attempt = ContactAttempt.objects.create(clinic=clinic, patient=patient, by=by, outcome=outcome, note=note)
    audit_record(
        action="patient.contact_attempt",
        actor=by,
        clinic=clinic,
        obj=attempt,
        request=request,
        detail={"patient_id": str(patient.pk), "outcome": outcome, "with_note": bool(note)},
    )
    return attempt


def unanswered_attempts(entry: Any) -> int:
    from .models import ContactAttempt

    return ContactAttempt.objects.filter(
        entry_id=entry.pk, outcome__in=[ContactAttempt.Outcome.VOICEMAIL, ContactAttempt.Outcome.NO_ANSWER]
    ).count()


@transaction.atomic
def worklist_mark_unreachable(*, entry: Any, by: Any, request=None) -> Any:
    """After WORKLIST_UNREACHABLE_AFTER unanswered calls, a patient still to contact can be marked unreachable
    (a later call that reaches them brings them back as "reached")."""
    from .models import WorklistEntry

    entry = _worklist_entry_locked(entry)
    _require_worklist_role(by, entry.clinic_id)
    if entry.status != WorklistEntry.Status.TO_CONTACT:
        raise ValidationError("Only a patient who is still to contact can be marked unreachable.")
    unanswered = unanswered_attempts(entry)
    needed = settings.WORKLIST_UNREACHABLE_AFTER
    if unanswered < needed:
        raise ValidationError(
            f"Try at least {needed} times before marking the patient unreachable ({unanswered} unanswered so far)."
        )
    entry.status = WorklistEntry.Status.UNREACHABLE
    entry.save(update_fields=["status", "updated_at"])
    audit_record(
        action="worklist.unreachable",
        actor=by,
        clinic=entry.clinic,
        obj=entry,
        request=request,
        detail={"unanswered": unanswered},
    )
    return entry
