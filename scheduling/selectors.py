"""Reads for scheduling: free slots in the clinic's time zone, calendars, appointments, the checklist.

Times are stored in UTC. Availability is wall-clock time in the clinic's time zone, so a 9:00 window
is 9:00 local on both sides of a daylight-saving change; slots are stepped in UTC inside each window,
which neither duplicates nor loses a slot when the clocks change.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from clinics import access
from clinics.models import Clinic, Role

from .models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityWindow,
    ClinicClosure,
    PreEvaluationChecklist,
    WorklistEntry,
)

CONSULTATION_MINUTES = 15
EVALUATION_MINUTES = (60, 90)
HORIZON_DAYS = 28  # "the free slots of the next four weeks"
# Where a slot may start: every 15 minutes for a 15-minute call, every 30 for an evaluation.
STEP_MINUTES = {Appointment.Kind.CONSULTATION: 15, Appointment.Kind.EVALUATION: 30}
# Patients booking their own call: not sooner than this, so someone can prepare.
PATIENT_MIN_NOTICE = timedelta(hours=2)
# Who may hold which appointment: evaluations are psychiatrists' work only.
CLINICIAN_ROLES = {
    Appointment.Kind.CONSULTATION: (Role.COORDINATOR, Role.PSYCHIATRIST),
    Appointment.Kind.EVALUATION: (Role.PSYCHIATRIST,),
}
SCHEDULABLE_ROLES = (Role.COORDINATOR, Role.PSYCHIATRIST)
ACTIVE = ~Q(status=Appointment.Status.CANCELLED)


def allowed_minutes(kind: str) -> tuple[int, ...]:
    return (CONSULTATION_MINUTES,) if kind == Appointment.Kind.CONSULTATION else EVALUATION_MINUTES


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


def exceptions_upcoming(clinic: Clinic, clinician: Any, *, today: date) -> list[AvailabilityException]:
    return list(
        AvailabilityException.objects.filter(clinic=clinic, clinician=clinician, date__gte=today).order_by(
            "date", "start_time"
        )
    )


# --- appointments ---------------------------------------------------------------------------------


def entry_in_clinic(clinic: Clinic, entry_id: Any) -> WorklistEntry | None:
    """A worklist entry of this clinic with its patient; another clinic's id gives None, like a missing one."""
    return (
        WorklistEntry.objects.filter(clinic=clinic, pk=entry_id)
        .select_related("patient", "clinic", "team_note_by")
        .first()
    )


def entry_for_patient(*, clinic_id: Any, patient_id: Any) -> WorklistEntry | None:
    """The patient's newest worklist entry at the clinic (open ones first), for pages that show the
    checklist without an entry of their own, such as a review case once it is cleared."""
    return (
        WorklistEntry.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .select_related("clinic")
        .order_by(Case(When(status=WorklistEntry.Status.CLOSED, then=Value(1)), default=Value(0)), "-created_at")
        .first()
    )


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


def patient_bookable_entries(user: Any) -> list[WorklistEntry]:
    """Worklist entries (eligible or cleared, not closed) through which the patient may book a call."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        WorklistEntry.objects.filter(patient=user)
        .exclude(status=WorklistEntry.Status.CLOSED)
        .select_related("clinic")
        .order_by("clinic__name", "-created_at")
    )


def patient_entry_for_clinic(user: Any, clinic_slug: str) -> WorklistEntry | None:
    """The patient's open worklist entry at this clinic (newest), or None: only they may book a call."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        WorklistEntry.objects.filter(patient=user, clinic__slug=clinic_slug)
        .exclude(status=WorklistEntry.Status.CLOSED)
        .select_related("clinic")
        .order_by("-created_at")
        .first()
    )


def patient_has_upcoming_consultation(*, clinic: Clinic, patient: Any, now: datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            clinic=clinic,
            patient=patient,
            kind=Appointment.Kind.CONSULTATION,
            status=Appointment.Status.BOOKED,
            ends_at__gt=now,
        )
        .order_by("starts_at")
        .first()
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


# --- the pre-evaluation checklist ---------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    item: str
    label: str
    help: str
    at: datetime | None
    by: Any


CHECKLIST_LABELS = {
    "labs_received": ("Lab results received", "Basic lab results, so the psychiatrist can check treatment is safe."),
    "consent_signed": ("Consent signed", "The treatment consent form, signed by the patient."),
    "ride_arranged": ("Ride home arranged", "Someone to drive the patient home after each treatment."),
    "evaluation_done": ("Psychiatric evaluation done", "The 60 to 90 minute evaluation with a psychiatrist."),
}


def checklist_of(*, clinic_id: Any, patient_id: Any) -> PreEvaluationChecklist | None:
    return (
        PreEvaluationChecklist.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .select_related(*(f"{item}_by" for item in PreEvaluationChecklist.ITEMS))
        .first()
    )


