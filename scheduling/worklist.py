"""The coordinators' worklist: who waits to be called (eligible at screening or cleared by a psychiatrist), the
calls made, and the entry's status. The only code that writes worklist entries and changes their status.

Minimum necessary: contact details, how the patient got here and the contact history; never the intake
answers, the screening findings or the psychiatrist's notes. Notes on calls are free text written by staff:
stored with the attempt, shown on the entry page, never put in the audit log, a log line or an e-mail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.deletion import ProtectedError
from django.http import HttpRequest
from django.utils import timezone

from clinics import access
from clinics.models import Clinic, Membership, Role
from core.audit import audit_record

from .actions import Actions
from .checklist import with_checklist_progress
from .models import ContactAttempt, WorklistEntry

WORKLIST_ROLES = (Role.COORDINATOR, Role.CLINIC_ADMIN)
CALLER_ROLES = (Role.PSYCHIATRIST, Role.COORDINATOR, Role.CLINIC_ADMIN)
# A call that did not reach the patient. Named, not "anything but reached": a new outcome must be placed here
# (or not) on purpose, since these calls decide when a patient may be marked unreachable.
CONTACT_LOG_LIMIT = 50  # calls shown on a page
UNANSWERED = (ContactAttempt.Outcome.VOICEMAIL, ContactAttempt.Outcome.NO_ANSWER)
WORKLIST_ROLE_MESSAGE = "Only the clinic's coordinators and admins work the worklist."
CLOSED_NO_CALL_MESSAGE = "This patient is no longer on the worklist, so no call can be logged."
CLOSED_NO_BOOKING_MESSAGE = "This worklist entry is closed, so nothing can be booked from it."
NOT_TO_CONTACT_MESSAGE = "Only a patient who is still to contact can be marked unreachable."


# --- what may be done to an entry ----------------------------------------------------------------------


def unanswered_attempts(entry: WorklistEntry, log: list[Any] | None = None) -> int:
    """This entry's calls that did not reach the patient (the history on the page shows every call). `log`: the
    patient's contact log at the clinic already read (`patient_contact_attempts`), counted when it is whole."""
    if log is not None and len(log) < CONTACT_LOG_LIMIT:
        return sum(1 for attempt in log if attempt.entry_id == entry.pk and attempt.outcome in UNANSWERED)
    return ContactAttempt.objects.filter(entry_id=entry.pk, outcome__in=UNANSWERED).count()


def allowed_actions(entry: WorklistEntry, membership: Membership | None, *, unanswered: int | None = None) -> Actions:
    """Log a call, mark unreachable, book from the entry. `membership` None: the patient themself, who may only
    book their call (through their own page). `unanswered`: `unanswered_attempts(entry)` when the caller has it."""
    closed = entry.status == WorklistEntry.Status.CLOSED
    book = CLOSED_NO_BOOKING_MESSAGE if closed else ""
    if membership is None or membership.role not in WORKLIST_ROLES:
        staff_work = (
            ("log_call", "mark_unreachable") if membership is None else ("log_call", "mark_unreachable", "book")
        )
        refusals = {"book": book} | dict.fromkeys(staff_work, WORKLIST_ROLE_MESSAGE)
        return Actions(refusals, frozenset(staff_work))
    if entry.status != WorklistEntry.Status.TO_CONTACT:
        unreachable = NOT_TO_CONTACT_MESSAGE
    else:
        needed = settings.WORKLIST_UNREACHABLE_AFTER
        if unanswered is None:
            unanswered = unanswered_attempts(entry)
        unreachable = (
            f"Try at least {needed} times before marking the patient unreachable ({unanswered} unanswered so far)."
            if unanswered < needed
            else ""
        )
    return Actions(
        {
            "log_call": CLOSED_NO_CALL_MESSAGE if closed else "",
            "mark_unreachable": unreachable,
            "book": book,
        }
    )


def _locked(entry: WorklistEntry) -> WorklistEntry:
    return WorklistEntry.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=entry.pk)


# --- joining and leaving the worklist -----------------------------------------------------------------


@transaction.atomic(savepoint=False)
def put_on_worklist(
    *, submission: Any, source: str, team_note: str = "", by: Any = None, at: datetime | None = None
) -> WorklistEntry:
    """Put the patient on the coordinators' worklist (once per submission); with a psychiatrist's note for the
    team (the handoff coordinators read on the entry and on appointments booked from it)."""
    entry, _ = WorklistEntry.objects.get_or_create(
        submission=submission,
        defaults={"clinic_id": submission.clinic_id, "patient_id": submission.patient_id, "source": source},
    )
    if team_note:
        entry.team_note, entry.team_note_by, entry.team_note_at = team_note, by, at or timezone.now()
        entry.save(update_fields=["team_note", "team_note_by", "team_note_at", "updated_at"])
    return entry


