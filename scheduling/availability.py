"""Availability and closures: each clinician's weekly hours and exceptions, the clinic's closed days, and the
free slots they leave in the clinic's time zone; who may hold which appointment.

Times are stored in UTC. Availability is wall-clock time in the clinic's time zone, so a 9:00 window
is 9:00 local on both sides of a daylight-saving change; slots are stepped in UTC inside each window,
which neither duplicates nor loses a slot when the clocks change.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from clinics import access
from clinics.models import Clinic, Role
from core.audit import audit_record

from .models import Appointment, AvailabilityException, AvailabilityWindow, ClinicClosure

CONSULTATION_MINUTES = 15
EVALUATION_MINUTES = (60, 90)
HORIZON_DAYS = 28  # "the free slots of the next four weeks"
# Where a slot may start: every 15 minutes for a 15-minute call, every 30 for an evaluation.
STEP_MINUTES = {Appointment.Kind.CONSULTATION: 15, Appointment.Kind.EVALUATION: 30}
# Patients booking their own call: not sooner than this, so someone can prepare.
PATIENT_MIN_NOTICE = timedelta(hours=2)
# Who may hold which appointment: evaluations are psychiatrists' work only. The one rule: the booking form,
# the services and the booking page's hint all read it here.
CLINICIAN_ROLES = {
    Appointment.Kind.CONSULTATION: (Role.COORDINATOR, Role.PSYCHIATRIST),
    Appointment.Kind.EVALUATION: (Role.PSYCHIATRIST,),
}
ONLY_PSYCHIATRISTS = "Only a psychiatrist can hold a psychiatric evaluation."
ONLY_PSYCHIATRISTS_HINT = "Only psychiatrists hold psychiatric evaluations."
SCHEDULABLE_ROLES = (Role.COORDINATOR, Role.PSYCHIATRIST)
ACTIVE = ~Q(status=Appointment.Status.CANCELLED)


def allowed_minutes(kind: str) -> tuple[int, ...]:
    return (CONSULTATION_MINUTES,) if kind == Appointment.Kind.CONSULTATION else EVALUATION_MINUTES


def may_hold(role: str, kind: str) -> bool:
    """Whether a member in this role may hold this kind of appointment."""
    return role in CLINICIAN_ROLES[kind]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime
    clinician_id: Any

    @property
    def value(self) -> str:
        """The slot as a form value: its UTC start, to the minute."""
        return slot_value(self.starts_at)


def slot_value(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def parse_slot_value(raw: str) -> datetime | None:
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    except (AttributeError, ValueError):
        return None


def slot_day(raw: str | None, zone: ZoneInfo) -> date | None:
    """The local day of a posted slot, so its day's list opens again after an error."""
    moment = parse_slot_value(raw or "")
    return moment.astimezone(zone).date() if moment else None


@dataclass
class SlotDay:
    day: date
    slots: list[tuple[Slot, datetime]] = field(default_factory=list)  # (slot, local start)


# --- availability -----------------------------------------------------------------------------


