"""Appointments: booking from the worklist, the patient's own free call, moving, cancelling, marking, and the
reads of the calendar and the patient's pages. The only code that writes appointments and changes their status.

Every write is one transaction and is audited. Double-booking is refused by the database: exclusion
constraints on PostgreSQL (two coordinators booking the same slot at once: one wins, the other gets
SlotTaken). On SQLite the transaction takes the write lock first, so the overlap check and the insert
are one serial step.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics import access
from clinics.models import Clinic, Membership, Role
from core.audit import audit_record
from core.outbox import outbox_add

from . import worklist
from .actions import Actions
from .availability import (
    ACTIVE,
    ONLY_PSYCHIATRISTS,
    PATIENT_MIN_NOTICE,
    _instant,
    allowed_minutes,
    availability_for,
    clinician_in_clinic,
    clinicians,
    free_slots,
)
from .checklist import checklist_tick
from .models import (
    PATIENT_BUSY_MESSAGE,
    SLOT_TAKEN_MESSAGE,
    Appointment,
    AppointmentEvent,
    WorklistEntry,
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


SCHEDULERS = (Role.COORDINATOR, Role.CLINIC_ADMIN)
NOT_BOOKED_MESSAGE = gettext_lazy(
    "This appointment is no longer booked, so it cannot be changed. Reload the page to see why."
)
PAST_MESSAGE = gettext_lazy("That time has already passed. Please choose another slot.")
REASON_MESSAGE = "Please give a reason."
SCHEDULERS_ONLY_MESSAGE = "Only the clinic's coordinators and admins book and change appointments."
STAFF_ONLY_MESSAGE = "Only the clinic's staff mark appointments."
NOT_HERE_MESSAGE = "Only the clinic's staff and the patient change an appointment."
CANCELLED_NO_MARK_MESSAGE = "This appointment was cancelled, so it cannot be marked."
NOT_STARTED_MESSAGE = "You can mark this once the appointment has started."


# --- what may be done to an appointment -----------------------------------------------------------------


def _too_late_message(clinic: Clinic) -> str:
    return _(
        "Your appointment is less than %(hours)s hours away, so it can no longer be changed here. "
        "Please call %(clinic)s at %(phone)s."
    ) % {"hours": clinic.patient_change_cutoff_hours, "clinic": clinic.name, "phone": clinic.phone}


def allowed_actions(appointment: Appointment, membership: Membership | None, *, now: datetime | None = None) -> Actions:
    """Cancel, reschedule (move) and mark. `membership` None: the patient themself, on their own appointment, who
    may cancel or move it until the clinic's cut-off and never mark it."""
    now = now or timezone.now()
    booked = appointment.status == Appointment.Status.BOOKED
    not_booked = "" if booked else NOT_BOOKED_MESSAGE
    if membership is None:
        change = not_booked or ("" if patient_may_change(appointment, now) else _too_late_message(appointment.clinic))
        return Actions({"cancel": change, "reschedule": change, "mark": STAFF_ONLY_MESSAGE}, frozenset({"mark"}))
    forbidden = set()
    change = not_booked
    if membership.role not in SCHEDULERS:
        change = SCHEDULERS_ONLY_MESSAGE
        forbidden |= {"cancel", "reschedule"}
    if appointment.status == Appointment.Status.CANCELLED:
        mark = CANCELLED_NO_MARK_MESSAGE
    elif appointment.starts_at > now:
        mark = NOT_STARTED_MESSAGE
    else:
        mark = ""
    return Actions({"cancel": change, "reschedule": change, "mark": mark}, frozenset(forbidden))


def _actions_for(appointment: Appointment, by: Any, now: datetime | None = None) -> Actions:
    """What `by` may do: the patient on their own appointment, else a member of its clinic (else nothing)."""
    if by.pk == appointment.patient_id:
        return allowed_actions(appointment, None, now=now)
    membership = access.membership(by, appointment.clinic_id)
    if membership is None:
        raise PermissionDenied(NOT_HERE_MESSAGE)
    return allowed_actions(appointment, membership, now=now)


