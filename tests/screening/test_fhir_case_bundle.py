"""A psychiatrist or clinic admin downloads a case as one FHIR R4 Bundle for the clinic's EHR: valid, audited,
scoped to the clinic like the case page, and the same answers the patient sent."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from core.models import AuditEvent
from intake.builder import build_document
from intake.fhir import answers_from_response
from tests.factories import UserFactory, login_staff
from tests.fhir_checks import references, unresolved, without_last_updated
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
    trials = len(case.submission.document["antidepressant_trials"])
    medicines = len(case.submission.document["medications"])
    assert kinds == [
        "Patient",
        "Coverage",  # how the patient pays (self-pay here), from the record the intake asked
        "QuestionnaireResponse",
        "Observation",
        "Observation",
        "RiskAssessment",
        *["MedicationStatement"] * (trials + medicines),
    ]
    patient_resource, _coverage, answers, phq9, pressure, risk = (entry.resource for entry in bundle.entry[:6])
    findings = case.result.result["findings"]
    assert [p.outcome.coding[0].code for p in risk.prediction] == [f["code"] for f in findings]
    assert all(f["source"] in p.rationale for p, f in zip(risk.prediction, findings, strict=True))
    assert case.result.ruleset in risk.method.text
    assert risk.basis[0].reference == f"QuestionnaireResponse/{answers.id}"
    statements = [entry.resource for entry in bundle.entry[6:]]
    assert [m.status for m in statements] == ["completed"] * trials + ["active"] * medicines
    first_trial = case.submission.document["antidepressant_trials"][0]
    assert statements[0].medicationCodeableConcept.text.startswith(first_trial["drug"])
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
    from screening.cases import review_case_claim, review_case_request_info

    first = send(clinic, UserFactory(), "needs_review")
    case = case_of(first)
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="What dose?")
    second = amend(first, "needs_review")
    login_staff(client, clinic.psychiatrist)

    bundle = Bundle.model_validate_json(client.get(bundle_url(case_of(second))).content)

    responses = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "QuestionnaireResponse"]
    assert [r.id for r in responses] == [f"submission-{first.pk}", f"submission-{second.pk}"]
    assert [r.status for r in responses] == ["completed", "amended"]
    (provenance,) = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Provenance"]
    assert provenance.target[0].reference == f"QuestionnaireResponse/submission-{second.pk}"
    assert provenance.entity[0].role == "revision"
    assert provenance.entity[0].what.reference == f"QuestionnaireResponse/submission-{first.pk}"
    assert unresolved(json.loads(bundle.model_dump_json(exclude_none=True))) == []


def test_fhir_case_bundle_references_all_resolve_and_every_resource_says_when_it_changed(client, clinic):
    from scheduling.models import Appointment

    case = case_of(send(clinic, UserFactory(), "needs_review"))
    start = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=clinic.psychiatrist,
        patient=case.submission.patient,
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        booked_by=clinic.coordinator,
        series=uuid.uuid4(),
    )
    login_staff(client, clinic.psychiatrist)

    bundle = json.loads(client.get(bundle_url(case)).content)

    assert len(bundle["entry"]) > 5
    assert unresolved(bundle) == []
    assert sum(1 for _ in (r for e in bundle["entry"] for r in references(e["resource"]))) > 5
    assert without_last_updated([e["resource"] for e in bundle["entry"]]) == []
    assert bundle["meta"]["lastUpdated"]
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/fhir/R4/{resource['resourceType']}/{resource['id']}")


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
    case.submission.answers = None
    case.submission.save(update_fields=["answers"])
    login_staff(client, clinic.admin)

    response = client.get(bundle_url(case))

    assert response.status_code == 200
    bundle = Bundle.model_validate_json(response.content)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert "QuestionnaireResponse" not in kinds
    assert kinds[:5] == ["Patient", "Coverage", "Observation", "Observation", "RiskAssessment"]
    assert "basis" not in json.loads(response.content)["entry"][4]["resource"]


def test_fhir_case_bundle_lists_the_patients_appointments_at_the_clinic(client, clinic):
    from scheduling.models import Appointment

    case = case_of(send(clinic, UserFactory(), "needs_review"))
    start = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=clinic.psychiatrist,
        patient=case.submission.patient,
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        booked_by=clinic.coordinator,
        series=uuid.uuid4(),
        status=Appointment.Status.NO_SHOW,
    )
    login_staff(client, clinic.admin)

    bundle = Bundle.model_validate_json(client.get(bundle_url(case)).content)

    (appointment,) = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Appointment"]
    assert appointment.status == "noshow"
    assert appointment.appointmentType.text == "Psychiatric evaluation"
    assert appointment.participant[1].actor.display == clinic.psychiatrist.get_full_name()
