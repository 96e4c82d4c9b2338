"""The intake as an HL7 FHIR R4 Questionnaire (SDC style), built and validated with `fhir.resources`.

Built from the wizard's own forms, so it cannot drift from them: one group per step, one item per question,
`linkId` = "<step>.<field>" (stable across releases: field names are the intake's contract), answer options
with the codes the wizard posts, `enableWhen` for the skip logic (the C-SSRS follow-ups, the pregnancy
questions, the antidepressant rows). The PHQ-9 carries its LOINC codes (panel 44249-1, items, answers,
total 44261-6). The texts are the English ones (the published instruments); codes carry the meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from fhir.resources.R4B.questionnaire import Questionnaire

from core.site import public_url

from . import builder, steps
from .forms import RowsStepForm

QUESTIONNAIRE_ID = "ketamine-intake"
# Bumped when a question, an answer code or the skip logic changes (the linkIds stay).
QUESTIONNAIRE_VERSION = "2026.12"
LOINC = "http://loinc.org"
PHQ9_PANEL = "44249-1"
PHQ9_TOTAL = "44261-6"
PHQ9_ITEM_CODES = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
PHQ9_ANSWER_CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types (MR: medical record number)
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"  # contact roles (C: emergency contact)
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
COVERAGE_SELFPAY = "http://terminology.hl7.org/CodeSystem/coverage-selfpay"


def fhir_base(request: Any = None) -> str:
    """The FHIR base every fullUrl, link and canonical is made on: FHIR_BASE_URL when set (production should set
    it), else the site's address (in development, the host the request came in on)."""
    configured = getattr(settings, "FHIR_BASE_URL", "")
    return configured.rstrip("/") if configured else public_url("/fhir/R4", request)


def canonical_url() -> str:
    # A canonical names the Questionnaire: it must not change with the host a request used, so no request here.
    return fhir_base() + f"/Questionnaire/{QUESTIONNAIRE_ID}"


def with_meta(resource: Any, last_updated: Any, version_id: str | None = None) -> Any:
    """Sets meta.lastUpdated (and versionId) on a validated resource; returns it."""
    from fhir.resources.R4B.meta import Meta

    resource.meta = (
        Meta(lastUpdated=last_updated, versionId=version_id) if version_id else Meta(lastUpdated=last_updated)
    )
    return resource


def full_url(resource: Any, base: str | None = None) -> str:
    """The entry's fullUrl: the resource's absolute URL on the FHIR base, so that the relative references
    ("Patient/<id>") of every other entry resolve to it (FHIR's rules for resolving references in a Bundle)."""
    return f"{base or fhir_base()}/{resource.get_resource_type()}/{resource.id}"


def _code_system(link_id: str) -> str:
    return canonical_url() + "/answers/" + link_id


# The skip logic, as the wizard applies it: item -> (question it depends on, the coded answer that shows it).
ENABLE_WHEN: dict[str, tuple[str, str]] = {
    "safety.method": ("safety.thoughts", "yes"),
    "safety.intent": ("safety.thoughts", "yes"),
    "safety.plan": ("safety.thoughts", "yes"),
    "safety.behavior_recent": ("safety.behavior", "yes"),
}
# Shown when ANY of these answers was given (enableBehavior "any").
ENABLE_WHEN_ANY: dict[str, tuple[str, tuple[str, ...]]] = {
    "health.pregnancy": ("about.sex_at_birth", tuple(sorted(builder.PREGNANCY_ASKED_FOR))),
    "health.breastfeeding": ("about.sex_at_birth", tuple(sorted(builder.PREGNANCY_ASKED_FOR))),
}
# Form field classes and their FHIR item types (anything else is a string).
ITEM_TYPES = {
    forms.BooleanField: "boolean",
    forms.DateField: "date",
    forms.DecimalField: "decimal",
    forms.IntegerField: "integer",
}


def _item_type(field: forms.Field) -> str:
    if isinstance(field, (forms.ChoiceField, forms.MultipleChoiceField)):
        return "choice"
    for kind, name in ITEM_TYPES.items():
        if isinstance(field, kind):
            return name
    return "string"


def _answer_options(link_id: str, field: forms.Field) -> list[dict[str, Any]]:
    options = []
    for value, label in field.choices:
        if value in ("", None):
            continue
        if link_id.startswith("phq9."):
            coding = {"system": LOINC, "code": PHQ9_ANSWER_CODES[int(value)], "display": str(label)}
            options.append({"valueCoding": coding, "extension": [_ordinal(int(value))]})
        else:
            options.append(
                {"valueCoding": {"system": _code_system(link_id), "code": str(value), "display": str(label)}}
            )
    return options


