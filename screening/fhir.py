"""A review case as one FHIR R4 Bundle (type "collection"): the Patient, the QuestionnaireResponse of the
version under review, Observations for the PHQ-9 total and the blood pressure the patient gave, the screening
result as a RiskAssessment, a MedicationStatement per current medicine and per antidepressant tried, and an
Appointment per consultation or evaluation at the clinic, and a DocumentReference per document the patient
sent (or staff attached) to the clinic.

Every resource is built and validated with `fhir.resources`; nothing here is hand-written FHIR JSON.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Collection, Iterator
from datetime import datetime, time
from typing import Any

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from intake.fhir import (
    LOINC,
    PHQ9_TOTAL,
    amendment_provenance_data,
    coverage_resource,
    fhir_base,
    full_url,
    patient_resource,
    questionnaire_response_data,
    response_id,
    with_meta,
)
from intake.fhir_documents import api_download_url, document_reference, document_references, staff_download_url

BLOOD_PRESSURE_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
SURVEY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}
VITALS = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
MM_HG = {"unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}


def _observations(submission: Any) -> list[dict[str, Any]]:
    document = submission.document
    subject = {"reference": f"Patient/{submission.patient_id}"}
    when = submission.submitted_at.isoformat()
    meta = {"lastUpdated": when}
    found: list[dict[str, Any]] = [
        {
            "resourceType": "Observation",
            "id": f"phq9-total-{submission.pk}",
            "meta": meta,
            "status": "final",
            "category": [{"coding": [SURVEY]}],
            "code": {"coding": [{"system": LOINC, "code": PHQ9_TOTAL, "display": "PHQ-9 total score"}]},
            "subject": subject,
            "effectiveDateTime": when,
            "valueInteger": sum(document["phq9"]),
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id(submission.pk)}"}],
        }
    ]
    reading = (document.get("medical_history") or {}).get("recent_bp")
    if reading:
        found.append(
            {
                "resourceType": "Observation",
                "id": f"blood-pressure-{submission.pk}",
                "meta": meta,
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
    return found


def _finding_system() -> str:
    return fhir_base().removesuffix("/R4") + "/CodeSystem/screening-finding"


def _risk_assessment(result: Any, *, patient_id: Any, basis: str | None) -> dict[str, Any] | None:
    """The screening result: outcome, priority and each finding with its source; `basis` a response's id."""
    if result is None:
        return None
    data = result.result or {}
    policy = f"clinic policy version {result.policy.version}" if result.policy_id else "the engine's default policy"
    system = _finding_system()
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": f"screening-{result.pk}",
        "meta": {"lastUpdated": result.created_at.isoformat()},
        "status": "final",
        "subject": {"reference": f"Patient/{patient_id}"},
        "occurrenceDateTime": result.created_at.isoformat(),
        "method": {"text": f"Ketamine clinic intake screening, ruleset {result.ruleset}, {policy}"},
        "code": {"text": f"Outcome: {result.outcome}; priority: {result.priority}"},
        "prediction": [
            {
                "outcome": {
                    "coding": [{"system": system, "code": finding["code"], "display": finding.get("message")}],
                    "text": finding.get("message") or finding["code"],
                },
                "rationale": f"Severity {finding.get('severity')}. Source: {finding.get('source') or 'not given'}.",
            }
            for finding in data.get("findings", [])
        ],
    }
    for prediction in resource["prediction"]:
        if prediction["outcome"]["coding"][0]["display"] is None:
            del prediction["outcome"]["coding"][0]["display"]
    if basis is not None:
        resource["basis"] = [{"reference": f"QuestionnaireResponse/{basis}"}]
    if not resource["prediction"]:
        del resource["prediction"]
    return resource


def _medication_statements(submission: Any, result: Any) -> list[dict[str, Any]]:
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
        {
            "resourceType": "MedicationStatement",
            "id": statement.pop("id"),
            "meta": {"lastUpdated": when},
            "subject": subject,
            "dateAsserted": when,
            "informationSource": subject,
            **statement,
        }
        for statement in found
    ]


APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "attended": "fulfilled", "no_show": "noshow"}


def _appointment(row: Any) -> dict[str, Any]:
    from scheduling.models import Appointment

    return {
        "resourceType": "Appointment",
        "id": str(row.pk),
        "meta": {"lastUpdated": row.updated_at.isoformat()},
        "status": APPOINTMENT_STATUS[row.status],
        "appointmentType": {"text": str(Appointment.Kind(row.kind).label)},
        "start": row.starts_at.isoformat(),
        "end": row.ends_at.isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{row.patient_id}"}, "status": "accepted"},
            {"actor": {"display": row.clinician.get_full_name()}, "status": "accepted"},
        ],
    }


def _appointments(patient_ids: Collection[Any], clinic_id: Any) -> dict[Any, list[dict[str, Any]]]:
    """Each patient's consultations and evaluations at the clinic, oldest first (one query for many patients)."""
    from scheduling.models import Appointment

    found: dict[Any, list[dict[str, Any]]] = {}
    rows = Appointment.objects.filter(patient_id__in=patient_ids, clinic_id=clinic_id).select_related("clinician")
    for row in rows.order_by("starts_at", "pk"):
        found.setdefault(row.patient_id, []).append(_appointment(row))
    return found


# The resource types a case gives, in the bundle's and the export's order.
RESOURCE_TYPES = (
    "Patient",
    "Coverage",
    "QuestionnaireResponse",
    "Provenance",
    "Observation",
    "RiskAssessment",
    "MedicationStatement",
    "Appointment",
    "DocumentReference",
)


def validated(data: dict[str, Any]) -> Any:
    """The resource as a fhir.resources model (raises on an invalid one)."""
    return get_fhir_model_class(data["resourceType"]).model_validate(data)


def _as_data(resource: Any) -> dict[str, Any]:
    return json.loads(resource.model_dump_json(exclude_none=True))


def _patient(submission: Any, last_updated: Any) -> dict[str, Any]:
    # The Patient builder is intake.fhir.patient_resource; only meta is added here.
    return {**_as_data(patient_resource(submission)), "meta": {"lastUpdated": last_updated.isoformat()}}


def _coverage(submission: Any) -> dict[str, Any] | None:
    # intake.fhir.coverage_resource builds it from the account's record; lastUpdated is the record's.
    coverage = coverage_resource(submission)
    if coverage is None:
        return None
    return {**_as_data(coverage), "meta": {"lastUpdated": submission.patient.profile.updated_at.isoformat()}}


def _versions(submission: Any) -> list[Any]:
    """The versions `submission` amends, oldest first (each amends the one before)."""
    from intake.models import IntakeSubmission

    chain, current = [], submission
    while current.amends_id:
        current = IntakeSubmission.objects.select_related("draft").get(pk=current.amends_id)
        chain.append(current)
    return chain[::-1]


