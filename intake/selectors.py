"""Reads for the patient intake, always scoped to the requesting patient.

Another patient's draft or submission is exactly as invisible as a missing one (the views answer 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clinics.models import Clinic

from .models import IntakeDraft, IntakeSubmission


def draft_for_patient(*, user: Any, draft_id: Any) -> IntakeDraft | None:
    return IntakeDraft.objects.select_related("clinic").filter(pk=draft_id, patient=user).first()


def drafts_open_for_patient(*, user: Any) -> QuerySet[IntakeDraft]:
    return (
        IntakeDraft.objects.select_related("clinic", "amends")
        .filter(patient=user, submitted_at__isnull=True)
        .order_by("-updated_at")
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


def submission_latest_for_patient(*, user: Any) -> IntakeSubmission | None:
    """The answers a new intake starts from (any clinic): the patient's last submission."""
    return IntakeSubmission.objects.filter(patient=user).order_by("-submitted_at").only("pk", "submitted_at").first()
