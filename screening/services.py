"""Writes for screening: store a result, route it (the review queue, the coordinators' worklist), tell the staff,
and re-screen a clinic's open submissions when its policy or the ruleset changes.

What happens to a review case itself (and to an urgent intake alert) is cases.py's: this module asks it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clinics import access
from clinics.models import Clinic, Role, ScreeningPolicy
from clinics.selectors import engine_policy, policy_current
from core.audit import audit_record
from core.outbox import delay_on_commit_safely, outbox_add, outbox_add_many
from scheduling import worklist
from scheduling.models import WorklistEntry

from .cases import (
    Rescreened,
    active_holder,
    intake_alert_link,
    review_case_amend,
    review_case_open,
    review_case_rescreen,
)
from .models import Outcome, Priority, RescreenRun, ReviewCase, ScreeningResult
from .rules import RULESET, IntakeDocument, evaluate
from .selectors_documents import cases_waiting_for_document


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
def submission_route(*, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """Where a screened submission goes next: the review queue, the coordinators' worklist, or nowhere."""
    case = review_case_open(submission=submission, result=result)
    if result.outcome == Outcome.ELIGIBLE:
        worklist.put_on_worklist(submission=submission, source=WorklistEntry.Source.ELIGIBLE)
    return case


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
    key = str(result.pk)
    case, rescreened = review_case_rescreen(
        submission=submission, result=result, actor=actor, note=_rescreen_words(previous, result, policy)
    )
    if rescreened in (Rescreened.DECIDED, Rescreened.KEPT):
        return outcome  # a decision stands; an undecided case stays with the psychiatrists
    if rescreened == Rescreened.PRIORITY_CHANGED:
        outcome.priority_changed = True
        if result.priority == Priority.URGENT:
            screening_notify(submission=submission, result=result, case=case, event_key=key)
        return outcome
    if rescreened == Rescreened.OPENED:
        outcome.case_opened = True
        worklist.take_off_worklist(submission=submission)  # nobody had called yet: off the worklist until cleared
        screening_notify(submission=submission, result=result, case=case, event_key=key)
        if changed:
            _patient_told_of_change(submission, key)
        return outcome
    # Eligible or ineligible now, and no psychiatrist holds the case.
    outcome.case_closed = rescreened == Rescreened.CLOSED
    if result.outcome == Outcome.ELIGIBLE:
        already = WorklistEntry.objects.filter(submission=submission).exists()
        worklist.put_on_worklist(submission=submission, source=WorklistEntry.Source.ELIGIBLE)
        if not already:
            screening_notify(submission=submission, result=result, case=None, event_key=key)
    else:
        worklist.take_off_worklist(submission=submission)
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
        holder = active_holder(case)
        outbox_add_many(
            kind="case.document_received",
            recipients=[holder] if holder else access.review_recipients(case.clinic_id),
            obj=case,
            clinic=case.clinic,
            event_key=str(document.pk),
        )
    return cases
