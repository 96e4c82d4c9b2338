"""The review case's lifecycle, and the urgent intake alert's: who may do what to them now, and every change.

The only code that creates these rows, changes a case's status or who holds it, and records its history (the
escalation beat, escalation.py, only sets its own markers by conditional UPDATE). `allowed_actions` says which
actions a member may take on a case now: the case page draws its buttons from it, and every action below checks
the same rules before it writes, so each refusal has one message (`refusal`), shown on the page and raised here.
A user whose role does not allow an action gets PermissionDenied; a case that does not allow it now,
CaseActionError. The database guards the rest (the claim is a conditional UPDATE; constraints on the status and
on who holds a case).

Every write to a case is one transaction, leaves a ReviewDecision in the case's history and an audit event
whose detail holds codes and ids only (never what the patient or the psychiatrist wrote).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clinics import access
from clinics.models import Membership, Role
from core.audit import audit_record
from core.outbox import outbox_add, outbox_add_many
from intake.models import DocumentKind
from scheduling import worklist
from scheduling.models import WorklistEntry

from .models import IntakeAlert, Outcome, Priority, ReviewCase, ReviewDecision, ScreeningResult

URGENT_WITHIN = timedelta(hours=4)
ROUTINE_BUSINESS_DAYS = 2


def add_business_days(start: datetime, days: int, *, zone: ZoneInfo) -> datetime:
    """`days` working days (Monday to Friday) after `start`, same local time, in the clinic's time zone.

    A Saturday or Sunday start counts from the following Monday: Saturday 10:00 + 2 -> Tuesday 10:00.
    """
    local = start.astimezone(zone)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    # Same wall-clock time on the due day (daylight saving changes keep the clinic's local time).
    due = datetime.combine(day, local.time(), tzinfo=zone)
    return due.astimezone(ZoneInfo("UTC"))


def review_due_at(*, priority: str, start: datetime, zone: ZoneInfo) -> datetime:
    """Urgent: within 4 hours. Routine: within 2 business days in the clinic's time zone."""
    if priority == Priority.URGENT:
        return start + URGENT_WITHIN
    return add_business_days(start, ROUTINE_BUSINESS_DAYS, zone=zone)


# --- who may do what now --------------------------------------------------------------------------------------


