"""Reads for the patient intake, always scoped to the requesting patient.

Another patient's draft or submission is exactly as invisible as a missing one (the views answer 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from clinics.models import Clinic
from scheduling.models import WorklistEntry
from screening.models import ReviewCase, ReviewDecision, ScreeningResult

from .models import IntakeDraft, IntakeSubmission


def draft_for_patient(*, user: Any, draft_id: Any) -> IntakeDraft | None:
    return IntakeDraft.objects.select_related("clinic").filter(pk=draft_id, patient=user).first()


def drafts_open_for_patient(*, user: Any) -> QuerySet[IntakeDraft]:
    return (
        IntakeDraft.objects.select_related("clinic", "amends")
        .filter(patient=user, submitted_at__isnull=True)
        .order_by("-updated_at")
    )


# What the patient is told about their case, oldest first: the psychiatrist's messages and their own updates.
PATIENT_TIMELINE = (
    ReviewDecision.Kind.INFO_REQUESTED,
    ReviewDecision.Kind.AMENDED,
    ReviewDecision.Kind.CLEARED,
    ReviewDecision.Kind.DECLINED,
)


def _with_screening(submissions: QuerySet[IntakeSubmission]) -> QuerySet[IntakeSubmission]:
    """Each submission with `.results` (newest first) and `.cases` (each with `.timeline`, oldest first)."""
    timeline = ReviewDecision.objects.filter(kind__in=PATIENT_TIMELINE).order_by("at", "id")
    # amendment_draft: the update the patient started from this version, if any.
    # worklist_status: where the coordinators are with the patient (None when not on the worklist).
    worklist = WorklistEntry.objects.filter(submission=OuterRef("pk")).values("status")[:1]
    return (
        submissions.select_related("clinic", "amendment_draft")
        .annotate(worklist_status=Subquery(worklist))
        .prefetch_related(
            Prefetch("screening_results", queryset=ScreeningResult.objects.order_by("-version"), to_attr="results"),
            Prefetch(
                "review_cases",
                queryset=ReviewCase.objects.order_by("-created_at").prefetch_related(
                    Prefetch("decisions", queryset=timeline, to_attr="timeline")
                ),
                to_attr="cases",
            ),
        )
    )


def submissions_for_patient(*, user: Any) -> list[IntakeSubmission]:
    """The patient's intakes, newest first: the newest version of each (an amended version is replaced by its
    amendment), with results, cases and the worklist status attached."""
    return list(
        _with_screening(
            IntakeSubmission.objects.filter(patient=user, amended_by__isnull=True).order_by("-submitted_at")
        )
    )


def submission_for_patient(*, user: Any, submission_id: Any) -> IntakeSubmission | None:
    return (
        _with_screening(IntakeSubmission.objects.filter(pk=submission_id, patient=user))
        .select_related("draft", "amended_by")
        .first()
    )


def submission_latest_for_draft(*, user: Any, draft: IntakeDraft) -> IntakeSubmission | None:
    return IntakeSubmission.objects.filter(draft=draft, patient=user).order_by("-version").first()


def submission_for_clinic(*, user: Any, clinic: Any) -> IntakeSubmission | None:
    """The patient's latest submission to this clinic, if any."""
    return IntakeSubmission.objects.filter(patient=user, clinic=clinic).order_by("-submitted_at").first()


def clinic_accepting(*, slug: str) -> Clinic | None:
    """A clinic a patient may start an intake with (public, accepting new patients)."""
    return Clinic.objects.filter(slug=slug, accepting_patients=True).first()


def draft_open_for_clinic(*, user: Any, clinic: Clinic) -> IntakeDraft | None:
    return IntakeDraft.objects.filter(patient=user, clinic=clinic, submitted_at__isnull=True).first()


def question_for_amendment(*, draft: IntakeDraft) -> ReviewDecision | None:
    """The psychiatrist's latest question about the version this draft updates (shown while the patient edits)."""
    if not draft.amends_id:
        return None
    return (
        ReviewDecision.objects.filter(
            case__submission_id=draft.amends_id,
            kind=ReviewDecision.Kind.INFO_REQUESTED,
            case__clinic_id=draft.clinic_id,
        )
        .order_by("-at")
        .first()
    )
