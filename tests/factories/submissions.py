"""Submitted intakes with their screening result, and review cases, written straight to the database."""

import random
from datetime import timedelta

from django.utils import timezone

from intake.models import IntakeDraft, IntakeSubmission
from screening.models import Outcome, Priority, ReviewCase, ScreeningResult
from screening.rules.sample import random_document
from screening.services import screening_result_create


def submission_for(patient, clinic, *, seed: int = 1) -> tuple[IntakeDraft, IntakeSubmission]:
    draft = IntakeDraft.objects.create(patient=patient, clinic=clinic, submitted_at=timezone.now())
    document = random_document(random.Random(seed), timezone.localdate().isoformat())
    submission = IntakeSubmission.objects.create(
        patient=patient,
        clinic=clinic,
        draft=draft,
        document=document,
        consent_version="test",
        consent_text="test",
        signed_name=patient.full_name,
    )
    screening_result_create(submission=submission, policy=clinic.policies.first())
    return draft, submission


def review_case(submission, *, priority: str = Priority.URGENT, age: timedelta = timedelta(0), **fields) -> ReviewCase:
    created = timezone.now() - age
    defaults = {
        "status": ReviewCase.Status.OPEN,
        "due_at": created + (timedelta(hours=4) if priority == Priority.URGENT else timedelta(days=2)),
    }
    defaults.update(fields)
    return ReviewCase.objects.create(
        clinic_id=submission.clinic_id, submission=submission, priority=priority, created_at=created, **defaults
    )


def submit(patient, clinic, *, outcome: str = Outcome.ELIGIBLE, priority: str = Priority.ROUTINE, at=None):
    """A submitted intake with one screening result (outcome chosen by the test)."""
    at = at or timezone.now()
    draft = IntakeDraft.objects.create(patient=patient, clinic=clinic, submitted_at=at, created_at=at)
    submission = IntakeSubmission.objects.create(
        patient=patient,
        clinic=clinic,
        draft=draft,
        document=random_document(random.Random(7), at.date().isoformat()),
        consent_version="test",
        consent_text="test",
        signed_name=patient.full_name,
        submitted_at=at,
    )
    result = ScreeningResult.objects.create(
        submission=submission,
        ruleset="test",
        policy=clinic.policies.first(),
        outcome=outcome,
        priority=priority,
        result={},
        created_at=at,
    )
    return submission, result
