"""A review case as one FHIR R4 Bundle (type "collection"): the Patient, the QuestionnaireResponse of the
version under review, and Observations for the PHQ-9 total and the blood pressure the patient gave.

Every resource is built and validated with `fhir.resources`; nothing here is hand-written FHIR JSON.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from intake.fhir import LOINC, PHQ9_TOTAL, patient_resource, questionnaire_response

BLOOD_PRESSURE_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
SURVEY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}
VITALS = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
MM_HG = {"unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}


def _observations(submission: Any) -> list[Observation]:
    document = submission.document
    subject = {"reference": f"Patient/{submission.patient_id}"}
    when = submission.submitted_at.isoformat()
    found = [
        Observation.model_validate(
            {
                "resourceType": "Observation",
                "id": f"phq9-total-{submission.pk}",
                "status": "final",
                "category": [{"coding": [SURVEY]}],
                "code": {"coding": [{"system": LOINC, "code": PHQ9_TOTAL, "display": "PHQ-9 total score"}]},
                "subject": subject,
                "effectiveDateTime": when,
                "valueInteger": sum(document["phq9"]),
            }
        )
    ]
    reading = (document.get("medical_history") or {}).get("recent_bp")
    if reading:
        found.append(
            Observation.model_validate(
                {
                    "resourceType": "Observation",
                    "id": f"blood-pressure-{submission.pk}",
                    "status": "final",
                    "category": [{"coding": [VITALS]}],
                    "code": {"coding": [{"system": LOINC, "code": BLOOD_PRESSURE_PANEL, "display": "Blood pressure"}]},
                    "subject": subject,
                    "effectiveDateTime": when,
                    "note": [{"text": "As reported by the patient in the intake."}],
                    "component": [
                        {
                            "code": {"coding": [{"system": LOINC, "code": SYSTOLIC}]},
                            "valueQuantity": {"value": reading["systolic"], **MM_HG},
                        },
                        {
                            "code": {"coding": [{"system": LOINC, "code": DIASTOLIC}]},
                            "valueQuantity": {"value": reading["diastolic"], **MM_HG},
                        },
                    ],
                }
            )
        )
    return found


def case_bundle(case: Any) -> Bundle:
    submission = case.submission
    # Without the answers in a form FHIR can carry faithfully (submitted_answers), the bundle still has the
    # patient and the observations, which come from the frozen document.
    answers = questionnaire_response(submission)
    resources = [patient_resource(submission), *([answers] if answers else []), *_observations(submission)]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": f"case-{case.pk}",
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{resource.id}"
                    if _is_uuid(resource.id)
                    else f"urn:ketamine-intake:{resource.id}",
                    "resource": resource,
                }
                for resource in resources
            ],
        }
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