def _merge(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching windows become one, so overlapping hours never give a slot twice."""
    merged: list[list[datetime]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a date in the zone, as UTC (a time skipped by the spring change maps forward)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass
class Availability:
    """One clinician's weekly windows and exceptions, loaded once for a range of dates."""

    zone: ZoneInfo
    weekly: dict[int, list[tuple[time, time]]]
    days_off: set[date]
    extra: dict[date, list[tuple[time, time]]]
    closed: set[date] = field(default_factory=set)

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC intervals the clinician can be booked on this local date, merged (none when the clinic is closed)."""
        if day in self.closed:
            return []
        local = [] if day in self.days_off else list(self.weekly.get(day.weekday(), []))
        local += self.extra.get(day, [])
        return _merge((_instant(day, s, self.zone), _instant(day, e, self.zone)) for s, e in local)

    def contains(self, starts_at: datetime, ends_at: datetime) -> bool:
        day = starts_at.astimezone(self.zone).date()
        return any(s <= starts_at and ends_at <= e for s, e in self.windows_on(day))


def availability_for(
    *, clinic: Clinic, clinician_ids: Iterable[Any], first_day: date, last_day: date
) -> dict[Any, Availability]:
    """Each clinician's availability between two local dates (three queries whatever the number)."""
    ids = list(clinician_ids)
    zone = clinic.zone
    closed = set(
        ClinicClosure.objects.filter(clinic=clinic, date__gte=first_day, date__lte=last_day).values_list(
            "date", flat=True
        )
    )
    result = {cid: Availability(zone, defaultdict(list), set(), defaultdict(list), closed) for cid in ids}
    for w in AvailabilityWindow.objects.filter(clinic=clinic, clinician_id__in=ids):
        result[w.clinician_id].weekly[w.weekday].append((w.start_time, w.end_time))
    exceptions = AvailabilityException.objects.filter(
        clinic=clinic, clinician_id__in=ids, date__gte=first_day, date__lte=last_day
    )
    for x in exceptions:
        if x.kind == AvailabilityException.Kind.DAY_OFF:
            result[x.clinician_id].days_off.add(x.date)
        else:
            result[x.clinician_id].extra[x.date].append((x.start_time, x.end_time))
    return result


def busy_intervals(
    *, clinician_ids: Iterable[Any], start: datetime, end: datetime, patient: Any = None, exclude_id: Any = None
) -> tuple[dict[Any, list[tuple[datetime, datetime]]], list[tuple[datetime, datetime]]]:
    """Active appointments overlapping [start, end): per clinician, and the patient's own (one query).

    `exclude_id`: an appointment about to be moved, which must not block its own new time.
    """
    ids = list(clinician_ids)
    who = Q(clinician_id__in=ids)
    if patient is not None:
        who |= Q(patient=patient)
    rows = Appointment.objects.filter(ACTIVE, who, starts_at__lt=end, ends_at__gt=start)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    rows = rows.values_list("clinician_id", "patient_id", "starts_at", "ends_at")
    per_clinician: dict[Any, list[tuple[datetime, datetime]]] = defaultdict(list)
    own: list[tuple[datetime, datetime]] = []
    for clinician_id, patient_id, s, e in rows:
        if clinician_id in ids:
            per_clinician[clinician_id].append((s, e))
        if patient is not None and patient_id == patient.pk:
            own.append((s, e))
    return {k: sorted(v) for k, v in per_clinician.items()}, sorted(own)


def _overlaps(busy: list[tuple[datetime, datetime]], starts: list[datetime], s: datetime, e: datetime) -> bool:
    """Does [s, e) overlap a busy interval? `busy` is merged (disjoint, sorted); `starts` its start times."""
    i = bisect.bisect_left(starts, e) - 1  # the last interval starting before e
    return i >= 0 and busy[i][1] > s


def _free(
    availability: Availability,
    busy: list[tuple[datetime, datetime]],
    *,
    clinician_id: Any,
    first_day: date,
    days: int,
    duration: timedelta,
    step: timedelta,
    not_before: datetime,
) -> list[Slot]:
    starts = [b[0] for b in busy]
    slots = []
    for offset in range(days):
        for win_start, win_end in availability.windows_on(first_day + timedelta(days=offset)):
            at = win_start
            while at + duration <= win_end:
                if at >= not_before and not _overlaps(busy, starts, at, at + duration):
                    slots.append(Slot(at, at + duration, clinician_id))
                at += step
    return slots


def free_slots(
    *,
    clinic: Clinic,
    clinician_ids: Iterable[Any],
    kind: str,
    duration: timedelta,
    now: datetime,
    first_day: date | None = None,
    days: int = HORIZON_DAYS,
    patient: Any = None,
    min_notice: timedelta = timedelta(0),
    exclude_id: Any = None,
) -> list[Slot]:
    """Free slots for each clinician from `first_day` (local; default today) for `days` days, UTC-sorted.

    A slot is free when it lies inside the clinician's windows for that day, starts after now + notice,
    and overlaps none of the clinician's (or, given a patient, the patient's) active appointments.
    Four queries for any number of clinicians (closures among them).
    """
    zone = clinic.zone
    ids = list(clinician_ids)
    first_day = first_day or now.astimezone(zone).date()
    last_day = first_day + timedelta(days=days - 1)
    range_start = _instant(first_day, time.min, zone)
    range_end = _instant(last_day + timedelta(days=1), time.min, zone)
    availability = availability_for(clinic=clinic, clinician_ids=ids, first_day=first_day, last_day=last_day)
    busy, own = busy_intervals(
        clinician_ids=ids, start=range_start, end=range_end, patient=patient, exclude_id=exclude_id
    )
    step = timedelta(minutes=STEP_MINUTES[kind])
    slots: list[Slot] = []
    for cid in ids:
        blocked = _merge(busy.get(cid, []) + own)
        slots += _free(
            availability[cid],
            blocked,
            clinician_id=cid,
            first_day=first_day,
            days=days,
            duration=duration,
            step=step,
            not_before=now + min_notice,
        )
    return sorted(slots, key=lambda s: (s.starts_at, str(s.clinician_id)))


def group_by_day(slots: Iterable[Slot], zone: ZoneInfo) -> list[SlotDay]:
    """Slots grouped by their local date; one slot per start time (the first clinician free then)."""
    days: dict[date, SlotDay] = {}
    seen: set[datetime] = set()
    for slot in slots:
        if slot.starts_at in seen:
            continue
        seen.add(slot.starts_at)
        local = slot.starts_at.astimezone(zone)
        days.setdefault(local.date(), SlotDay(local.date())).slots.append((slot, local))
    return list(days.values())


def clinicians(clinic: Clinic, kind: str | None = None) -> list[Any]:
    """Active clinicians of the clinic who may hold this kind of appointment (any kind when None), by name."""
    roles = CLINICIAN_ROLES[kind] if kind else SCHEDULABLE_ROLES
    return access.member_users(clinic, roles)


def clinician_in_clinic(clinic: Clinic, clinician_id: Any, kind: str | None = None) -> Any | None:
    roles = CLINICIAN_ROLES[kind] if kind else SCHEDULABLE_ROLES
    return access.member_user(clinic, clinician_id, roles)


def windows_of(clinic: Clinic, clinician: Any) -> list[AvailabilityWindow]:
    return list(AvailabilityWindow.objects.filter(clinic=clinic, clinician=clinician).order_by("weekday", "start_time"))


def window_in_clinic(clinic: Clinic, window_id: Any) -> AvailabilityWindow | None:
    return AvailabilityWindow.objects.filter(clinic=clinic, pk=window_id).select_related("clinic", "clinician").first()


def exception_in_clinic(clinic: Clinic, exception_id: Any) -> AvailabilityException | None:
    return (
        AvailabilityException.objects.filter(clinic=clinic, pk=exception_id)
        .select_related("clinic", "clinician")
        .first()
    )


def exceptions_upcoming(clinic: Clinic, clinician: Any, *, today: date) -> list[AvailabilityException]:
    return list(
        AvailabilityException.objects.filter(clinic=clinic, clinician=clinician, date__gte=today).order_by(
            "date", "start_time"
        )
    )


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


# --- clinic closures (holidays) ---------------------------------------------------------------


def closures_upcoming(clinic: Clinic, *, today: date) -> list[ClinicClosure]:
    return list(ClinicClosure.objects.filter(clinic=clinic, date__gte=today).order_by("date"))


def closure_in_clinic(clinic: Clinic, closure_id: Any) -> ClinicClosure | None:
    return ClinicClosure.objects.filter(clinic=clinic, pk=closure_id).select_related("clinic").first()


@dataclass
class ClosedDayAppointment:
    """A booked appointment on a date its clinician cannot work: the clinic is closed or it is their day off."""

    appointment: Appointment
    reason: str


def appointments_on_closed_days(clinic: Clinic, *, now: datetime, limit: int = 50) -> list[ClosedDayAppointment]:
    """Booked, upcoming appointments that fall on a clinic closure or on their clinician's day off, soonest first.

    They were booked before the closure or day off was entered; the coordinators move them. Three queries.
    """
    zone = clinic.zone
    today = now.astimezone(zone).date()
    closed = set(ClinicClosure.objects.filter(clinic=clinic, date__gte=today).values_list("date", flat=True))
    days_off = set(
        AvailabilityException.objects.filter(
            clinic=clinic, date__gte=today, kind=AvailabilityException.Kind.DAY_OFF
        ).values_list("clinician_id", "date")
    )
    dates = closed | {d for _, d in days_off}
    if not dates:
        return []
    rows = (
        Appointment.objects.filter(
            clinic=clinic,
            status=Appointment.Status.BOOKED,
            starts_at__gte=max(now, _instant(min(dates), time.min, zone)),
            starts_at__lt=_instant(max(dates) + timedelta(days=1), time.min, zone),
        )
        .select_related("patient", "clinician")
        .order_by("starts_at")
    )
    found = []
    for appointment in rows.iterator():
        day = appointment.starts_at.astimezone(zone).date()
        if day in closed:
            found.append(ClosedDayAppointment(appointment, "Clinic closed"))
        elif (appointment.clinician_id, day) in days_off:
            found.append(ClosedDayAppointment(appointment, "Clinician's day off"))
        if len(found) >= limit:
            break
    return found


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