def checklist_rows(checklist: PreEvaluationChecklist | None) -> list[ChecklistRow]:
    rows = []
    for item in PreEvaluationChecklist.ITEMS:
        label, help_text = CHECKLIST_LABELS[item]
        at = getattr(checklist, f"{item}_at", None) if checklist else None
        by = getattr(checklist, f"{item}_by", None) if checklist and at else None
        rows.append(ChecklistRow(item, label, help_text, at, by))
    return rows


def with_checklist_progress(entries: QuerySet[WorklistEntry]) -> QuerySet[WorklistEntry]:
    """Annotate worklist entries with `checklist_<item>` booleans (same query, no extra round trip)."""
    annotations = {}
    for item in PreEvaluationChecklist.ITEMS:
        done = PreEvaluationChecklist.objects.filter(
            clinic_id=OuterRef("clinic_id"), patient_id=OuterRef("patient_id"), **{f"{item}_at__isnull": False}
        )
        annotations[f"checklist_{item}"] = Exists(done)
    return entries.annotate(**annotations)


# --- the coordinators' worklist ------------------------------------------------------------------
# Minimum necessary: contact details, how the patient got here (eligible or cleared) and the contact
# history. Never the intake answers, the screening findings or the psychiatrist's notes.

WORKLIST_PAGE_SIZE = 50
WORKLIST_COUNT_CAP = 1000
_WORKLIST_FIELDS = (
    "id",
    "clinic_id",
    "patient_id",
    "source",
    "status",
    "attempts",
    "last_attempt_at",
    "created_at",
    "patient__id",
    "patient__full_name",
    "patient__email",
    "patient__phone",
    "patient__call_time",
    "patient__voicemail_ok",
)


@dataclass(frozen=True)
class WorklistPage:
    entries: list[Any]
    next_after: str | None  # the cursor of the next page (newer entries), None on the last page
    total: int  # entries with this status, counted up to WORKLIST_COUNT_CAP + 1


def _worklist_cursor(entry: Any) -> str:
    return f"{entry.created_at.isoformat()}|{entry.pk}"


def _parse_worklist_cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not raw or "|" not in raw:
        return None
    when, _, pk = raw.partition("|")
    try:
        moment = datetime.fromisoformat(when)
        return (moment, uuid.UUID(pk)) if moment.tzinfo is not None else None
    except ValueError:
        return None


def worklist_page(
    clinic: Clinic, *, status: str, after: str | None = None, limit: int = WORKLIST_PAGE_SIZE
) -> WorklistPage:
    """One page of the clinic's worklist in one status, oldest first, keyset-paginated on (created_at, id)
    along the worklist_queue index; two queries whatever the size of the list."""
    from django.db.models import Q

    from .models import WorklistEntry

    entries = WorklistEntry.objects.filter(clinic=clinic, status=status)
    total = entries[: WORKLIST_COUNT_CAP + 1].count()
    if (cursor := _parse_worklist_cursor(after)) is not None:
        moment, pk = cursor
        entries = entries.filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk))
    from .selectors import with_checklist_progress

    entries = with_checklist_progress(entries.select_related("patient").only(*_WORKLIST_FIELDS))
    page = list(entries.order_by("created_at", "id")[: limit + 1])
    next_after = _worklist_cursor(page[limit - 1]) if len(page) > limit else None
    return WorklistPage(page[:limit], next_after, total)


_TEAM_NOTE_FIELDS = ("team_note", "team_note_at", "team_note_by__id", "team_note_by__full_name", "team_note_by__email")


def worklist_entry_in_clinic(clinic: Clinic, entry_id: Any) -> Any:
    """One entry of this clinic's worklist with the patient's contact details; another clinic's is None."""
    from .models import WorklistEntry

    return (
        WorklistEntry.objects.filter(clinic=clinic, pk=entry_id)
        .select_related("patient", "team_note_by")
        .only(*_WORKLIST_FIELDS, *_TEAM_NOTE_FIELDS)
        .first()
    )


def worklist_contact_attempts(entry: Any) -> list[Any]:
    """The patient's contact log at the entry's clinic (the coordinators' calls and the psychiatrists'),
    newest first, with who made each (one query)."""
    return patient_contact_attempts(clinic_id=entry.clinic_id, patient_id=entry.patient_id)


def patient_contact_attempts(*, clinic_id: Any, patient_id: Any, limit: int = 50) -> list[Any]:
    """Every call to this patient at this clinic, newest first, with who made each (one query)."""
    from .models import ContactAttempt

    return list(
        ContactAttempt.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .select_related("by")
        .only("id", "entry_id", "at", "outcome", "note", "by__id", "by__full_name", "by__email")
        .order_by("-at", "-id")[:limit]
    )
