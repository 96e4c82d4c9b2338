"""The patient's intakes with what screening, review and the worklist made of them, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from intake.models import IntakeSubmission
from scheduling.models import Appointment, WorklistEntry
from screening.models import ReviewCase, ReviewDecision, ScreeningResult

# What the patient is told about their case, oldest first: the psychiatrist's messages and their own updates.
PATIENT_TIMELINE = (
    ReviewDecision.Kind.INFO_REQUESTED,
    ReviewDecision.Kind.AMENDED,
    ReviewDecision.Kind.CLEARED,
    ReviewDecision.Kind.DECLINED,
    ReviewDecision.Kind.REPLIED,
)


def booked_ahead(submission: Any) -> QuerySet[Appointment]:
    """The submission's appointments still to come, an evaluation first ("-kind" puts it before "consultation")."""
    return Appointment.objects.filter(
        entry__submission=submission, status=Appointment.Status.BOOKED, ends_at__gt=timezone.now()
    ).order_by("-kind", "starts_at")


def _with_screening(submissions: QuerySet[IntakeSubmission]) -> QuerySet[IntakeSubmission]:
    """Each submission with `.results` (newest first) and `.cases` (each with `.timeline`, oldest first)."""
    timeline = ReviewDecision.objects.filter(kind__in=PATIENT_TIMELINE).order_by("at", "id")
    # amendment_draft: the update the patient started from this version, if any.
    # worklist_status: where the coordinators are with the patient (None when not on the worklist).
    # booked_kind: the kind of what is booked ahead (see booked_ahead).
    worklist = WorklistEntry.objects.filter(submission=OuterRef("pk")).values("status")[:1]
    booked = booked_ahead(OuterRef("pk"))
    return (
        submissions.select_related("clinic", "amendment_draft")
        .annotate(worklist_status=Subquery(worklist), booked_kind=Subquery(booked.values("kind")[:1]))
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