def _ordinal(score: int) -> dict[str, Any]:
    # The score each PHQ-9 answer adds (SDC's ordinalValue).
    return {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": score}


def _enable_when(link_id: str) -> dict[str, Any]:
    if link_id in ENABLE_WHEN:
        question, code = ENABLE_WHEN[link_id]
        return {
            "enableWhen": [
                {
                    "question": question,
                    "operator": "=",
                    "answerCoding": {"system": _code_system(question), "code": code},
                }
            ]
        }
    if link_id in ENABLE_WHEN_ANY:
        question, codes = ENABLE_WHEN_ANY[link_id]
        return {
            "enableWhen": [
                {"question": question, "operator": "=", "answerCoding": {"system": _code_system(question), "code": c}}
                for c in codes
            ],
            "enableBehavior": "any",
        }
    return {}


def _field_item(link_id: str, field: forms.Field, *, code: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link_id,
        "text": str(field.label),
        "type": _item_type(field),
        "required": bool(field.required),
    }
    if isinstance(field, forms.MultipleChoiceField):
        item["repeats"] = True
    if item["type"] == "choice":
        item["answerOption"] = _answer_options(link_id, field)
    if code is not None:
        item["code"] = [{"system": LOINC, "code": code}]
    item.update(_enable_when(link_id))
    if link_id in ENABLE_WHEN or link_id in ENABLE_WHEN_ANY:
        item["required"] = True  # required whenever it is shown, as the wizard asks it
    return item


def _step_items(step: steps.Step) -> list[dict[str, Any]]:
    form = step.form_class(prefix=step.name)
    elsewhere = set(getattr(step.form_class, "CONTACT_FIELDS", ()))
    items = []
    kept = getattr(form, "RECORD_FIELDS", ())  # the name and address: the Patient resource's, not the answers'
    for name, field in form.fields.items():  # an instance's fields: the first step adds the contact questions
        if name in kept:
            continue
        link_id = f"{step.name}.{name}"
        code = None
        if step.name == "phq9":
            code = PHQ9_ITEM_CODES[int(name.removeprefix("q")) - 1]
        item = _field_item(link_id, field, code=code)
        if name in elsewhere:
            # Kept on the patient's account (the Patient resource), not in the intake's answers: a response
            # without them is complete.
            item["required"] = False
        items.append(item)
    if isinstance(form, RowsStepForm):
        rows_id = f"{step.name}.rows"
        row = {
            "linkId": rows_id,
            "text": str(form.row_label),
            "type": "group",
            "repeats": True,
            "item": [_field_item(f"{rows_id}.{name}", field) for name, field in _row_fields(step).items()],
        }
        # The rows are asked unless the patient ticked "none".
        row["enableWhen"] = [{"question": f"{step.name}.{form.none_field}", "operator": "=", "answerBoolean": False}]
        items.append(row)
    if step.name == "phq9":
        items.append(
            {
                "linkId": "phq9.total",
                "text": "PHQ-9 total score",
                "type": "integer",
                "readOnly": True,
                "code": [{"system": LOINC, "code": PHQ9_TOTAL}],
            }
        )
    return items


def questionnaire() -> Questionnaire:
    """The intake Questionnaire, validated by fhir.resources (raises on an invalid resource)."""
    with translation.override("en"):
        groups = []
        for step in steps.STEPS:
            if step.name not in steps.DOCUMENT_STEPS:
                continue
            group: dict[str, Any] = {
                "linkId": step.name,
                "text": str(step.title),
                "type": "group",
                "item": _step_items(step),
            }
            if step.name == "phq9":
                group["code"] = [
                    {"system": LOINC, "code": PHQ9_PANEL, "display": "PHQ-9 quick depression assessment panel"}
                ]
            groups.append(group)
        return Questionnaire.model_validate(
            {
                "resourceType": "Questionnaire",
                "id": QUESTIONNAIRE_ID,
                "url": canonical_url(),
                "version": QUESTIONNAIRE_VERSION,
                "name": "KetamineClinicIntake",
                "title": "Ketamine clinic intake",
                "status": "active",
                "subjectType": ["Patient"],
                "publisher": "Ketamine Clinic Intake",
                "description": "The intake a patient completes before a psychiatric evaluation for ketamine "
                "treatment: diagnoses, PHQ-9, the C-SSRS screener, antidepressant trials, medical history, "
                "current medicines, substance use and logistics.",
                "item": groups,
            }
        )


# --- a submission's answers as a QuestionnaireResponse, and back ------------------------------------------


def _form_fields(step: steps.Step) -> dict[str, forms.Field]:
    form = step.form_class(prefix=step.name)
    return dict(form.fields)


def _row_fields(step: steps.Step) -> dict[str, forms.Field]:
    return {name: f for name, f in step.form_class.formset_class.form.base_fields.items() if name != "DELETE"}


def _answers_of(link_id: str, kind: str, value: Any, system: str) -> list[dict[str, Any]]:
    if value is None or value == "" or value == []:
        return []
    if kind == "choice":
        values = value if isinstance(value, list) else [value]
        if link_id.startswith("phq9."):
            return [{"valueCoding": {"system": LOINC, "code": PHQ9_ANSWER_CODES[int(v)]}} for v in values]
        return [{"valueCoding": {"system": system, "code": str(v)}} for v in values]
    if kind == "boolean":
        return [{"valueBoolean": bool(value)}]
    if kind == "date":
        return [{"valueDate": value}]
    if kind == "decimal":
        return [{"valueDecimal": float(Decimal(str(value)))}]  # a JSON number (the builder's input is a string)
    if kind == "integer":
        return [{"valueInteger": int(value)}]
    return [{"valueString": str(value)}]


def _value(link_id: str, field: forms.Field, answers: list[dict[str, Any]]) -> Any:
    """The cleaned JSON value the wizard stored, from FHIR answers (None when unanswered)."""
    if not answers:
        return (
            [] if isinstance(field, forms.MultipleChoiceField) else (False if _item_type(field) == "boolean" else None)
        )
    kind = _item_type(field)
    if kind == "choice":
        codes = [a["valueCoding"]["code"] for a in answers]
        if link_id.startswith("phq9."):
            scores = {code: score for score, code in PHQ9_ANSWER_CODES.items()}
            codes = [scores[c] for c in codes]
        return codes if isinstance(field, forms.MultipleChoiceField) else codes[0]
    (answer,) = answers
    if kind == "decimal":
        return format(Decimal(str(answer["valueDecimal"])).normalize(), "f")
    key = {"boolean": "valueBoolean", "date": "valueDate", "integer": "valueInteger"}.get(kind, "valueString")
    return answer[key]


def submitted_answers(submission: Any) -> dict[str, Any] | None:
    """The wizard's answers behind a submission: frozen with it since they were stored (submission.answers),
    else (an older version) the draft's answers re-read by the forms, only when they rebuild exactly its frozen
    intake document (None when they are gone or read differently today: the document is the record)."""
    stored = getattr(submission, "answers", None)
    if stored:
        return stored
    checked = steps.check(getattr(submission.draft, "answers", None) or {}, sent=True)
    if not checked.complete:
        return None
    answers = checked.answers()
    screened_on = date.fromisoformat(submission.document.get("screened_on", ""))
    return answers if builder.build_document(answers, screened_on=screened_on) == submission.document else None


@dataclass(frozen=True)
class _Shape:
    """One step's questions as the response needs them: (field name, linkId, item type), read once from the
    step's form (generic: a step added to steps.STEPS appears in the response with no code here)."""

    name: str
    fields: tuple[tuple[str, str, str], ...]
    rows: tuple[tuple[str, str, str], ...] | None


@cache
def _shapes() -> tuple[_Shape, ...]:
    shapes = []
    for step in steps.STEPS:
        if step.name not in steps.DOCUMENT_STEPS:
            continue
        fields = tuple((name, f"{step.name}.{name}", _item_type(f)) for name, f in _form_fields(step).items())
        rows = None
        if issubclass(step.form_class, RowsStepForm):
            rows = tuple((name, f"{step.name}.rows.{name}", _item_type(f)) for name, f in _row_fields(step).items())
        shapes.append(_Shape(step.name, fields, rows))
    return tuple(shapes)


def _answered(cells: tuple[tuple[str, str, str], ...], values: dict[str, Any], answers: str) -> list[dict[str, Any]]:
    """The answered items only: a question skipped by the skip logic (or left blank) has no item."""
    items = []
    for name, link_id, kind in cells:
        found = _answers_of(link_id, kind, values.get(name), answers + link_id)
        if found:
            items.append({"linkId": link_id, "answer": found})
    return items


def response_id(submission_id: Any) -> str:
    return f"submission-{submission_id}"


def questionnaire_response_data(submission: Any) -> dict[str, Any] | None:
    """The answers of one submitted version as a QuestionnaireResponse (plain JSON, not validated: the export's
    fast path; questionnaire_response validates). Built from the stored answers, without the wizard's forms.
    None when the answers cannot be given faithfully (submitted_answers)."""
    answers = submitted_answers(submission)
    if answers is None:
        return None
    canonical = canonical_url()
    systems = canonical + "/answers/"
    groups = []
    for shape in _shapes():
        values = answers.get(shape.name)
        if values is None:
            continue  # a step added after this version was sent
        items = _answered(shape.fields, values, systems)
        for row in values.get("rows", []) if shape.rows else ():
            if cells := _answered(shape.rows, row, systems):
                items.append({"linkId": f"{shape.name}.rows", "item": cells})
        if shape.name == "phq9":
            scores = [values.get(name) for name, _, _ in shape.fields]
            if all(isinstance(score, int) for score in scores):
                items.append({"linkId": "phq9.total", "answer": [{"valueInteger": sum(scores)}]})
        if items:
            groups.append({"linkId": shape.name, "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(submission.pk),
        "meta": {"lastUpdated": submission.submitted_at.isoformat()},
        "questionnaire": f"{canonical}|{QUESTIONNAIRE_VERSION}",
        # A later version is its own response, linked to this one by a Provenance (amendment_provenance).
        "status": "amended" if submission.amends_id else "completed",
        "subject": {"reference": f"Patient/{submission.patient_id}"},
        "authored": submission.submitted_at.isoformat(),
        "item": groups,
    }


def questionnaire_response(submission: Any) -> Any | None:
    """The answers of one submitted version, validated (questionnaire_response_data)."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    data = questionnaire_response_data(submission)
    return QuestionnaireResponse.model_validate(data) if data else None


def amendment_provenance_data(submission: Any) -> dict[str, Any] | None:
    """For a version that amends another: a Provenance whose target is the new response and whose entity (role
    revision) is the response it replaces, as R4 links revisions (QuestionnaireResponse.partOf may not)."""
    if not submission.amends_id:
        return None
    return {
        "resourceType": "Provenance",
        "id": f"amendment-{submission.pk}",
        "meta": {"lastUpdated": submission.submitted_at.isoformat()},
        "target": [{"reference": f"QuestionnaireResponse/{response_id(submission.pk)}"}],
        "recorded": submission.submitted_at.isoformat(),
        "activity": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "code": "UPDATE",
                    "display": "revise",
                }
            ]
        },
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "author",
                        }
                    ]
                },
                "who": {"reference": f"Patient/{submission.patient_id}"},
            }
        ],
        "entity": [
            {"role": "revision", "what": {"reference": f"QuestionnaireResponse/{response_id(submission.amends_id)}"}}
        ],
    }


def amendment_provenance(submission: Any) -> Any | None:
    from fhir.resources.R4B.provenance import Provenance

    data = amendment_provenance_data(submission)
    return Provenance.model_validate(data) if data else None


def answers_from_response(response: Any) -> dict[str, Any]:
    """The wizard's cleaned answers (the intake builder's input) from a QuestionnaireResponse; a question
    without an item was not answered (or not asked)."""
    data = json.loads(response.model_dump_json(exclude_none=True)) if not isinstance(response, dict) else response
    by_step = {group["linkId"]: group.get("item", []) for group in data.get("item", [])}
    answers: dict[str, Any] = {}
    for step in steps.STEPS:
        if step.name not in steps.DOCUMENT_STEPS:
            continue
        given = {item["linkId"]: item for item in by_step.get(step.name, []) if "item" not in item}
        elsewhere = set(getattr(step.form_class, "CONTACT_FIELDS", ()))
        values = {}
        for name, field in _form_fields(step).items():
            if name in elsewhere:
                continue
            link_id = f"{step.name}.{name}"
            values[name] = _value(link_id, field, given.get(link_id, {}).get("answer", []))
        if issubclass(step.form_class, RowsStepForm):
            rows = []
            for group in by_step.get(step.name, []):
                if group["linkId"] != f"{step.name}.rows":
                    continue
                cells = {item["linkId"]: item.get("answer", []) for item in group.get("item", [])}
                rows.append(
                    {
                        name: _value(f"{step.name}.rows.{name}", field, cells.get(f"{step.name}.rows.{name}", []))
                        for name, field in _row_fields(step).items()
                    }
                )
            values["rows"] = rows
        answers[step.name] = values
    return answers


def mrn_system(clinic_id: Any) -> str:
    """The identifier system of a clinic's medical record numbers: `<SITE_URL>/fhir/sid/mrn/<clinic id>`.

    The clinic's id (a UUID), not its slug, so the system never changes when an admin renames the clinic."""
    return settings.SITE_URL.rstrip("/") + f"/fhir/sid/mrn/{clinic_id}"


def _profile(patient: Any) -> Any:
    try:
        return patient.profile
    except ObjectDoesNotExist:
        return None


def _phone(value: str) -> list[dict[str, str]]:
    return [{"system": "phone", "value": value}] if value else []


def patient_resource(submission: Any, record_number: Any = None) -> Any:
    """The patient as the clinic knows them: the record on the account (legal and preferred name, home address,
    emergency contact, primary care clinician), the clinic's medical record number, the birth date sent."""
    from fhir.resources.R4B.patient import Patient

    from .models import MedicalRecordNumber

    patient = submission.patient
    profile = _profile(patient)
    about = submission.document.get("patient", {})
    resource: dict[str, Any] = {"resourceType": "Patient", "id": str(patient.pk)}
    if record_number is None:
        record_number = MedicalRecordNumber.objects.filter(
            clinic_id=submission.clinic_id, patient_id=patient.pk
        ).first()
    if record_number is not None:
        resource["identifier"] = [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}]},
                "system": mrn_system(submission.clinic_id),
                "value": record_number.number,
            }
        ]
    if profile is not None and profile.last_name:
        names = [
            {"use": "official", "text": profile.legal_name, "family": profile.last_name, "given": [profile.first_name]}
        ]
        if profile.preferred_name:
            names.append({"use": "usual", "given": [profile.preferred_name], "family": profile.last_name})
        resource["name"] = names
    elif patient.full_name:
        resource["name"] = [{"text": patient.full_name}]
    telecom = [{"system": "email", "value": patient.email}]
    if patient.phone:
        telecom.insert(0, {"system": "phone", "value": patient.phone, "use": "mobile"})
    resource["telecom"] = telecom
    if about.get("date_of_birth"):
        resource["birthDate"] = about["date_of_birth"]
    if profile is not None and profile.street:
        resource["address"] = [
            {
                "use": "home",
                "line": [profile.street],
                "city": profile.city,
                "state": profile.state,
                "postalCode": profile.zip_code,
                "country": "US",
            }
        ]
    elif about.get("state"):
        resource["address"] = [{"state": about["state"], "country": "US"}]
    if profile is not None and profile.emergency_name:
        resource["contact"] = [
            {
                "relationship": [
                    {"coding": [{"system": V2_0131, "code": "C", "display": "Emergency Contact"}]},
                    {"text": profile.emergency_relationship},
                ],
                "name": {"text": profile.emergency_name},
                "telecom": _phone(profile.emergency_phone),
            }
        ]
    if profile is not None and profile.pcp_name:
        practitioner: dict[str, Any] = {
            "resourceType": "Practitioner",
            "id": "pcp",
            "name": [{"text": profile.pcp_name}],
        }
        if profile.pcp_phone:
            practitioner["telecom"] = _phone(profile.pcp_phone)
        resource["contained"] = [practitioner]
        display = ", ".join(part for part in (profile.pcp_name, profile.pcp_practice) if part)
        resource["generalPractitioner"] = [{"reference": "#pcp", "display": display}]
    return Patient.model_validate(resource)