@transaction.atomic(savepoint=False)
def take_off_worklist(*, submission: Any) -> bool:
    """Take the patient off the worklist if no coordinator has started on them yet ("to contact", no attempt).

    The untouched entry is removed, so a later put_on_worklist queues the patient afresh; an entry something
    else already points at is closed instead. True when the patient was taken off.
    """
    entry = WorklistEntry.objects.filter(
        submission=submission, status=WorklistEntry.Status.TO_CONTACT, attempts=0
    ).first()
    if entry is None:
        return False
    try:
        with transaction.atomic():
            entry.delete()
    except ProtectedError:
        entry.status = WorklistEntry.Status.CLOSED
        entry.save(update_fields=["status", "updated_at"])
    return True


def entry_scheduled(entry_id: Any, now: datetime) -> None:
    """Something is booked from the entry: "scheduled" (a closed entry stays closed)."""
    WorklistEntry.objects.filter(pk=entry_id).exclude(status=WorklistEntry.Status.CLOSED).update(
        status=WorklistEntry.Status.SCHEDULED, updated_at=now
    )


def entry_unscheduled(entry_id: Any, now: datetime) -> None:
    """Nothing is booked from the entry any more: a scheduled patient is "to contact" again."""
    WorklistEntry.objects.filter(pk=entry_id, status=WorklistEntry.Status.SCHEDULED).update(
        status=WorklistEntry.Status.TO_CONTACT, updated_at=now
    )


# --- the coordinators' work ---------------------------------------------------------------------------


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
    entry = _locked(entry)
    allowed_actions(entry, access.membership(by, entry.clinic_id)).require("log_call")
    if outcome not in ContactAttempt.Outcome.values:
        raise ValidationError({"outcome": "Choose what happened on the call."})
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


@transaction.atomic
def patient_contact_log(
    *, clinic: Clinic, patient: Any, by: Any, outcome: str, note: str = "", request: HttpRequest | None = None
) -> Any:
    """Record a call to a patient made outside the worklist (a psychiatrist on an urgent case): the same log the
    coordinators keep, so whoever calls next sees it."""
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


@transaction.atomic
def worklist_mark_unreachable(*, entry: Any, by: Any, request=None) -> Any:
    """After WORKLIST_UNREACHABLE_AFTER unanswered calls, a patient still to contact can be marked unreachable
    (a later call that reaches them brings them back as "reached")."""
    entry = _locked(entry)
    allowed_actions(entry, access.membership(by, entry.clinic_id)).require("mark_unreachable")
    unanswered = unanswered_attempts(entry)
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


# --- reads -------------------------------------------------------------------------------------------


def entry_in_clinic(clinic: Clinic, entry_id: Any) -> WorklistEntry | None:
    """A worklist entry of this clinic with its patient; another clinic's id gives None, like a missing one."""
    return (
        WorklistEntry.objects.filter(clinic=clinic, pk=entry_id)
        .select_related("patient", "clinic", "team_note_by")
        .first()
    )


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
    entries = WorklistEntry.objects.filter(clinic=clinic, status=status)
    total = entries[: WORKLIST_COUNT_CAP + 1].count()
    if (cursor := _parse_worklist_cursor(after)) is not None:
        moment, pk = cursor
        entries = entries.filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk))
    entries = with_checklist_progress(entries.select_related("patient").only(*_WORKLIST_FIELDS))
    page = list(entries.order_by("created_at", "id")[: limit + 1])
    next_after = _worklist_cursor(page[limit - 1]) if len(page) > limit else None
    return WorklistPage(page[:limit], next_after, total)


_TEAM_NOTE_FIELDS = ("team_note", "team_note_at", "team_note_by__id", "team_note_by__full_name", "team_note_by__email")


def worklist_entry_in_clinic(clinic: Clinic, entry_id: Any) -> Any:
    """One entry of this clinic's worklist with the patient's contact details; another clinic's is None."""
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


def patient_contact_attempts(*, clinic_id: Any, patient_id: Any, limit: int = CONTACT_LOG_LIMIT) -> list[Any]:
    """Every call to this patient at this clinic, newest first, with who made each (one query)."""
    return list(
        ContactAttempt.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .select_related("by")
        .only("id", "entry_id", "at", "outcome", "note", "by__id", "by__full_name", "by__email")
        .order_by("-at", "-id")[:limit]
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
