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


def test_fhir_bulk_export_has_every_patient_with_a_submission_case_or_not(tmp_path):
    from screening.models import ReviewCase
    from tests.fhir_checks import references, without_last_updated

    clinic = staffed_clinic()
    with_case = send(clinic, UserFactory(), "needs_review")
    without_case = send(clinic, UserFactory(), "eligible")
    assert not ReviewCase.objects.filter(submission=without_case).exists()

    call_command("fhir_export", clinic=clinic.slug, out=str(tmp_path))

    files = read(tmp_path)
    assert {line["id"] for line in files["Patient"]} == {str(with_case.patient_id), str(without_case.patient_id)}
    assert {line["id"] for line in files["QuestionnaireResponse"]} == {
        f"submission-{with_case.pk}",
        f"submission-{without_case.pk}",
    }
    assert len(files["RiskAssessment"]) == 2
    everything = [line for lines in files.values() for line in lines]
    assert without_last_updated(everything) == []
    # Every reference in the export names a resource in the export.
    written = {f"{r['resourceType']}/{r['id']}" for r in everything}
    assert {ref for r in everything for _, ref in references(r)} <= written
    response = next(line for line in files["QuestionnaireResponse"] if line["id"] == f"submission-{with_case.pk}")
    phq9 = next(group for group in response["item"] if group["linkId"] == "phq9")
    total = next(item for item in phq9["item"] if item["linkId"] == "phq9.total")
    assert total["answer"] == [{"valueInteger": sum(with_case.document["phq9"])}]
    every_item = [item for group in response["item"] for item in group["item"]]
    assert all("answer" in item or "item" in item for item in every_item)


def test_fhir_response_leaves_out_skipped_questions_and_the_questionnaire_does_not_require_account_details():
    from intake.fhir import questionnaire, questionnaire_response_data

    clinic = staffed_clinic()
    submission = send(clinic, UserFactory(), "eligible")
    assert submission.answers["safety"]["thoughts"] == "no"

    response = questionnaire_response_data(submission)

    safety = {item["linkId"] for group in response["item"] if group["linkId"] == "safety" for item in group["item"]}
    assert "safety.thoughts" in safety
    assert not {"safety.method", "safety.intent", "safety.plan"} & safety
    about = next(group for group in questionnaire().item if group.linkId == "about")
    required = {item.linkId: item.required for item in about.item}
    assert [required[f"about.{name}"] for name in ("phone", "call_time", "voicemail_ok", "texts_ok")] == [False] * 4