def _submission_data(
    submission: Any, result: Any, kinds: Collection[str], *, answers: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One submitted version's resources (not the patient's, nor their appointments and documents)."""
    found: list[dict[str, Any]] = []
    if answers is None and {"QuestionnaireResponse", "Provenance", "RiskAssessment"} & set(kinds):
        answers = questionnaire_response_data(submission)
    if "QuestionnaireResponse" in kinds and answers:
        found.append(answers)
    if "Provenance" in kinds and answers and (provenance := amendment_provenance_data(submission)):
        found.append(provenance)
    if "Observation" in kinds:
        found += _observations(submission)
    basis = answers["id"] if answers else None
    if "RiskAssessment" in kinds and (risk := _risk_assessment(result, patient_id=submission.patient_id, basis=basis)):
        found.append(risk)
    if "MedicationStatement" in kinds:
        found += _medication_statements(submission, result)
    return found


def case_resources(
    case: Any, kinds: Collection[str] = RESOURCE_TYPES, *, document_url: Any = api_download_url
) -> list[Any]:
    """The case's resources of the given types, validated, in the bundle's order; `document_url(document)` is
    where each DocumentReference's file is downloaded (the FHIR API's Binary unless told otherwise).

    An amendment brings the versions it replaces (their responses, and the Provenance linking each version to
    the one before), so that every reference in the case's Bundle resolves inside it."""
    submission = case.submission
    found: list[dict[str, Any]] = []
    if "Patient" in kinds:
        found.append(_patient(submission, submission.submitted_at))
    if "Coverage" in kinds and (coverage := _coverage(submission)):
        found.append(coverage)
    # Without the answers in a form FHIR can carry faithfully (submitted_answers), the bundle still has the
    # patient and the rest, which come from the frozen document and the result.
    earlier = _versions(submission) if "QuestionnaireResponse" in kinds and submission.amends_id else []
    given: set[Any] = set()  # the versions whose responses are in the bundle
    for version in earlier:
        if data := questionnaire_response_data(version):
            found.append(data)
            given.add(version.pk)
            if "Provenance" in kinds and version.amends_id in given:
                found.append(amendment_provenance_data(version))
    for data in _submission_data(submission, case.result, kinds):
        if data["resourceType"] == "Provenance" and submission.amends_id not in given:
            continue  # the replaced version's answers are not expressible: nothing to link to
        found.append(data)
    if "Appointment" in kinds:
        found += _appointments([submission.patient_id], submission.clinic_id).get(submission.patient_id, [])
    resources = [validated(data) for data in found]
    if "DocumentReference" in kinds:
        resources += [
            with_meta(reference, reference.date)
            for reference in document_references(
                patient_id=submission.patient_id, clinic=case.clinic, url_for=document_url
            )
        ]
    return resources


def case_bundle(case: Any) -> Bundle:
    """For a psychiatrist to download: each document's link is the staff download (signed in, audited).
    Every entry's fullUrl is its resource's address on the FHIR base, so "Patient/<id>" resolves to its entry."""
    resources = case_resources(case, document_url=staff_download_url)
    base = fhir_base()
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": f"case-{case.pk}",
            "meta": {"lastUpdated": max(r.meta.lastUpdated for r in resources).isoformat()},
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": [{"fullUrl": full_url(resource, base), "resource": resource} for resource in resources],
        }
    )


def _period(clinic: Any, since: Any, until: Any) -> dict[str, Any]:
    zone = clinic.zone
    lookups = {}
    if since is not None:
        lookups["submitted_at__gte"] = datetime.combine(since, time.min, tzinfo=zone)
    if until is not None:
        lookups["submitted_at__lte"] = datetime.combine(until, time.max, tzinfo=zone)
    return lookups


def _results(submissions: list[Any]) -> dict[Any, Any]:
    """Each submission's screening result: its review case's (the result the case was opened from), else the
    latest one (a submission that went to the coordinators' worklist has no case)."""
    from .models import ReviewCase, ScreeningResult

    ids = [s.pk for s in submissions]
    by_id, found = {}, {}
    for result in ScreeningResult.objects.filter(submission_id__in=ids).select_related("policy").order_by("created_at"):
        by_id[result.pk] = found[result.submission_id] = result
    cases = ReviewCase.objects.filter(submission_id__in=ids, result__isnull=False)
    for submission_id, result_id in cases.order_by("created_at", "pk").values_list("submission_id", "result_id"):
        if result_id in by_id:
            found[submission_id] = by_id[result_id]
    return found


def _documents(patient_ids: Collection[Any], clinic: Any) -> dict[Any, list[dict[str, Any]]]:
    from intake.models import Document

    found: dict[Any, list[dict[str, Any]]] = {}
    rows = Document.objects.select_related("clinic").filter(patient_id__in=patient_ids, clinic=clinic)
    for document in rows.order_by("uploaded_at", "id"):
        data = _as_data(document_reference(document, url=api_download_url(document)))
        found.setdefault(document.patient_id, []).append(
            {**data, "meta": {"lastUpdated": document.uploaded_at.isoformat()}}
        )
    return found


