"""A review case as one FHIR R4 Bundle (type "collection"): the Patient, the QuestionnaireResponse of the
version under review, Observations for the PHQ-9 total and the blood pressure the patient gave, the screening
result as a RiskAssessment, a MedicationStatement per current medicine and per antidepressant tried, and an
Appointment per consultation or evaluation at the clinic, and a DocumentReference per document the patient
sent (or staff attached) to the clinic.

Every resource is built and validated with `fhir.resources`; nothing here is hand-written FHIR JSON.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Collection, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.riskassessment import RiskAssessment

from intake.fhir import LOINC, PHQ9_TOTAL, coverage_resource, patient_resource, questionnaire_response
from intake.fhir_documents import api_download_url, document_references, staff_download_url

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


def _finding_system() -> str:
    return settings.SITE_URL.rstrip("/") + "/fhir/CodeSystem/screening-finding"


def _risk_assessment(case: Any, *, basis: Any | None) -> RiskAssessment | None:
    """The screening result the case was opened from: outcome, priority and each finding with its source."""
    result = case.result
    if result is None:
        return None
    data = result.result or {}
    policy = f"clinic policy version {result.policy.version}" if result.policy_id else "the engine's default policy"
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": f"screening-{result.pk}",
        "status": "final",
        "subject": {"reference": f"Patient/{case.submission.patient_id}"},
        "occurrenceDateTime": result.created_at.isoformat(),
        "method": {"text": f"Ketamine clinic intake screening, ruleset {result.ruleset}, {policy}"},
        "code": {"text": f"Outcome: {result.outcome}; priority: {result.priority}"},
        "prediction": [
            {
                "outcome": {
                    "coding": [
                        {"system": _finding_system(), "code": finding["code"], "display": finding.get("message")}
                    ],
                    "text": finding.get("message") or finding["code"],
                },
                "rationale": f"Severity {finding.get('severity')}. Source: {finding.get('source') or 'not given'}.",
            }
            for finding in data.get("findings", [])
        ],
    }
    if basis is not None:
        resource["basis"] = [{"reference": f"QuestionnaireResponse/{basis.id}"}]
    if not resource["prediction"]:
        del resource["prediction"]
    return RiskAssessment.model_validate(resource)


def _medication_statements(submission: Any, result: Any) -> list[MedicationStatement]:
    """Each antidepressant tried (completed) and each current medicine (active), by the names the patient
    typed with the generic the vocabulary found; the vocabulary holds no RxNorm codes, so no code is claimed."""
    document = submission.document
    subject = {"reference": f"Patient/{submission.patient_id}"}
    when = submission.submitted_at.isoformat()
    generics = [t.get("generic") for t in ((result.result or {}).get("trd") or {}).get("trials", [])] if result else []
    found = []
    for index, trial in enumerate(document.get("antidepressant_trials", [])):
        generic = generics[index] if index < len(generics) else None
        dose = trial.get("daily_dose_mg")
        found.append(
            {
                "id": f"trial-{submission.pk}-{index + 1}",
                "status": "completed",
                "medicationCodeableConcept": {"text": trial["drug"] + (f" ({generic})" if generic else "")},
                "dosage": [
                    {
                        "text": (f"{dose} mg a day" if dose is not None else "dose not known")
                        + f" for {trial.get('weeks_at_dose')} weeks"
                    }
                ],
                "note": [
                    {
                        "text": f"Improvement: {trial.get('improvement')}; taken as prescribed: "
                        f"{'yes' if trial.get('took_as_prescribed') else 'no'}; during the current episode: "
                        f"{'yes' if trial.get('current_episode') else 'no'}."
                    }
                ],
            }
        )
    for index, medicine in enumerate(document.get("medications", [])):
        statement: dict[str, Any] = {
            "id": f"medication-{submission.pk}-{index + 1}",
            "status": "active",
            "medicationCodeableConcept": {"text": medicine.get("name", "")},
        }
        if medicine.get("daily_dose"):
            statement["dosage"] = [{"text": medicine["daily_dose"]}]
        found.append(statement)
    return [
        MedicationStatement.model_validate(
            {"resourceType": "MedicationStatement", "subject": subject, "dateAsserted": when, **statement}
        )
        for statement in found
    ]


APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "attended": "fulfilled", "no_show": "noshow"}


def _appointments(submission: Any) -> list[FhirAppointment]:
    from scheduling.models import Appointment

    rows = Appointment.objects.filter(patient_id=submission.patient_id, clinic_id=submission.clinic_id).select_related(
        "clinician"
    )
    return [
        FhirAppointment.model_validate(
            {
                "resourceType": "Appointment",
                "id": str(row.pk),
                "status": APPOINTMENT_STATUS[row.status],
                "appointmentType": {"text": str(Appointment.Kind(row.kind).label)},
                "start": row.starts_at.isoformat(),
                "end": row.ends_at.isoformat(),
                "participant": [
                    {"actor": {"reference": f"Patient/{submission.patient_id}"}, "status": "accepted"},
                    {"actor": {"display": row.clinician.get_full_name()}, "status": "accepted"},
                ],
            }
        )
        for row in rows.order_by("starts_at")
    ]


# The resource types a case gives, in the bundle's and the export's order.
RESOURCE_TYPES = (
    "Patient",
    "Coverage",
    "QuestionnaireResponse",
    "Observation",
    "RiskAssessment",
    "MedicationStatement",
    "Appointment",
    "DocumentReference",
)


def case_resources(
    case: Any, kinds: Collection[str] = RESOURCE_TYPES, *, document_url: Any = api_download_url
) -> list[Any]:
    """The case's resources of the given types, validated, in the bundle's order; `document_url(document)` is
    where each DocumentReference's file is downloaded (the FHIR API's Binary unless told otherwise)."""
    submission = case.submission
    # Without the answers in a form FHIR can carry faithfully (submitted_answers), the bundle still has the
    # patient and the rest, which come from the frozen document and the result. The RiskAssessment is based on
    # the answers only when they are given.
    answers = questionnaire_response(submission) if {"QuestionnaireResponse", "RiskAssessment"} & set(kinds) else None
    found: list[Any] = []
    if "Patient" in kinds:
        found.append(patient_resource(submission))
    if "Coverage" in kinds and (coverage := coverage_resource(submission)):
        found.append(coverage)
    if "QuestionnaireResponse" in kinds and answers:
        found.append(answers)
    if "Observation" in kinds:
        found += _observations(submission)
    if "RiskAssessment" in kinds and (risk := _risk_assessment(case, basis=answers)):
        found.append(risk)
    if "MedicationStatement" in kinds:
        found += _medication_statements(submission, case.result)
    if "Appointment" in kinds:
        found += _appointments(submission)
    if "DocumentReference" in kinds:
        found += document_references(patient_id=submission.patient_id, clinic=case.clinic, url_for=document_url)
    return found


def case_bundle(case: Any) -> Bundle:
    """For a psychiatrist to download: each document's link is the staff download (signed in, audited)."""
    resources = case_resources(case, document_url=staff_download_url)
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