def coverage_resource(submission: Any) -> Any | None:
    """How the patient pays, as a Coverage: their insurance (payer, member ID, group, whose plan), or self-pay.
    None before the intake asked it."""
    from fhir.resources.R4B.coverage import Coverage

    patient = submission.patient
    profile = _profile(patient)
    if profile is None or not profile.emergency_name:  # the record was never completed: nothing was asked
        return None
    beneficiary = {"reference": f"Patient/{patient.pk}"}
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": f"coverage-{patient.pk}",
        "status": "active",
        "beneficiary": beneficiary,
    }
    if profile.payment == "insurance":
        resource.update(
            type={"coding": [{"system": V3_ACT_CODE, "code": "HIP", "display": "health insurance plan policy"}]},
            subscriberId=profile.member_id,
            payor=[{"display": profile.payer_name}],
        )
        if profile.subscriber_relationship:
            resource["relationship"] = {
                "coding": [{"system": SUBSCRIBER_RELATIONSHIP, "code": profile.subscriber_relationship}]
            }
        if profile.group_number:
            resource["class"] = [
                {
                    "type": {"coding": [{"system": COVERAGE_CLASS, "code": "group"}]},
                    "value": profile.group_number,
                }
            ]
    else:
        resource.update(
            type={"coding": [{"system": COVERAGE_SELFPAY, "code": "pay", "display": "Pay"}]},
            payor=[beneficiary],
            relationship={"coding": [{"system": SUBSCRIBER_RELATIONSHIP, "code": "self"}]},
        )
    return Coverage.model_validate(resource)
