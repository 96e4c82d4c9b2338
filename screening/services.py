"""Writes for screening: store a result, route it, and everything a psychiatrist or an admin does to a
review case (claim, release, reassign, acknowledge, decide, re-open), the patient's amendment, and re-screening.

Every write to a case is one transaction, leaves a ReviewDecision in the case's history and an audit event
whose detail holds codes and ids only (never what the patient or the psychiatrist wrote).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clinics import access
from clinics.models import Clinic, Role, ScreeningPolicy
from clinics.selectors import engine_policy, policy_current
from core.audit import audit_record
from core.outbox import delay_on_commit_safely, outbox_add, outbox_add_many
from intake.models import DocumentKind
from scheduling import worklist
from scheduling.models import WorklistEntry

from .models import IntakeAlert, Outcome, Priority, RescreenRun, ReviewCase, ReviewDecision, ScreeningResult
from .rules import RULESET, IntakeDocument, evaluate
from .selectors_documents import cases_waiting_for_document

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


@transaction.atomic(savepoint=False)  # part of the submit's transaction: no savepoint round trips
def screening_result_create(*, submission: Any, policy: ScreeningPolicy | None) -> ScreeningResult:
    """Screen the submission's frozen document under `policy`; a new version, earlier ones untouched."""
    result = evaluate(IntakeDocument.from_dict(submission.document), engine_policy(policy))
    latest = ScreeningResult.objects.filter(submission=submission).aggregate(v=Max("version"))["v"] or 0
    return ScreeningResult.objects.create(
        submission=submission,
        version=latest + 1,
        ruleset=result.ruleset,
        policy=policy,
        outcome=result.outcome.value,
        priority=result.priority.value,
        result=result.to_dict(),
    )


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


