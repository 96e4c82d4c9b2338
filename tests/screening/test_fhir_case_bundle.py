"""A psychiatrist or clinic admin downloads a case as one FHIR R4 Bundle for the clinic's EHR: valid, audited,
scoped to the clinic like the case page, and the same answers the patient sent."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from core.models import AuditEvent
from intake.builder import build_document
from intake.fhir import answers_from_response
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import amend, case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return staffed_clinic()


def bundle_url(case) -> str:
    return reverse("screening:case_fhir", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})


def test_fhir_case_bundle_downloads_valid_resources_and_is_audited(client, clinic):
    patient = UserFactory(full_name="Alex Example", phone="+15035550123")
    case = case_of(send(clinic, patient, "needs_review"))
    login_staff(client, clinic.psychiatrist)

    response = client.get(bundle_url(case))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"] == f'attachment; filename="case-{case.pk}.fhir.json"'
    assert "Alex" not in response["Content-Disposition"]
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection"
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds == ["Patient", "QuestionnaireResponse", "Observation", "Observation"]
    patient_resource, answers, phq9, pressure = (entry.resource for entry in bundle.entry)
    assert patient_resource.name[0].text == "Alex Example"
    assert phq9.valueInteger == sum(case.submission.document["phq9"])
    assert phq9.code.coding[0].code == "44261-6"
    assert pressure.code.coding[0].code == "85354-9"
    reading = case.submission.document["medical_history"]["recent_bp"]
    assert [c.valueQuantity.value for c in pressure.component] == [reading["systolic"], reading["diastolic"]]
    rebuilt = build_document(
        answers_from_response(json.loads(answers.model_dump_json(exclude_none=True))),
        screened_on=date.fromisoformat(case.submission.document["screened_on"]),
    )
    assert rebuilt == case.submission.document
    audit = AuditEvent.objects.get(action="case.fhir_export")
    assert audit.actor == clinic.psychiatrist and audit.clinic == clinic


def test_fhir_case_bundle_of_an_amendment_points_to_the_version_it_replaces(client, clinic):
    from screening.services import review_case_claim, review_case_request_info

    first = send(clinic, UserFactory(), "needs_review")
    case = case_of(first)
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="What dose?")
    second = amend(first, "needs_review")
    login_staff(client, clinic.psychiatrist)

    bundle = Bundle.model_validate_json(client.get(bundle_url(case_of(second))).content)

    response = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "QuestionnaireResponse")
    assert response.status == "amended"
    assert response.partOf[0].reference == f"QuestionnaireResponse/submission-{first.pk}"


def test_fhir_case_bundle_is_scoped_like_the_case_page(client, clinic):
    case = case_of(send(clinic, UserFactory(), "needs_review"))
    other = staffed_clinic(name="Other Clinic")

    login_staff(client, other.psychiatrist)
    assert client.get(bundle_url(case)).status_code == 404
    login_staff(client, clinic.coordinator)
    assert client.get(bundle_url(case)).status_code == 404
    client.force_login(case.submission.patient)
    assert client.get(bundle_url(case)).status_code in (302, 404)
    assert not AuditEvent.objects.filter(action="case.fhir_export").exists()


def test_fhir_case_bundle_without_the_stored_answers_still_has_the_patient_and_observations(client, clinic):
    case = case_of(send(clinic, UserFactory(), "needs_review"))
    draft = case.submission.draft
    draft.answers = {}  # as for a case imported or seeded without the wizard's answers
    draft.save(update_fields=["answers"])
    login_staff(client, clinic.admin)

    response = client.get(bundle_url(case))

    assert response.status_code == 200
    bundle = Bundle.model_validate_json(response.content)
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Patient", "Observation", "Observation"]