# --- checks shared by booking and rescheduling -------------------------------------------------------


def _check_kind_and_duration(kind: str, duration: timedelta) -> None:
    if kind not in Appointment.Kind.values:
        raise ValidationError("Choose a type of appointment.")
    if duration.total_seconds() / 60 not in allowed_minutes(kind):
        minutes = " or ".join(str(m) for m in allowed_minutes(kind))
        raise ValidationError(f"A {Appointment.Kind(kind).label.lower()} lasts {minutes} minutes.")


def _check_clinician(clinic: Clinic, clinician: Any, kind: str) -> None:
    if clinician_in_clinic(clinic, clinician.pk, kind) is None:
        if clinician_in_clinic(clinic, clinician.pk) is not None:  # of this clinic, in a role that may not
            raise ValidationError(ONLY_PSYCHIATRISTS)
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
    membership = None  # the patient booking their own call
    if booked_by.pk != patient.pk:
        membership = access.membership(booked_by, clinic)
        if membership is None or membership.role not in SCHEDULERS:
            raise PermissionDenied(SCHEDULERS_ONLY_MESSAGE)
    _check_kind_and_duration(kind, duration)
    _check_clinician(clinic, clinician, kind)
    if entry is not None:
        if entry.clinic_id != clinic.pk or entry.patient_id != patient.pk:
            raise ValidationError("This worklist entry belongs to another patient or clinic.")
        worklist.allowed_actions(entry, membership).require("book")
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
        worklist.entry_scheduled(entry.pk, now)
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
    _actions_for(old, by, now).require("reschedule")
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
        worklist.entry_scheduled(old.entry_id, now)
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
    *,
    appointment: Appointment,
    by: Any,
    reason: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Cancel with a reason. With nothing else booked, the patient goes back to "to contact" on the worklist."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_MESSAGE)
    appointment = Appointment.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=appointment.pk)
    _actions_for(appointment, by, now).require("cancel")
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _event(appointment, AppointmentEvent.Action.CANCELLED, by, reason, at=now)
    if appointment.entry_id:
        still_booked = Appointment.objects.filter(
            entry_id=appointment.entry_id, status=Appointment.Status.BOOKED, ends_at__gt=now
        ).exists()
        if not still_booked:
            worklist.entry_unscheduled(appointment.entry_id, now)
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


def _patients_own(appointment: Appointment, patient: Any) -> Appointment:
    """The patient's own appointment, locked (else ValidationError); what they may do to it, allowed_actions says."""
    locked = Appointment.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=appointment.pk)
    if locked.patient_id != patient.pk:
        raise ValidationError(_("This is not your appointment."))
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
    locked = _patients_own(appointment, patient)
    cancelled = appointment_cancel(
        appointment=locked, by=patient, reason=PATIENT_CANCEL_REASON, request=request, now=now
    )
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
    locked = _patients_own(appointment, patient)
    allowed_actions(locked, None, now=now).require("reschedule")
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
    _actions_for(appointment, by, now).require("mark")
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


# --- reads -------------------------------------------------------------------------------------------


def appointment_in_clinic(clinic: Clinic, appointment_id: Any) -> Appointment | None:
    return (
        Appointment.objects.filter(clinic=clinic, pk=appointment_id)
        .select_related(
            "clinic",
            "clinician",
            "patient",
            "booked_by",
            "entry__clinic",
            "entry__team_note_by",
            "rescheduled_from",
            "rescheduled_to",
        )
        .first()
    )


def patient_may_change(appointment: Appointment, now: datetime) -> bool:
    """Whether the patient may still cancel or move this appointment themselves (the clinic's cut-off)."""
    cutoff = timedelta(hours=appointment.clinic.patient_change_cutoff_hours)
    return appointment.status == Appointment.Status.BOOKED and appointment.starts_at - now >= cutoff