CHUNK = 500


def bulk_data(
    *,
    clinic: Any,
    since: Any = None,
    until: Any = None,
    kinds: Collection[str] = RESOURCE_TYPES,
    patients: Collection[Any] | None = None,
    since_instant: datetime | None = None,
    until_instant: datetime | None = None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every patient with a submission at the clinic in the period (`since` and `until` dates included, in the
    clinic's time zone), with or without a review case, as (patient id, resource as JSON data), each resource
    once, patient by patient in id order; `patients` only those patients (a part of a $export job), and
    `since_instant`/`until_instant` bounds in time (Bulk Data's _since and the job's transaction time).

    Streamed: submissions are read a chunk of patients at a time, with their results, appointments and
    documents in one query each, so memory stays flat and the queries do not grow with the patients.
    Responses come from the stored answers (no forms are run)."""
    from intake.models import IntakeSubmission

    # Not the drafts: their raw answers are read only for a version sent before answers were stored.
    rows = IntakeSubmission.objects.filter(clinic=clinic, **_period(clinic, since, until)).select_related(
        "patient", "patient__profile"
    )
    if patients is not None:
        rows = rows.filter(patient_id__in=list(patients))
    if since_instant is not None:
        rows = rows.filter(submitted_at__gte=since_instant)
    if until_instant is not None:
        rows = rows.filter(submitted_at__lte=until_instant)
    rows = rows.order_by("patient_id", "submitted_at", "pk")
    kinds = set(kinds)
    batch: list[Any] = []
    for submission in rows.iterator(chunk_size=CHUNK):
        if len(batch) >= CHUNK and submission.patient_id != batch[-1].patient_id:
            yield from _batch_data(batch, clinic, kinds)
            batch = []
        batch.append(submission)
    if batch:
        yield from _batch_data(batch, clinic, kinds)


def _batch_data(batch: list[Any], clinic: Any, kinds: set[str]) -> Iterator[tuple[Any, dict[str, Any]]]:
    patient_ids = list(dict.fromkeys(s.patient_id for s in batch))
    results = _results(batch) if {"RiskAssessment", "MedicationStatement"} & kinds else {}
    appointments = _appointments(patient_ids, clinic.pk) if "Appointment" in kinds else {}
    documents = _documents(patient_ids, clinic) if "DocumentReference" in kinds else {}
    by_patient: dict[Any, list[Any]] = {}
    for submission in batch:
        by_patient.setdefault(submission.patient_id, []).append(submission)
    for patient_id, submissions in by_patient.items():
        latest = submissions[-1]
        if "Patient" in kinds:
            yield patient_id, _patient(latest, latest.submitted_at)
        if "Coverage" in kinds and (coverage := _coverage(latest)):
            yield patient_id, coverage
        for submission in submissions:
            for data in _submission_data(submission, results.get(submission.pk), kinds):
                yield patient_id, data
        for data in appointments.get(patient_id, []):
            yield patient_id, data
        for data in documents.get(patient_id, []):
            yield patient_id, data


def bulk_lines(
    *, clinic: Any, since: Any = None, until: Any = None, kinds: Collection[str] = RESOURCE_TYPES
) -> Iterator[tuple[str, str]]:
    """bulk_data as NDJSON lines: (resource type, one resource as JSON)."""
    yield from bulk_lines_of(bulk_data(clinic=clinic, since=since, until=until, kinds=kinds))


def bulk_lines_of(found: Iterator[tuple[Any, dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    for _, data in found:
        yield data["resourceType"], json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def bulk_export(*, clinic: Any, since: Any = None, until: Any = None, open_file: Any) -> dict[str, int]:
    """Every resource type in one pass (bulk_lines), each type to its own file: `open_file(resource_type)`
    returns a text file to write to. Returns the number of resources per type."""
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
    stamp = timezone.now().astimezone(clinic.zone).timetuple()[:6]
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
