"""Writes for screening: store a result, open a review case, queue the staff notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clinics.models import Membership, Role, ScreeningPolicy, WorklistEntry
from clinics.selectors import engine_policy
from core.outbox import outbox_add

from .models import Outcome, Priority, ReviewCase, ScreeningResult
from .rules import IntakeDocument, evaluate

URGENT_WITHIN = timedelta(hours=4)
ROUTINE_BUSINESS_DAYS = 2


def add_business_days(start: datetime, days: int, *, time_zone: str) -> datetime:
    """`days` working days (Monday to Friday) after `start`, same local time, in the clinic's time zone.

    A Saturday or Sunday start counts from the following Monday: Saturday 10:00 + 2 -> Tuesday 10:00.
    """
    zone = ZoneInfo(time_zone)
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


def review_due_at(*, priority: str, start: datetime, time_zone: str) -> datetime:
    """Urgent: within 4 hours. Routine: within 2 business days in the clinic's time zone."""
    if priority == Priority.URGENT:
        return start + URGENT_WITHIN
    return add_business_days(start, ROUTINE_BUSINESS_DAYS, time_zone=time_zone)


@transaction.atomic
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


@transaction.atomic
def review_case_open(*, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """A review case when the outcome is needs_review (priority and due time from the result)."""
    if result.outcome != Outcome.NEEDS_REVIEW:
        return None
    now = timezone.now()
    return ReviewCase.objects.create(
        clinic_id=submission.clinic_id,
        submission=submission,
        status=ReviewCase.Status.OPEN,
        priority=result.priority,
        due_at=review_due_at(priority=result.priority, start=now, time_zone=submission.clinic.time_zone),
        created_at=now,
    )


@transaction.atomic
def submission_route(*, submission: Any, result: ScreeningResult) -> ReviewCase | None:
    """Where a screened submission goes next: the review queue, the coordinators' worklist, or nowhere."""
    case = review_case_open(submission=submission, result=result)
    if result.outcome == Outcome.ELIGIBLE:
        worklist_add(submission=submission, source=WorklistEntry.Source.ELIGIBLE)
    return case


def worklist_add(*, submission: Any, source: str) -> WorklistEntry:
    """Put the patient on the coordinators' worklist (once per submission)."""
    entry, _ = WorklistEntry.objects.get_or_create(
        submission=submission,
        defaults={"clinic_id": submission.clinic_id, "patient_id": submission.patient_id, "source": source},
    )
    return entry


def _members(clinic_id: Any, roles: list[str]) -> list[Membership]:
    return list(
        Membership.objects.filter(clinic_id=clinic_id, role__in=roles, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("created_at")
    )


def review_recipients(clinic_id: Any) -> list[Any]:
    """Who is alerted about a case: active psychiatrists, or the clinic admins when there is none
    (a human must always be alerted)."""
    members = _members(clinic_id, [Role.PSYCHIATRIST, Role.CLINIC_ADMIN])
    psychiatrists = [m.user for m in members if m.role == Role.PSYCHIATRIST]
    return psychiatrists or [m.user for m in members]


@transaction.atomic
def screening_notify(*, submission: Any, result: ScreeningResult, case: ReviewCase | None) -> None:
    """Queue the staff notifications for a new result (outbox rows; sending comes later).

    Needs review: every active psychiatrist ("case.urgent" or "case.new"; clinic admins when there is no
    psychiatrist). Eligible: coordinators ("patient.eligible"). Ineligible: nobody but the patient.
    """
    clinic = submission.clinic
    if result.outcome == Outcome.NEEDS_REVIEW and case is not None:
        kind = "case.urgent" if result.priority == Priority.URGENT else "case.new"
        for user in review_recipients(clinic.pk):
            outbox_add(kind=kind, recipient=user, obj=case, clinic=clinic)
    elif result.outcome == Outcome.ELIGIBLE:
        for membership in _members(clinic.pk, [Role.COORDINATOR]):
            outbox_add(kind="patient.eligible", recipient=membership.user, obj=submission, clinic=clinic)
