"""A clinic's cases as FHIR NDJSON, one file per resource type: every line a valid resource, each once, only
the clinic's cases in the chosen dates, audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from core.models import AuditEvent
from intake.models import IntakeSubmission
from tests.factories import UserFactory
from tests.intake.submissions import send, staffed_clinic

pytestmark = pytest.mark.django_db


def read(folder):
    return {
        path.stem: [json.loads(line) for line in path.read_text().splitlines()]
        for path in sorted(folder.glob("*.ndjson"))
    }


def test_fhir_bulk_export_writes_one_valid_file_per_type_each_resource_once(tmp_path):
    clinic = staffed_clinic()
    other = staffed_clinic(name="Other Clinic")
    patient = UserFactory()
    send(clinic, patient, "needs_review")
    send(clinic, UserFactory(), "urgent")
    send(other, UserFactory(), "needs_review")

    call_command("fhir_export", clinic=clinic.slug, out=str(tmp_path))

    files = read(tmp_path)
    assert {"Patient", "QuestionnaireResponse", "Observation", "RiskAssessment"} <= set(files)
    for kind, lines in files.items():
        model = get_fhir_model_class(kind)
        for line in lines:
            assert model.model_validate(line).get_resource_type() == kind
        assert len({line["id"] for line in lines}) == len(lines), kind
    clinic_patients = set(IntakeSubmission.objects.filter(clinic=clinic).values_list("patient_id", flat=True))
    assert {line["id"] for line in files["Patient"]} == {str(pk) for pk in clinic_patients}
    audit = AuditEvent.objects.get(action="clinic.fhir_export")
    assert audit.clinic == clinic and audit.detail["counts"]["Patient"] == 2


def test_fhir_bulk_export_keeps_to_the_dates_asked_for(tmp_path):
    clinic = staffed_clinic()
    old = send(clinic, UserFactory(), "needs_review")
    IntakeSubmission.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    recent = send(clinic, UserFactory(), "needs_review")
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    call_command("fhir_export", clinic=clinic.slug, since=since, out=str(tmp_path))

    assert [line["id"] for line in read(tmp_path)["Patient"]] == [str(recent.patient_id)]


def test_fhir_bulk_export_explains_bad_arguments(tmp_path):
    clinic = staffed_clinic()
    with pytest.raises(CommandError, match="No clinic"):
        call_command("fhir_export", clinic="nowhere", out=str(tmp_path))
    with pytest.raises(CommandError, match="must be a date"):
        call_command("fhir_export", clinic=clinic.slug, since="yesterday", out=str(tmp_path))
    with pytest.raises(CommandError, match="after"):
        call_command("fhir_export", clinic=clinic.slug, since="2026-12-02", until="2026-12-01", out=str(tmp_path))
