"""`make run` loads demo data with patients in every state of the flow, and loading it twice changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinics.models import Appointment, WorklistEntry
from intake.models import IntakeDraft, IntakeSubmission
from screening.models import ReviewCase


def _snapshot() -> dict:
    return {
        "submissions": IntakeSubmission.objects.count(),
        "open drafts": IntakeDraft.objects.filter(submitted_at__isnull=True).count(),
        "cases": sorted(ReviewCase.objects.values_list("priority", "status")),
        "worklist": sorted(WorklistEntry.objects.values_list("source", "status")),
        "appointments": Appointment.objects.count(),
    }


@pytest.mark.django_db
def test_demo_has_every_state_and_is_idempotent():
    call_command("load_demo")
    first = _snapshot()

    call_command("load_demo")

    assert _snapshot() == first
    statuses = {status for _, status in first["cases"]}
    assert {"open", "claimed", "awaiting_patient", "cleared", "declined"} <= statuses
    assert ("urgent", "open") in first["cases"]
    assert ReviewCase.objects.filter(due_at__lt=timezone.now()).exists()  # an overdue case
    assert {"eligible", "cleared"} <= {source for source, _ in first["worklist"]}
    assert first["appointments"] >= 2 and first["open drafts"] >= 1