def bulk_lines(
    *, clinic: Any, since: Any = None, until: Any = None, kinds: Collection[str] = RESOURCE_TYPES
) -> Iterator[tuple[str, str]]:
    """The clinic's cases (submitted between `since` and `until`, both dates included, in the clinic's time
    zone) as Bulk-Data-style NDJSON lines: (resource type, one resource as JSON), each resource once.

    Streamed: cases are read in chunks and each line is made as it is asked for, so memory stays flat whatever
    the number of cases."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from .models import ReviewCase

    zone = ZoneInfo(clinic.time_zone)
    cases = ReviewCase.objects.filter(clinic=clinic).select_related(
        "clinic",
        "submission",
        "submission__patient",
        "submission__patient__profile",
        "submission__draft",
        "result",
        "result__policy",
    )
    if since is not None:
        cases = cases.filter(submission__submitted_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        cases = cases.filter(submission__submitted_at__lte=datetime.combine(until, time.max, tzinfo=zone))
    # One patient's cases come together, so only that patient's ids are remembered (a patient with several
    # cases, their appointments, are written once): memory does not grow with the clinic.
    patient_id, seen = None, set()
    for case in cases.order_by("submission__patient_id", "submission__submitted_at", "pk").iterator(chunk_size=200):
        first = case.submission.patient_id != patient_id
        if first:
            patient_id, seen = case.submission.patient_id, set()
        # The patient's documents belong to the patient at the clinic, not to a case: read them once per patient.
        wanted = kinds if first else [kind for kind in kinds if kind != "DocumentReference"]
        for resource in case_resources(case, wanted):
            kind = resource.get_resource_type()
            if (kind, resource.id) in seen:
                continue
            seen.add((kind, resource.id))
            yield kind, resource.model_dump_json(exclude_none=True)


def bulk_export(*, clinic: Any, since: Any = None, until: Any = None, open_file: Any) -> dict[str, int]:
    """Every resource type in one pass over the cases (bulk_lines), each type to its own file:
    `open_file(resource_type)` returns a text file to write to. Returns the number of resources per type."""
    files: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for kind, line in bulk_lines(clinic=clinic, since=since, until=until):
        if kind not in files:
            files[kind] = open_file(kind)
        files[kind].write(line + "\n")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


class _Sink(io.RawIOBase):
    """An unseekable file the zip is written to; the view hands on what has been written so far."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data, self.parts, self.size = b"".join(self.parts), [], 0
        return data


def bulk_zip(*, clinic: Any, since: Any = None, until: Any = None, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """The same export as one zip of NDJSON files (Patient.ndjson, ...), for a download from the staff site.

    Made one resource type at a time (a zip holds one open file at a time), so the response starts at once and
    memory stays flat; a type with no resources has no file, as in Bulk Data."""
    sink = _Sink()
    stamp = timezone.now().astimezone(ZoneInfo(clinic.time_zone)).timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in RESOURCE_TYPES:
            entry = None
            for _, line in bulk_lines(clinic=clinic, since=since, until=until, kinds=(kind,)):
                if entry is None:
                    info = zipfile.ZipInfo(f"{kind}.ndjson", date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    entry = archive.open(info, "w", force_zip64=True)
                entry.write(line.encode() + b"\n")
                if sink.size >= chunk:
                    yield sink.take()
            if entry is not None:
                entry.close()
            yield sink.take()
    yield sink.take()
