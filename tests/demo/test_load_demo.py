"""`make run` loads demo data with patients in every state of the flow, and loading it twice changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import Appointment, WorklistEntry
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


@pytest.mark.django_db
def test_demo_fhir_key_reads_the_first_clinics_patients_as_the_readme_shows(client):
    from demo.clinics import CLINICS, DEMO_API_KEY

    call_command("load_demo")
    call_command("load_demo")

    response = client.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {DEMO_API_KEY}")

    assert response.status_code == 200
    bundle = response.json()
    patients = IntakeSubmission.objects.filter(clinic__slug=CLINICS[0]["slug"]).values("patient_id").distinct()
    assert bundle["total"] == patients.count() > 0
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"


@pytest.mark.django_db
def test_demo_patients_carry_complete_records():
    from core.models import PatientProfile
    from intake.models import MedicalRecordNumber

    call_command("load_demo")

    patients = {s.patient for s in IntakeSubmission.objects.select_related("patient")}
    profiles = PatientProfile.objects.filter(user__in=patients)
    assert profiles.count() == len(patients) > 0
    for profile in profiles.select_related("user"):
        assert profile.user.full_name == profile.legal_name  # staff pages name the patient
        assert profile.street and profile.city and profile.zip_code and profile.state
        assert profile.emergency_name and profile.emergency_phone.startswith("+1503555")
        assert MedicalRecordNumber.objects.filter(patient=profile.user).exists()
    assert profiles.exclude(pcp_name="").exists() and profiles.filter(pcp_name="").exists()  # a care team for some
    assert profiles.filter(payment="insurance").exclude(member_id="").exists()  # insurance for some
    assert profiles.filter(payment="self_pay").exists()