def appointment_for_patient(*, user: Any, appointment_id: Any) -> Appointment | None:
    """The signed-in patient's own appointment; anyone else's id gives None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Appointment.objects.filter(patient=user, pk=appointment_id)
        .select_related("clinic", "clinician", "rescheduled_to")
        .first()
    )


def appointment_history(appointment: Appointment) -> list[AppointmentEvent]:
    """Every event of the appointment's reschedule chain, oldest first (one query)."""
    return list(
        AppointmentEvent.objects.filter(appointment__series=appointment.series)
        .select_related("by", "appointment")
        .order_by("at", "id")
    )


def appointments_for_entry(entry: WorklistEntry) -> list[Appointment]:
    return list(
        Appointment.objects.filter(clinic_id=entry.clinic_id, patient_id=entry.patient_id)
        .select_related("clinician")
        .order_by("-starts_at")[:20]
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class CalendarItem:
    """One appointment as the week view draws it, its words ready: no model instances, since a busy clinic's
    week holds a hundred or more and the calendar is opened all day."""

    pk: Any
    kind: str
    status: str
    when: str  # "9:00-10:00 AM" with an en dash, clinic time
    what: str  # "Evaluation" or "Phone call", with the status when it is not simply booked
    patient: str
    clinician: str


@dataclass
class CalendarDay:
    day: date
    appointments: list[CalendarItem]


def clock(moment: datetime, *, meridiem: bool = False) -> str:
    """ "9:05" or "9:05 AM", as the template filter date:"g:i A" writes it, without its per-call cost."""
    text = f"{moment.hour % 12 or 12}:{moment.minute:02d}"
    return f"{text} {'AM' if moment.hour < 12 else 'PM'}" if meridiem else text


def calendar_week(clinic: Clinic, *, monday: date, clinician_id: Any = None) -> list[CalendarDay]:
    """Seven local days from Monday with every active appointment of the clinic (one query)."""
    zone = clinic.zone
    start = _instant(monday, time.min, zone)
    end = _instant(monday + timedelta(days=7), time.min, zone)
    rows = Appointment.objects.filter(ACTIVE, clinic=clinic, starts_at__gte=start, starts_at__lt=end)
    if clinician_id:
        rows = rows.filter(clinician_id=clinician_id)
    fields = ("pk", "starts_at", "ends_at", "kind", "status", "patient__full_name", "patient__email")
    fields += ("clinician__full_name", "clinician__email")
    statuses = dict(Appointment.Status.choices)
    by_day: dict[date, list[CalendarItem]] = defaultdict(list)
    for pk, starts, ends, kind, status, patient, patient_email, clinician, clinician_email in rows.order_by(
        "starts_at", "clinician__full_name"
    ).values_list(*fields):
        starts, ends = starts.astimezone(zone), ends.astimezone(zone)
        what = "Evaluation" if kind == Appointment.Kind.EVALUATION else "Phone call"
        if status != Appointment.Status.BOOKED:
            what += f" · {statuses.get(status, status).lower()}"
        by_day[starts.date()].append(
            CalendarItem(
                pk=pk,
                kind=kind,
                status=status,
                when=f"{clock(starts)}\u2013{clock(ends, meridiem=True)}",
                what=what,
                patient=patient or patient_email,  # as User.get_full_name
                clinician=clinician or clinician_email,
            )
        )
    return [CalendarDay(monday + timedelta(days=i), by_day[monday + timedelta(days=i)]) for i in range(7)]


def patient_upcoming(user: Any, *, now: datetime) -> list[Appointment]:
    """A patient's booked appointments from now on, soonest first (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Appointment.objects.filter(patient=user, status=Appointment.Status.BOOKED, ends_at__gt=now)
        .select_related("clinic")
        .order_by("starts_at")[:20]
    )


def patient_upcoming_at_clinic(*, clinic_id: Any, patient_id: Any, now: datetime) -> Appointment | None:
    """The patient's next booked appointment at the clinic, an evaluation before a phone call ("-kind")."""
    return (
        Appointment.objects.filter(
            clinic_id=clinic_id, patient_id=patient_id, status=Appointment.Status.BOOKED, ends_at__gt=now
        )
        .order_by("-kind", "starts_at")
        .first()
    )
