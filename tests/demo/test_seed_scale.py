"""seed_scale fills a clinic with every state of the flow, keeps the audit chain intact, and tops up."""

import pytest
from django.core.management import call_command

from clinics.models import Clinic
from core.audit import audit_record, audit_verify
from core.models import AuditEvent
from intake.models import IntakeSubmission
from scheduling.models import WorklistEntry
from screening.models import ReviewCase, ScreeningResult

pytestmark = pytest.mark.django_db


def test_seed_scale_fills_a_clinic_and_the_audit_log_still_verifies(capsys):
    audit_record(action="test.before")  # the seeded events continue an existing chain

    call_command("seed_scale", submissions=300, clinic="scale-test", batch=120, seed=7)

    clinic = Clinic.objects.get(slug="scale-test")
    submissions = IntakeSubmission.objects.filter(clinic=clinic)
    assert submissions.count() == 300
    assert ScreeningResult.objects.filter(submission__clinic=clinic).count() == 300
    outcomes = set(ScreeningResult.objects.values_list("outcome", flat=True))
    assert outcomes == {"eligible", "needs_review", "ineligible"}
    statuses = set(ReviewCase.objects.filter(clinic=clinic).values_list("status", flat=True))
    assert {"open", "claimed", "awaiting_patient", "cleared", "declined"} <= statuses
    assert ReviewCase.objects.filter(clinic=clinic, priority="urgent").exists()
    assert ReviewCase.objects.filter(
        clinic=clinic, status="open", due_at__lt=submissions.latest("submitted_at").submitted_at
    ).exists()
    sources = set(WorklistEntry.objects.filter(clinic=clinic).values_list("source", flat=True))
    assert sources == {"eligible", "cleared"}
    assert AuditEvent.objects.filter(clinic=clinic).count() > 100
    assert audit_verify() is None

    # The chain still takes live events after the bulk ones.
    audit_record(action="test.after")
    assert audit_verify() is None


def test_seed_scale_tops_up_instead_of_doubling(capsys):
    call_command("seed_scale", submissions=40, clinic="scale-top", batch=25)
    call_command("seed_scale", submissions=40, clinic="scale-top")
    assert "nothing to add" in capsys.readouterr().out
    call_command("seed_scale", submissions=55, clinic="scale-top")
    assert IntakeSubmission.objects.filter(clinic__slug="scale-top").count() == 55
    assert audit_verify() is None


def test_seed_scale_refuses_production(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_scale", submissions=1, clinic="never")