@transaction.atomic(savepoint=False)
def submission_route(*, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """Where a screened submission goes next: the review queue, the coordinators' worklist, or nowhere."""
    case = review_case_open(submission=submission, result=result)
    if result.outcome == Outcome.ELIGIBLE:
        worklist_add(submission=submission, source=WorklistEntry.Source.ELIGIBLE)
    return case


def worklist_add(*, submission: Any, source: str) -> WorklistEntry:
    """Put the patient on the coordinators' worklist (once per submission): scheduling owns the entry."""
    return worklist.put_on_worklist(submission=submission, source=source)


def worklist_withdraw(*, submission: Any) -> bool:
    """Take the patient off the worklist if no coordinator has started on them yet; True when taken off."""
    return worklist.take_off_worklist(submission=submission)


@transaction.atomic(savepoint=False)
def submission_screen(*, submission: Any, previous: Any = None) -> ScreeningResult:
    """Screen a submission in the transaction that saves it (intake asks through core.hooks "screen_submission").

    The result; for an amendment, the psychiatrist's case moves to the new version and re-opens for them,
    whatever the new outcome (they asked, so they decide); otherwise the routing and the staff alerts.
    """
    result = screening_result_create(submission=submission, policy=policy_current(submission.clinic))
    submission.results = [result]  # as the selectors prefetch it: the page after submit needs no query
    case = review_case_amend(previous=previous, submission=submission, result=result) if previous else None
    if case is not None:
        intake_alert_link(submission=submission, case=case)
    else:
        case = submission_route(submission=submission, result=result)
        # High-risk answers mid-intake already alerted the psychiatrists: the alert becomes this case, no second one.
        alert = intake_alert_link(submission=submission, case=case)
        screening_notify(submission=submission, result=result, case=None if alert and alert.case_id else case)
    return result


@transaction.atomic(savepoint=False)
def screening_notify(*, submission: Any, result: ScreeningResult, case: ReviewCase | None, event_key: str = "") -> None:
    """Queue the staff notifications for a new result (outbox rows; sending comes later).

    Needs review: every active psychiatrist ("case.urgent" or "case.new"; clinic admins when there is no
    psychiatrist). Eligible: coordinators ("patient.eligible"). Ineligible: nobody but the patient.
    """
    clinic = submission.clinic
    if result.outcome == Outcome.NEEDS_REVIEW and case is not None:
        kind = "case.urgent" if result.priority == Priority.URGENT else "case.new"
        outbox_add_many(
            kind=kind, recipients=access.review_recipients(clinic.pk), obj=case, clinic=clinic, event_key=event_key
        )
    elif result.outcome == Outcome.ELIGIBLE:
        coordinators = [membership.user for membership in access.members(clinic.pk, [Role.COORDINATOR])]
        outbox_add_many(
            kind="patient.eligible", recipients=coordinators, obj=submission, clinic=clinic, event_key=event_key
        )


# --- the review case: claim, release, reassign, acknowledge ----------------------------------------------


class CaseActionError(Exception):
    """A case action that cannot be done now; the message is for the person who tried, in plain words."""


class CaseAlreadyClaimed(CaseActionError):
    """Someone else claimed the case first (a race, or a stale page)."""

    def __init__(self, claimer_name: str) -> None:
        super().__init__(f"{claimer_name} has already claimed this case.")
        self.claimer_name = claimer_name


def _require_role(user: Any, clinic_id: Any, *roles: str) -> str:
    return access.require_role(user, clinic_id, roles, "Your role at this clinic does not allow this.")


def _locked(case_id: Any) -> ReviewCase:
    """The case row, locked until the transaction ends (every change of status goes through here)."""
    return ReviewCase.objects.select_for_update(of=("self",)).select_related("clinic", "submission").get(pk=case_id)


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


@transaction.atomic
def review_case_claim(*, case_id: Any, user: Any, request: HttpRequest | None = None) -> ReviewCase:
    """Take an open case. Of two psychiatrists claiming at the same moment exactly one wins: the claim is a
    conditional UPDATE (open and unclaimed) that the database serialises on the row; the other one gets
    CaseAlreadyClaimed naming who has it."""
    clinic_id = ReviewCase.objects.values_list("clinic_id", flat=True).get(pk=case_id)
    _require_role(user, clinic_id, Role.PSYCHIATRIST)
    now = timezone.now()
    won = ReviewCase.objects.filter(pk=case_id, status=ReviewCase.Status.OPEN, claimed_by__isnull=True).update(
        status=ReviewCase.Status.CLAIMED, claimed_by=user, claimed_at=now, updated_at=now
    )
    case = ReviewCase.objects.select_related("clinic", "claimed_by").get(pk=case_id)
    if not won:
        if case.claimed_by_id == user.pk and case.status == ReviewCase.Status.CLAIMED:
            return case  # a double click: already yours
        if case.claimed_by is not None:
            raise CaseAlreadyClaimed(case.claimed_by.get_full_name())
        raise CaseActionError("This case is no longer waiting for a psychiatrist.")
    _record(case, ReviewDecision.Kind.CLAIMED, by=user, at=now)
    _audit("case.claim", user=user, case=case, request=request)
    return case


@transaction.atomic
def review_case_release(*, case_id: Any, user: Any, request: HttpRequest | None = None) -> ReviewCase:
    """Give a claimed case back to the queue: the psychiatrist who holds it, or a clinic admin."""
    case = _locked(case_id)
    role = _require_role(user, case.clinic_id, Role.PSYCHIATRIST, Role.CLINIC_ADMIN)
    if case.status != ReviewCase.Status.CLAIMED:
        raise CaseActionError("Only a claimed case can be released.")
    if case.claimed_by_id != user.pk and role != Role.CLINIC_ADMIN:
        raise CaseActionError("Only the psychiatrist who claimed this case, or a clinic admin, can release it.")
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
    case = _locked(case_id)
    _require_role(by, case.clinic_id, Role.CLINIC_ADMIN)
    if access.role_at(to_user, case.clinic_id) != Role.PSYCHIATRIST:
        raise ValidationError({"psychiatrist": "Choose an active psychiatrist of this clinic."})
    if case.status not in ReviewCase.UNDECIDED:
        raise CaseActionError("A decided case cannot be reassigned; re-open it first.")
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
    """A psychiatrist has seen an urgent case's alert (stops the escalation to clinic admins)."""
    case = _locked(case_id)
    _require_role(user, case.clinic_id, Role.PSYCHIATRIST)
    if case.priority != Priority.URGENT:
        raise CaseActionError("Only urgent cases are acknowledged.")
    if case.acknowledged_at is not None:
        return case
    now = timezone.now()
    case.acknowledged_by = user
    case.acknowledged_at = now
    case.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    _record(case, ReviewDecision.Kind.ACKNOWLEDGED, by=user, at=now)
    _audit("case.acknowledge", user=user, case=case, request=request)
    return case


# --- decisions -----------------------------------------------------------------------------------------


def _holder_locked(case_id: Any, user: Any, *, allowed: tuple[str, ...]) -> ReviewCase:
    case = _locked(case_id)
    _require_role(user, case.clinic_id, Role.PSYCHIATRIST)
    if case.claimed_by_id != user.pk:
        if case.claimed_by_id is None:
            raise CaseActionError("Claim this case before you decide.")
        raise CaseActionError("Only the psychiatrist who claimed this case can decide.")
    if case.status not in allowed:
        raise CaseActionError("This case has already been decided.")
    return case


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
    case = _holder_locked(case_id, user, allowed=(ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT))
    decision = _decide(
        case,
        status=ReviewCase.Status.CLEARED,
        kind=ReviewDecision.Kind.CLEARED,
        user=user,
        note=note,
        patient_message=patient_message,
        request=request,
    )
    entry = worklist_add(submission=case.submission, source=WorklistEntry.Source.CLEARED)
    if decision.note:
        # The handoff: coordinators read the psychiatrist's note on the entry and the appointment they book from it.
        entry.team_note, entry.team_note_by, entry.team_note_at = decision.note, user, decision.at
        entry.save(update_fields=["team_note", "team_note_by", "team_note_at", "updated_at"])
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
    case = _holder_locked(case_id, user, allowed=(ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT))
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
    case = _holder_locked(case_id, user, allowed=(ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT))
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
    case = _locked(case_id)
    _require_role(user, case.clinic_id, Role.CLINIC_ADMIN)
    if case.status not in (*ReviewCase.DECIDED, ReviewCase.Status.CLOSED):
        raise CaseActionError("Only a decided or closed case can be re-opened.")
    now = timezone.now()
    previous = case.status
    case.status = ReviewCase.Status.OPEN
    case.claimed_by = None
    case.claimed_at = None
    case.decided_by = None
    case.decided_at = None
    case.due_at = review_due_at(priority=case.priority, start=now, zone=case.clinic.zone)
    case.overdue_notified_at = None
    case.save()
    # Off the worklist again until a psychiatrist clears the case (if no coordinator has started yet).
    withdrawn = worklist_withdraw(submission=case.submission) if previous == ReviewCase.Status.CLEARED else False
    _record(case, ReviewDecision.Kind.REOPENED, by=user, at=now, note=note.strip())
    _audit("case.reopen", user=user, case=case, request=request, previous_status=previous, worklist_withdrawn=withdrawn)
    return case


# --- the patient's amendment ---------------------------------------------------------------------------


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
    holder = case.claimed_by if _still_psychiatrist(case.claimed_by, case.clinic_id) else None
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


def _still_psychiatrist(user: Any, clinic_id: Any) -> bool:
    return user is not None and user.is_active and access.role_at(user, clinic_id) == Role.PSYCHIATRIST


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
    holder = case.claimed_by if _still_psychiatrist(case.claimed_by, clinic.pk) else None
    became_urgent = result.priority == Priority.URGENT and case.priority != Priority.URGENT
    case.submission = submission
    case.result = result
    case.priority = result.priority
    case.status = ReviewCase.Status.CLAIMED if holder else ReviewCase.Status.OPEN
    case.claimed_by = holder
    case.claimed_at = case.claimed_at if holder else None
    case.decided_by = None
    case.decided_at = None
    case.due_at = review_due_at(priority=result.priority, start=now, zone=clinic.zone)
    case.overdue_notified_at = None
    if became_urgent:
        case.acknowledged_by = None
        case.acknowledged_at = None
        case.ack_escalated_at = None
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


# --- re-screening ----------------------------------------------------------------------------------------


def rescreen_candidates(clinic_id: Any) -> QuerySet:
    """A clinic's submissions no human has decided on yet, newest version of each intake only:

    - the case is open, claimed or waiting for the patient; or
    - there is no live case, no psychiatrist decided (a case re-screening closed does not count) and the
      coordinators have not started on the patient (no worklist entry, or one still "to contact" with no
      attempt).
    """
    from intake.models import IntakeSubmission

    cases = ReviewCase.objects.filter(submission=OuterRef("pk"))
    live = Exists(cases.filter(status__in=ReviewCase.UNDECIDED))
    decided = Exists(cases.filter(status__in=ReviewCase.DECIDED))
    touched = Exists(
        WorklistEntry.objects.filter(submission=OuterRef("pk")).exclude(
            status=WorklistEntry.Status.TO_CONTACT, attempts=0
        )
    )
    return IntakeSubmission.objects.filter(clinic_id=clinic_id, amended_by__isnull=True).filter(
        live | (~decided & ~touched)
    )


@dataclasses.dataclass
class RescreenOutcome:
    skipped: bool = False
    move: str = ""  # "eligible->needs_review" when the outcome changed
    case_opened: bool = False
    case_closed: bool = False
    priority_changed: bool = False


def _urgent_from_intake(case: ReviewCase) -> bool:
    """An urgent case that high-risk answers during the intake made urgent stays urgent (a psychiatrist decides)."""
    return case.priority == Priority.URGENT and IntakeAlert.objects.filter(case=case).exists()


def _codes(result: ScreeningResult | None) -> list[str]:
    return list(dict.fromkeys(f["code"] for f in ((result.result or {}).get("findings") or []))) if result else []


def _rescreen_words(previous: ScreeningResult | None, result: ScreeningResult, policy: Any) -> str:
    """ "Re-screened (policy v3 / ruleset 2027.01); flags gained: DEPRESSION_MILD" for the case history."""
    words = (
        f"Re-screened (policy v{policy.version} / ruleset {result.ruleset})"
        if policy
        else (f"Re-screened (default policy / ruleset {result.ruleset})")
    )
    before, after = _codes(previous), _codes(result)
    gained = [code for code in after if code not in before]
    lost = [code for code in before if code not in after]
    if gained:
        words += f"; findings gained: {', '.join(gained)}"
    if lost:
        words += f"; findings lost: {', '.join(lost)}"
    return words


def _latest_result(submission: Any) -> ScreeningResult | None:
    return ScreeningResult.objects.filter(submission=submission).order_by("-version").first()


@transaction.atomic
def submission_rescreen(
    *, submission: Any, policy: ScreeningPolicy | None, actor: Any = None, ruleset: str = RULESET
) -> RescreenOutcome:
    """Screen one submission again under `policy` and the current ruleset, and route it again.

    Skipped when its newest result was made under this ruleset and policy (so re-running is harmless).
    A new result version is written; old versions stay. Routing: a case appears (and psychiatrists are told)
    when the outcome becomes needs_review; a case nobody claimed closes when it no longer needs review, and an
    eligible patient joins the worklist; a claimed case stays with its psychiatrist, who decides.
    """
    previous = _latest_result(submission)
    if previous is not None and previous.ruleset == ruleset and previous.policy_id == (policy.pk if policy else None):
        return RescreenOutcome(skipped=True)
    result = screening_result_create(submission=submission, policy=policy)
    outcome = RescreenOutcome()
    changed = previous is not None and previous.outcome != result.outcome
    if changed:
        outcome.move = f"{previous.outcome}->{result.outcome}"
    now = timezone.now()
    clinic = submission.clinic
    case = ReviewCase.objects.select_for_update(of=("self",)).filter(submission=submission).first()
    key = str(result.pk)
    what = _rescreen_words(previous, result, policy)
    if case is not None and case.status in ReviewCase.DECIDED:
        return outcome  # decided meanwhile: the new version is kept and shown, the decision stands
    if result.outcome == Outcome.NEEDS_REVIEW:
        if case is not None and case.status in ReviewCase.UNDECIDED:
            case.result = result
            if case.priority != result.priority and not _urgent_from_intake(case):
                outcome.priority_changed = True
                if result.priority == Priority.URGENT:
                    case.acknowledged_by = None
                    case.acknowledged_at = None
                    case.ack_escalated_at = None
                    case.due_at = min(case.due_at, review_due_at(priority=result.priority, start=now, zone=clinic.zone))
                else:
                    case.due_at = review_due_at(priority=result.priority, start=case.created_at, zone=clinic.zone)
                case.priority = result.priority
                case.overdue_notified_at = None
                case.save()
                _record(
                    case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{what}: priority {result.priority}."
                )
                if result.priority == Priority.URGENT:
                    screening_notify(submission=submission, result=result, case=case, event_key=key)
            else:
                case.save(update_fields=["result", "updated_at"])
                _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{what}: still needs review.")
            return outcome
        if case is not None:  # closed by an earlier re-screening: the same case comes back
            case.status = ReviewCase.Status.OPEN
            case.result = result
            case.priority = result.priority
            case.due_at = review_due_at(priority=result.priority, start=now, zone=clinic.zone)
            case.overdue_notified_at = None
            case.acknowledged_by = None
            case.acknowledged_at = None
            case.ack_escalated_at = None
            case.save()
        else:
            case = review_case_open(submission=submission, result=result)
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{what}: needs review.")
        outcome.case_opened = True
        worklist_withdraw(submission=submission)  # nobody had called yet: off the worklist until cleared
        screening_notify(submission=submission, result=result, case=case, event_key=key)
        if changed:
            _patient_told_of_change(submission, key)
        return outcome
    # Eligible or ineligible now.
    if case is not None and case.status in (ReviewCase.Status.CLAIMED, ReviewCase.Status.AWAITING_PATIENT):
        case.result = result
        case.save(update_fields=["result", "updated_at"])
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{what}: {result.outcome}.")
        return outcome
    if case is not None and case.status == ReviewCase.Status.OPEN:
        case.status = ReviewCase.Status.CLOSED
        case.result = result
        case.save(update_fields=["status", "result", "updated_at"])
        _record(case, ReviewDecision.Kind.RESCREENED, by=actor, at=now, note=f"{what}: {result.outcome}.")
        outcome.case_closed = True
    elif case is not None:
        case.result = result
        case.save(update_fields=["result", "updated_at"])
    if result.outcome == Outcome.ELIGIBLE:
        already = WorklistEntry.objects.filter(submission=submission).exists()
        worklist_add(submission=submission, source=WorklistEntry.Source.ELIGIBLE)
        if not already:
            screening_notify(submission=submission, result=result, case=None, event_key=key)
    else:
        worklist_withdraw(submission=submission)
    if changed:
        _patient_told_of_change(submission, key)
    return outcome


def _patient_told_of_change(submission: Any, event_key: str) -> None:
    """The patient's result now means something else: the usual "new message" e-mail, and their page says what
    changed. Not while a psychiatrist holds the case (the patient hears from them)."""
    outbox_add(
        kind="screening.changed",
        recipient=submission.patient,
        obj=submission,
        clinic=submission.clinic,
        event_key=event_key,
    )


RESCREEN_CHUNK = 200


@transaction.atomic
def rescreen_run_start(
    *, clinic: Clinic, reason: str = RescreenRun.Reason.POLICY, triggered_by: Any = None, enqueue: bool = True
) -> RescreenRun:
    """Queue a re-screening of the clinic's open submissions under its current policy; an older run still
    going is superseded (the new one covers everything). The task starts after commit."""
    from clinics.selectors import policy_current

    now = timezone.now()
    # One run start at a time per clinic; NO KEY so that submissions pointing at the clinic are not held up.
    Clinic.objects.select_for_update(no_key=True).filter(pk=clinic.pk).first()
    RescreenRun.objects.filter(
        clinic=clinic, status__in=[RescreenRun.Status.QUEUED, RescreenRun.Status.RUNNING]
    ).update(status=RescreenRun.Status.SUPERSEDED, finished_at=now)
    run = RescreenRun.objects.create(
        clinic=clinic,
        policy=policy_current(clinic),
        ruleset=RULESET,
        reason=reason,
        triggered_by=triggered_by,
        total=rescreen_candidates(clinic.pk).count(),
        created_at=now,
    )
    audit_record(
        action="rescreen.start",
        actor=triggered_by,
        clinic=clinic,
        obj=run,
        detail={"reason": reason, "ruleset": RULESET, "policy_version": run.policy.version if run.policy else None},
    )
    if enqueue:
        delay_on_commit_safely("screening.tasks.rescreen_clinic", run.pk)
    return run


@transaction.atomic
def rescreen_run_chunk(*, run_id: int, size: int = RESCREEN_CHUNK) -> bool:
    """Re-screen the next `size` open submissions of a run (keyset on id); False once the run is over.

    The run row is locked for the chunk, so two workers on the same run take turns and never count twice.
    """
    run = RescreenRun.objects.select_for_update(of=("self",)).select_related("policy").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return False
    now = timezone.now()
    if run.status == RescreenRun.Status.QUEUED:
        run.status = RescreenRun.Status.RUNNING
        run.started_at = now
    candidates = rescreen_candidates(run.clinic_id)
    if run.cursor is not None:
        candidates = candidates.filter(pk__gt=run.cursor)
    batch = list(candidates.select_related("clinic", "patient").order_by("pk")[:size])
    if not batch:
        run.status = RescreenRun.Status.FINISHED
        run.finished_at = now
        run.total = max(run.total, run.done)
        run.save()
        return False
    moves = dict(run.moves or {})
    for submission in batch:
        outcome = submission_rescreen(
            submission=submission, policy=run.policy, actor=run.triggered_by, ruleset=run.ruleset
        )
        run.skipped += outcome.skipped
        run.rescreened += not outcome.skipped
        run.cases_opened += outcome.case_opened
        run.cases_closed += outcome.case_closed
        run.priority_changed += outcome.priority_changed
        if outcome.move:
            moves[outcome.move] = moves.get(outcome.move, 0) + 1
    run.moves = moves
    run.done += len(batch)
    run.cursor = batch[-1].pk
    run.save()
    return True


def policy_publish_and_rescreen(
    *, clinic: Clinic, values: dict[str, Any], actor: Any, note: str = "", request: HttpRequest | None = None
) -> tuple[ScreeningPolicy, RescreenRun]:
    """Publish a new policy version and, in the same transaction, queue the re-screening of open submissions
    (the task starts once both are committed)."""
    from clinics.services import policy_publish

    with transaction.atomic():
        policy = policy_publish(clinic=clinic, values=values, actor=actor, note=note, request=request)
        run = rescreen_run_start(clinic=clinic, reason=RescreenRun.Reason.POLICY, triggered_by=actor)
    return policy, run


# --- documents -----------------------------------------------------------------------------------------


def case_document_received(*, document: Any) -> list[ReviewCase]:
    """A patient uploaded a document a psychiatrist asked for: tell whoever holds each such case (every
    psychiatrist of the clinic when nobody does). Called by intake (core.hooks) in the upload's transaction."""
    cases = cases_waiting_for_document(document=document)
    for case in cases:
        holder = case.claimed_by if _still_psychiatrist(case.claimed_by, case.clinic_id) else None
        outbox_add_many(
            kind="case.document_received",
            recipients=[holder] if holder else access.review_recipients(case.clinic_id),
            obj=case,
            clinic=case.clinic,
            event_key=str(document.pk),
        )
    return cases


# --- urgent answers during an intake, before it is sent (IntakeAlert) ------------------------------------------
# Intake asks through core.hooks "intake_risk_reported"; a psychiatrist acknowledges; the submit links it to its case.


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
    _require_role(user, alert.clinic_id, Role.PSYCHIATRIST)
    if alert.case_id is not None:
        raise CaseActionError("The patient has sent their intake: acknowledge the case instead.")
    if alert.acknowledged_at is None:
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