class Action(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    ACKNOWLEDGE = "acknowledge"
    CLEAR = "clear"
    DECLINE = "decline"
    REQUEST_INFO = "request_info"  # ask the patient for more information
    REASSIGN = "reassign"
    REOPEN = "reopen"


DECISIONS = (Action.CLEAR, Action.DECLINE, Action.REQUEST_INFO)

ROLES: dict[Action, tuple[str, ...]] = {
    Action.CLAIM: (Role.PSYCHIATRIST,),
    Action.RELEASE: (Role.PSYCHIATRIST, Role.CLINIC_ADMIN),
    Action.ACKNOWLEDGE: (Role.PSYCHIATRIST,),
    **dict.fromkeys(DECISIONS, (Role.PSYCHIATRIST,)),
    Action.REASSIGN: (Role.CLINIC_ADMIN,),
    Action.REOPEN: (Role.CLINIC_ADMIN,),
}

# Each refusal in the words of the person who tried (the page shows them, the services raise them).
NOT_YOUR_ROLE = "Your role at this clinic does not allow this."
ALREADY_CLAIMED = "{name} has already claimed this case."
NOT_WAITING = "This case is no longer waiting for a psychiatrist."
RELEASE_NOT_CLAIMED = "Only a claimed case can be released."
RELEASE_NOT_YOURS = "Only the psychiatrist who claimed this case, or a clinic admin, can release it."
NOT_URGENT = "Only urgent cases are acknowledged."
ALREADY_ACKNOWLEDGED = "The urgent alert has already been acknowledged."
ALREADY_DECIDED = "This case has already been decided."
CLAIM_FIRST = "Claim this case before you decide."
DECIDE_NOT_YOURS = "Only the psychiatrist who claimed this case can decide."
REASSIGN_DECIDED = "A decided case cannot be reassigned; re-open it first."
REOPEN_UNDECIDED = "Only a decided or closed case can be re-opened."
ALERT_SENT = "The patient has sent their intake: acknowledge the case instead."


class CaseActionError(Exception):
    """A case action that cannot be done now; the message is for the person who tried, in plain words."""


class CaseAlreadyClaimed(CaseActionError):
    """Someone else claimed the case first (a race, or a stale page)."""

    def __init__(self, claimer_name: str) -> None:
        super().__init__(ALREADY_CLAIMED.format(name=claimer_name))
        self.claimer_name = claimer_name


def _state_refusal(case: ReviewCase, membership: Membership, action: Action) -> str | None:
    status = case.status
    holds_it = case.claimed_by_id is not None and case.claimed_by_id == membership.user_id
    if action == Action.CLAIM:
        if status == ReviewCase.Status.OPEN:
            return None
        return ALREADY_CLAIMED.format(name=case.claimed_by.get_full_name()) if case.claimed_by_id else NOT_WAITING
    if action == Action.RELEASE:
        if status != ReviewCase.Status.CLAIMED:
            return RELEASE_NOT_CLAIMED
        return None if holds_it or membership.role == Role.CLINIC_ADMIN else RELEASE_NOT_YOURS
    if action == Action.ACKNOWLEDGE:
        if case.priority != Priority.URGENT:
            return NOT_URGENT
        if case.acknowledged_at is not None:
            return ALREADY_ACKNOWLEDGED
        return None if status in ReviewCase.UNDECIDED else NOT_WAITING
    if action in DECISIONS:
        if status in ReviewCase.DECIDED:
            return ALREADY_DECIDED
        if case.claimed_by_id is None:
            return CLAIM_FIRST
        if not holds_it:
            return DECIDE_NOT_YOURS
        return None if status in (ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT) else ALREADY_DECIDED
    if action == Action.REASSIGN:
        return None if status in ReviewCase.UNDECIDED else REASSIGN_DECIDED
    return None if status in (*ReviewCase.DECIDED, ReviewCase.Status.CLOSED) else REOPEN_UNDECIDED


def refusal(case: ReviewCase, membership: Membership | None, action: Action | str) -> str | None:
    """Why this member may not take `action` on the case now (None when they may)."""
    action = Action(action)
    if membership is None or membership.role not in ROLES[action]:
        return NOT_YOUR_ROLE
    return _state_refusal(case, membership, action)


def allowed_actions(case: ReviewCase, membership: Membership | None) -> frozenset[Action]:
    """The actions this member may take on the case now (the case page's buttons)."""
    return frozenset(action for action in Action if refusal(case, membership, action) is None)


def _member(user: Any, clinic_id: Any, action: Action) -> Membership:
    """The user's membership when their role at the clinic allows `action`; else PermissionDenied."""
    found = access.membership(user, clinic_id, ROLES[action])
    if found is None:
        raise PermissionDenied(NOT_YOUR_ROLE)
    return found


def _check(case: ReviewCase, membership: Membership, action: Action) -> None:
    reason = _state_refusal(case, membership, action)
    if reason is None:
        return
    if action == Action.CLAIM and case.claimed_by_id is not None:
        raise CaseAlreadyClaimed(case.claimed_by.get_full_name())
    raise CaseActionError(reason)


# --- writing a case --------------------------------------------------------------------------------------------


def _locked(case_id: Any) -> ReviewCase:
    """The case row, locked until the transaction ends (a staff action reads and changes it under this lock)."""
    return ReviewCase.objects.select_for_update(of=("self",)).select_related("clinic", "submission").get(pk=case_id)


def _acting(case_id: Any, user: Any, action: Action) -> ReviewCase:
    """The locked case, once the user's role and the case's state allow `action`."""
    case = _locked(case_id)
    _check(case, _member(user, case.clinic_id, action), action)
    return case


def _record(
    case: ReviewCase,
    kind: str,
    *,
    by: Any,
    at: datetime,
    note: str = "",
    patient_message: str = "",
    assignee: Any = None,
) -> ReviewDecision:
    return ReviewDecision.objects.create(
        case=case,
        kind=kind,
        by=by,
        at=at,
        note=note,
        patient_message=patient_message,
        assignee=assignee,
        result_id=case.result_id,
    )


def _audit(action: str, *, user: Any, case: ReviewCase, request: HttpRequest | None, **detail: Any) -> None:
    audit_record(
        action=action,
        actor=user,
        clinic=case.clinic,
        obj=case,
        request=request,
        detail={"status": case.status, **{k: str(v) if v is not None else None for k, v in detail.items()}},
    )


def _acknowledgement_reset(case: ReviewCase) -> None:
    """The case has just become urgent: a psychiatrist acknowledges it afresh, or the admins are alerted again."""
    case.acknowledged_by = None
    case.acknowledged_at = None
    case.ack_escalated_at = None


def _clock_restart(case: ReviewCase, start: datetime) -> None:
    """Due again from `start` (by the case's priority); the overdue alert may go out again."""
    case.due_at = review_due_at(priority=case.priority, start=start, zone=case.clinic.zone)
    case.overdue_notified_at = None


def active_holder(case: ReviewCase) -> Any | None:
    """The psychiatrist who holds the case, while they still work at the clinic as a psychiatrist."""
    user = case.claimed_by
    if user is None or not user.is_active:
        return None
    return user if access.role_at(user, case.clinic_id) == Role.PSYCHIATRIST else None


@transaction.atomic(savepoint=False)
def review_case_open(*, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """A review case when the outcome is needs_review (priority and due time from the result)."""
    if result.outcome != Outcome.NEEDS_REVIEW:
        return None
    now = timezone.now()
    return ReviewCase.objects.create(
        clinic_id=submission.clinic_id,
        submission=submission,
        result=result,
        status=ReviewCase.Status.OPEN,
        priority=result.priority,
        due_at=review_due_at(priority=result.priority, start=now, zone=submission.clinic.zone),
        created_at=now,
    )


# --- claim, release, reassign, acknowledge ---------------------------------------------------------------------


@transaction.atomic
def review_case_claim(*, case_id: Any, user: Any, request: HttpRequest | None = None) -> ReviewCase:
    """Take an open case. Of two psychiatrists claiming at the same moment exactly one wins: the claim is a
    conditional UPDATE (open and unclaimed) that the database serialises on the row; the other one gets
    CaseAlreadyClaimed naming who has it."""
    clinic_id = ReviewCase.objects.values_list("clinic_id", flat=True).get(pk=case_id)
    member = _member(user, clinic_id, Action.CLAIM)
    now = timezone.now()
    won = ReviewCase.objects.filter(pk=case_id, status=ReviewCase.Status.OPEN, claimed_by__isnull=True).update(
        status=ReviewCase.Status.CLAIMED, claimed_by=user, claimed_at=now, updated_at=now
    )
    case = ReviewCase.objects.select_related("clinic", "claimed_by").get(pk=case_id)
    if not won:
        if case.claimed_by_id == user.pk and case.status == ReviewCase.Status.CLAIMED:
            return case  # a double click: already yours
        _check(case, member, Action.CLAIM)
        raise CaseActionError(NOT_WAITING)  # open again by now: the page was stale either way
    _record(case, ReviewDecision.Kind.CLAIMED, by=user, at=now)
    _audit("case.claim", user=user, case=case, request=request)
    return case


@transaction.atomic
def review_case_release(*, case_id: Any, user: Any, request: HttpRequest | None = None) -> ReviewCase:
    """Give a claimed case back to the queue: the psychiatrist who holds it, or a clinic admin."""
    case = _acting(case_id, user, Action.RELEASE)
    now = timezone.now()
    previous = case.claimed_by_id
    case.status = ReviewCase.Status.OPEN
    case.claimed_by = None
    case.claimed_at = None
    case.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    _record(case, ReviewDecision.Kind.RELEASED, by=user, at=now)
    _audit("case.release", user=user, case=case, request=request, previous_claimer=previous)
    return case


@transaction.atomic
def review_case_reassign(
    *, case_id: Any, to_user: Any, by: Any, note: str = "", request: HttpRequest | None = None
) -> ReviewCase:
    """A clinic admin gives an undecided case to another psychiatrist of the clinic, who is told."""
    case = _acting(case_id, by, Action.REASSIGN)
    if access.role_at(to_user, case.clinic_id) != Role.PSYCHIATRIST:
        raise ValidationError({"psychiatrist": "Choose an active psychiatrist of this clinic."})
    if case.claimed_by_id == to_user.pk:
        raise ValidationError({"psychiatrist": "This psychiatrist already has the case."})
    now = timezone.now()
    previous = case.claimed_by_id
    if case.status == ReviewCase.Status.OPEN:
        case.status = ReviewCase.Status.CLAIMED
    case.claimed_by = to_user
    case.claimed_at = now
    case.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    decision = _record(case, ReviewDecision.Kind.REASSIGNED, by=by, at=now, note=note, assignee=to_user)
    outbox_add(kind="case.reassigned", recipient=to_user, obj=case, clinic=case.clinic, event_key=str(decision.pk))
    _audit("case.reassign", user=by, case=case, request=request, previous_claimer=previous, claimer=to_user.pk)
    return case


@transaction.atomic
def review_case_acknowledge(*, case_id: Any, user: Any, request: HttpRequest | None = None) -> ReviewCase:
    """A psychiatrist has seen an urgent case's alert (stops the escalation to clinic admins); twice is once."""
    case = _locked(case_id)
    member = _member(user, case.clinic_id, Action.ACKNOWLEDGE)
    if case.priority == Priority.URGENT and case.acknowledged_at is not None:
        return case
    _check(case, member, Action.ACKNOWLEDGE)
    now = timezone.now()
    case.acknowledged_by = user
    case.acknowledged_at = now
    case.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    _record(case, ReviewDecision.Kind.ACKNOWLEDGED, by=user, at=now)
    _audit("case.acknowledge", user=user, case=case, request=request)
    return case


# --- decisions -------------------------------------------------------------------------------------------------


def _decide(
    case: ReviewCase,
    *,
    status: str,
    kind: str,
    user: Any,
    note: str,
    patient_message: str,
    request: HttpRequest | None,
    patient_kind: str = "case.decided",
) -> ReviewDecision:
    now = timezone.now()
    case.status = status
    fields = ["status", "updated_at"]
    if status in ReviewCase.DECIDED:
        case.decided_by = user
        case.decided_at = now
        fields += ["decided_by", "decided_at"]
    case.save(update_fields=fields)
    decision = _record(case, kind, by=user, at=now, note=note.strip(), patient_message=patient_message.strip())
    outbox_add(
        kind=patient_kind,
        recipient=case.submission.patient,
        obj=case,
        clinic=case.clinic,
        event_key=str(decision.pk),
    )
    _audit("case.decide", user=user, case=case, request=request, decision=kind, decision_id=decision.pk)
    return decision


def _required(value: str, field: str, message: str) -> None:
    if not (value or "").strip():
        raise ValidationError({field: message})


@transaction.atomic
def review_case_clear(
    *, case_id: Any, user: Any, note: str = "", patient_message: str = "", request: HttpRequest | None = None
) -> ReviewDecision:
    """Clear for evaluation: the patient joins the coordinators' worklist and every coordinator is told."""
    case = _acting(case_id, user, Action.CLEAR)
    decision = _decide(
        case,
        status=ReviewCase.Status.CLEARED,
        kind=ReviewDecision.Kind.CLEARED,
        user=user,
        note=note,
        patient_message=patient_message,
        request=request,
    )
    # The handoff: coordinators read the psychiatrist's note on the entry and the appointment they book from it.
    entry = worklist.put_on_worklist(
        submission=case.submission,
        source=WorklistEntry.Source.CLEARED,
        team_note=decision.note,
        by=user,
        at=decision.at,
    )
    # Coordinators schedule the evaluation; with none at the clinic, its admins must hear of it.
    members = access.members(case.clinic_id, [Role.COORDINATOR]) or access.members(case.clinic_id, [Role.CLINIC_ADMIN])
    outbox_add_many(kind="case.cleared", recipients=[m.user for m in members], obj=entry, clinic=case.clinic)
    return decision


@transaction.atomic
def review_case_decline(
    *, case_id: Any, user: Any, note: str, patient_message: str, request: HttpRequest | None = None
) -> ReviewDecision:
    """Decline: the reason (for clinicians) and the words the patient reads are both required."""
    _required(note, "note", "Give the reason for declining (for the clinical team).")
    _required(patient_message, "patient_message", "Write what the patient will read.")
    case = _acting(case_id, user, Action.DECLINE)
    return _decide(
        case,
        status=ReviewCase.Status.DECLINED,
        kind=ReviewDecision.Kind.DECLINED,
        user=user,
        note=note,
        patient_message=patient_message,
        request=request,
    )


@transaction.atomic
def review_case_request_info(
    *,
    case_id: Any,
    user: Any,
    patient_message: str,
    note: str = "",
    requested_document: str = "",
    request: HttpRequest | None = None,
) -> ReviewDecision:
    """Ask the patient for more information; they read the question in the app and can update their answers.

    It may ask for a document of one kind (intake.DocumentKind): the patient's task list names it until they
    upload one. The case stays with the psychiatrist who asked (status awaiting_patient)."""
    _required(patient_message, "patient_message", "Write the question the patient will read.")
    if requested_document and requested_document not in DocumentKind.values:
        raise ValidationError({"requested_document": "Choose a kind of document from the list."})
    case = _acting(case_id, user, Action.REQUEST_INFO)
    decision = _decide(
        case,
        status=ReviewCase.Status.AWAITING_PATIENT,
        kind=ReviewDecision.Kind.INFO_REQUESTED,
        user=user,
        note=note,
        patient_message=patient_message,
        request=request,
        patient_kind="case.info_requested",
    )
    if requested_document:
        decision.requested_document = requested_document
        decision.save(update_fields=["requested_document"])
    return decision


@transaction.atomic
def review_case_reopen(*, case_id: Any, user: Any, note: str, request: HttpRequest | None = None) -> ReviewCase:
    """A clinic admin puts a decided (or re-screening-closed) case back in the queue, unclaimed, with a reason."""
    _required(note, "note", "Say why the case is re-opened.")
    case = _acting(case_id, user, Action.REOPEN)
    now = timezone.now()
    previous = case.status
    case.status = ReviewCase.Status.OPEN
    case.claimed_by = None
    case.claimed_at = None
    case.decided_by = None
    case.decided_at = None
    _clock_restart(case, now)
    case.save()
    # Off the worklist again until a psychiatrist clears the case (if no coordinator has started yet).
    withdrawn = (
        worklist.take_off_worklist(submission=case.submission) if previous == ReviewCase.Status.CLEARED else False
    )
    _record(case, ReviewDecision.Kind.REOPENED, by=user, at=now, note=note.strip())
    _audit("case.reopen", user=user, case=case, request=request, previous_status=previous, worklist_withdrawn=withdrawn)
    return case


# --- the patient: a reply, or updated answers --------------------------------------------------------------------


class ReplyNotAllowed(Exception):
    """The psychiatrist is not waiting for this patient any more (decided, or the answers were updated)."""


REPLY_MAX_LENGTH = 4000


@transaction.atomic
def review_case_reply(
    *, submission: Any, patient: Any, text: str, request: HttpRequest | None = None
) -> ReviewDecision:
    """The patient answers the psychiatrist's question in their own words (they may still update their answers).

    The case keeps waiting for the patient; the psychiatrist who asked (or, if they left, every psychiatrist) is
    told to sign in. The audit event says only that a reply was sent, never what it says.
    """
    from django.utils.translation import gettext as _

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Please write your answer, or update your answers instead.")})
    if len(text) > REPLY_MAX_LENGTH:
        raise ValidationError({"text": _("Please keep your answer under 4000 characters.")})
    case = (
        ReviewCase.objects.select_for_update(of=("self",))
        .select_related("clinic", "claimed_by")
        .filter(submission=submission, submission__patient=patient)
        .first()
    )
    if case is None or case.status != ReviewCase.Status.AWAITING_PATIENT:
        raise ReplyNotAllowed()
    decision = ReviewDecision.objects.create(
        case=case, kind=ReviewDecision.Kind.REPLIED, by=patient, patient_reply=text, result_id=case.result_id
    )
    holder = active_holder(case)
    recipients = [holder] if holder else access.review_recipients(case.clinic_id)
    outbox_add_many(
        kind="case.replied", recipients=recipients, obj=case, clinic=case.clinic, event_key=str(decision.pk)
    )
    audit_record(
        action="case.replied",
        actor=patient,
        clinic=case.clinic,
        obj=case,
        request=request,
        detail={"status": case.status},
    )
    return decision


@transaction.atomic
def review_case_amend(*, previous: Any, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """The patient sent version n+1 after a psychiatrist asked: the same case moves to it and re-opens.

    The psychiatrist who asked keeps the case (status claimed) and is told; if they no longer work there it
    goes back to the queue and every psychiatrist is told. Priority and due time come from the new result.
    Whatever the new outcome, the case stays for a psychiatrist to decide: a psychiatrist asked, so a
    psychiatrist closes it. Called inside the submit transaction; None when the previous version had no case.
    """
    case = (
        ReviewCase.objects.select_for_update(of=("self",)).select_related("clinic").filter(submission=previous).first()
    )
    if case is None:
        return None
    now = timezone.now()
    clinic = case.clinic
    holder = active_holder(case)
    became_urgent = result.priority == Priority.URGENT and case.priority != Priority.URGENT
    case.submission = submission
    case.result = result
    case.priority = result.priority
    case.status = ReviewCase.Status.CLAIMED if holder else ReviewCase.Status.OPEN
    case.claimed_by = holder
    case.claimed_at = case.claimed_at if holder else None
    case.decided_by = None
    case.decided_at = None
    _clock_restart(case, now)
    if became_urgent:
        _acknowledgement_reset(case)
    case.save()
    patient = submission.patient
    _record(case, ReviewDecision.Kind.AMENDED, by=patient, at=now)
    key = str(submission.pk)
    recipients = [holder] if holder else access.review_recipients(clinic.pk)
    outbox_add_many(kind="case.amended", recipients=recipients, obj=case, clinic=clinic, event_key=key)
    if became_urgent:
        outbox_add_many(
            kind="case.urgent", recipients=access.review_recipients(clinic.pk), obj=case, clinic=clinic, event_key=key
        )
    audit_record(
        action="case.amended",
        actor=patient,
        clinic=clinic,
        obj=case,
        detail={"status": case.status, "submission_id": key, "version": submission.version},
    )
    return case


# --- re-screening ----------------------------------------------------------------------------------------------


class Rescreened(StrEnum):
    """What a new screening result did to the submission's case (services.submission_rescreen does the rest)."""

    DECIDED = "decided"  # a psychiatrist decided meanwhile: the decision stands
    KEPT = "kept"  # stays with the psychiatrists: it still needs review, or a psychiatrist holds it
    PRIORITY_CHANGED = "priority_changed"
    OPENED = "opened"  # needs review now: a new case, or the one an earlier re-screening closed comes back
    CLOSED = "closed"  # nobody had claimed it and it no longer needs review
    NO_CASE = "no_case"  # no live case, and none needed


def _urgent_from_intake(case: ReviewCase) -> bool:
    """An urgent case that high-risk answers during the intake made urgent stays urgent (a psychiatrist decides)."""
    return case.priority == Priority.URGENT and IntakeAlert.objects.filter(case=case).exists()


@transaction.atomic(savepoint=False)
def review_case_rescreen(
    *, submission: Any, result: ScreeningResult, actor: Any, note: str
) -> tuple[ReviewCase | None, Rescreened]:
    """Move the submission's case to a new result; `note` (what changed) goes in its history."""
    case = (
        ReviewCase.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .filter(submission=submission)
        .first()
    )
    if case is not None and case.status in ReviewCase.DECIDED:
        return case, Rescreened.DECIDED
    now = timezone.now()
    if result.outcome == Outcome.NEEDS_REVIEW:
        if case is not None and case.status in ReviewCase.UNDECIDED:
            case.result = result
            if case.priority == result.priority or _urgent_from_intake(case):
                case.save(update_fields=["result", "updated_at"])
                _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{note}: still needs review.")
                return case, Rescreened.KEPT
            if result.priority == Priority.URGENT:
                _acknowledgement_reset(case)
                case.due_at = min(
                    case.due_at, review_due_at(priority=result.priority, start=now, zone=case.clinic.zone)
                )
            else:
                case.due_at = review_due_at(priority=result.priority, start=case.created_at, zone=case.clinic.zone)
            case.priority = result.priority
            case.overdue_notified_at = None
            case.save()
            _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{note}: priority {result.priority}.")
            return case, Rescreened.PRIORITY_CHANGED
        if case is not None:  # closed by an earlier re-screening: the same case comes back
            case.status = ReviewCase.Status.OPEN
            case.result = result
            case.priority = result.priority
            _clock_restart(case, now)
            _acknowledgement_reset(case)
            case.save()
        else:
            case = review_case_open(submission=submission, result=result)
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{note}: needs review.")
        return case, Rescreened.OPENED
    # Eligible or ineligible now.
    if case is None:
        return None, Rescreened.NO_CASE
    case.result = result
    if case.status in (ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT):
        case.save(update_fields=["result", "updated_at"])
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{note}: {result.outcome}.")
        return case, Rescreened.KEPT
    if case.status == ReviewCase.Status.OPEN:
        case.status = ReviewCase.Status.CLOSED
        case.save(update_fields=["status", "result", "updated_at"])
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{note}: {result.outcome}.")
        return case, Rescreened.CLOSED
    case.save(update_fields=["result", "updated_at"])
    return case, Rescreened.NO_CASE


# --- urgent answers during an intake, before it is sent (IntakeAlert) -------------------------------------------
# Intake asks through core.hooks "intake_risk_reported"; a psychiatrist acknowledges; the submit links it to its case.


def alert_refusal(alert: IntakeAlert, membership: Membership | None) -> str | None:
    """Why this member may not acknowledge the alert now (None when they may); the only action on an alert."""
    if membership is None or membership.role not in ROLES[Action.ACKNOWLEDGE]:
        return NOT_YOUR_ROLE
    if alert.case_id is not None:
        return ALERT_SENT
    return ALREADY_ACKNOWLEDGED if alert.acknowledged_at is not None else None


def alert_allowed_actions(alert: IntakeAlert, membership: Membership | None) -> frozenset[Action]:
    """The actions this member may take on the alert now (the alert page's button)."""
    return frozenset({Action.ACKNOWLEDGE}) if alert_refusal(alert, membership) is None else frozenset()


@transaction.atomic
def intake_alert_open(*, draft: Any) -> IntakeAlert:
    """The draft's alert, opened the first time its safety answers mean high risk; every psychiatrist of the clinic
    is alerted once (e-mail and inbox say only "sign in"; the inbox link opens the alert)."""
    now = timezone.now()
    alert, created = IntakeAlert.objects.get_or_create(
        draft=draft,
        defaults={
            "clinic_id": draft.clinic_id,
            "patient_id": draft.patient_id,
            "created_at": now,
            "due_at": now + URGENT_WITHIN,
        },
    )
    if created:
        outbox_add_many(
            kind="intake_alert.urgent",
            recipients=access.review_recipients(draft.clinic_id),
            obj=alert,
            clinic=draft.clinic,
        )
    return alert


@transaction.atomic
def intake_alert_acknowledge(*, alert_id: Any, user: Any, request: HttpRequest | None = None) -> IntakeAlert:
    """A psychiatrist has seen the alert (stops the escalation to clinic admins); twice is once."""
    alert = IntakeAlert.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=alert_id)
    member = _member(user, alert.clinic_id, Action.ACKNOWLEDGE)
    if alert.case_id is None and alert.acknowledged_at is not None:
        return alert
    if (reason := alert_refusal(alert, member)) is not None:
        raise CaseActionError(reason)
    alert.acknowledged_by = user
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        action="intake_alert.acknowledge",
        actor=user,
        clinic=alert.clinic,
        obj=alert,
        request=request,
        detail={"patient_id": str(alert.patient_id)},
    )
    return alert


@transaction.atomic(savepoint=False)  # part of the submit's transaction
def intake_alert_link(*, submission: Any, case: ReviewCase | None) -> IntakeAlert | None:
    """On submit, the draft's alert becomes the case: the case is urgent (due no later than the alert) and keeps
    who acknowledged; the alert leaves the queue. Without a case (the answers changed), the alert stays."""
    alert = IntakeAlert.objects.select_for_update().filter(draft_id=submission.draft_id, case__isnull=True).first()
    if alert is None or case is None:
        return alert
    now = timezone.now()
    alert.case = case
    alert.linked_at = now
    alert.save(update_fields=["case", "linked_at"])
    fields = ["priority", "due_at", "updated_at"]
    case.priority = Priority.URGENT
    case.due_at = min(case.due_at, alert.due_at)
    if case.acknowledged_at is None and alert.acknowledged_at is not None:
        case.acknowledged_by_id = alert.acknowledged_by_id
        case.acknowledged_at = alert.acknowledged_at
        fields += ["acknowledged_by", "acknowledged_at"]
        ReviewDecision.objects.create(
            case=case,
            kind=ReviewDecision.Kind.ACKNOWLEDGED,
            by_id=alert.acknowledged_by_id,
            at=alert.acknowledged_at,
            result_id=case.result_id,
        )
    if case.ack_escalated_at is None and alert.ack_escalated_at is not None:
        case.ack_escalated_at = alert.ack_escalated_at
        fields.append("ack_escalated_at")
    case.save(update_fields=fields)
    return alert
