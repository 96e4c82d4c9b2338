"""The intake as an HL7 FHIR R4 Questionnaire (SDC style), built and validated with `fhir.resources`.

Built from the wizard's own forms, so it cannot drift from them: one group per step, one item per question,
`linkId` = "<step>.<field>" (stable across releases: field names are the intake's contract), answer options
with the codes the wizard posts, `enableWhen` for the skip logic (the C-SSRS follow-ups, the pregnancy
questions, the antidepressant rows). The PHQ-9 carries its LOINC codes (panel 44249-1, items, answers,
total 44261-6). The texts are the English ones (the published instruments); codes carry the meaning.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from fhir.resources.R4B.questionnaire import Questionnaire

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


def canonical_url() -> str:
    return settings.SITE_URL.rstrip("/") + f"/fhir/R4/Questionnaire/{QUESTIONNAIRE_ID}"


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
    items = []
    kept = getattr(form, "RECORD_FIELDS", ())  # the name and address: the Patient resource's, not the answers'
    for name, field in form.fields.items():  # an instance's fields: the first step adds the contact questions
        if name in kept:
            continue
        link_id = f"{step.name}.{name}"
        code = None
        if step.name == "phq9":
            code = PHQ9_ITEM_CODES[int(name.removeprefix("q")) - 1]
        items.append(_field_item(link_id, field, code=code))
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


def _answer(link_id: str, field: forms.Field, value: Any) -> list[dict[str, Any]]:
    """FHIR answers for one cleaned JSON value (none for an unanswered question)."""
    if value is None or value == "" or value == []:
        return []
    kind = _item_type(field)
    if kind == "choice":
        values = value if isinstance(value, list) else [value]
        if link_id.startswith("phq9."):
            return [{"valueCoding": {"system": LOINC, "code": PHQ9_ANSWER_CODES[int(v)]}} for v in values]
        return [{"valueCoding": {"system": _code_system(link_id), "code": str(v)}} for v in values]
    if kind == "boolean":
        return [{"valueBoolean": bool(value)}]
    if kind == "date":
        return [{"valueDate": value}]
    if kind == "decimal":
        return [{"valueDecimal": str(value)}]
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
    """The wizard's answers behind a submission, only when they rebuild exactly its frozen intake document
    (None for one whose stored answers are gone or read differently today: the document is the record)."""
    checked = steps.check(getattr(submission.draft, "answers", None) or {}, sent=True)
    if not checked.complete:
        return None
    answers = checked.answers()
    screened_on = date.fromisoformat(submission.document.get("screened_on", ""))
    return answers if builder.build_document(answers, screened_on=screened_on) == submission.document else None


def questionnaire_response(submission: Any) -> Any | None:
    """The answers of one submitted version, validated; an amendment points to the version it replaces.
    None when the answers cannot be given faithfully (submitted_answers)."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    answers = submitted_answers(submission)
    if answers is None:
        return None
    groups = []
    for step in steps.STEPS:
        if step.name not in steps.DOCUMENT_STEPS:
            continue
        values = answers[step.name]
        items = []
        for name, field in _form_fields(step).items():
            if name not in values:
                continue  # asked but kept on the account (the phone), not in the intake
            link_id = f"{step.name}.{name}"
            item: dict[str, Any] = {"linkId": link_id}
            if found := _answer(link_id, field, values[name]):
                item["answer"] = found
            items.append(item)
        for row in values.get("rows", []):
            row_items = []
            for name, field in _row_fields(step).items():
                link_id = f"{step.name}.rows.{name}"
                row_item: dict[str, Any] = {"linkId": link_id}
                if found := _answer(link_id, field, row.get(name)):
                    row_item["answer"] = found
                row_items.append(row_item)
            items.append({"linkId": f"{step.name}.rows", "item": row_items})
        groups.append({"linkId": step.name, "item": items})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"submission-{submission.pk}",
        "questionnaire": f"{canonical_url()}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "subject": {"reference": f"Patient/{submission.patient_id}"},
        "authored": submission.submitted_at.isoformat(),
        "item": groups,
    }
    if submission.amends_id:
        resource["status"] = "amended"
        resource["partOf"] = [{"reference": f"QuestionnaireResponse/submission-{submission.amends_id}"}]
    return QuestionnaireResponse.model_validate(resource)


def answers_from_response(response: Any) -> dict[str, Any]:
    """The wizard's cleaned answers (the intake builder's input) from a QuestionnaireResponse."""
    data = json.loads(response.model_dump_json(exclude_none=True)) if not isinstance(response, dict) else response
    by_step = {group["linkId"]: group.get("item", []) for group in data.get("item", [])}
    answers: dict[str, Any] = {}
    for step in steps.STEPS:
        if step.name not in steps.DOCUMENT_STEPS:
            continue
        given = {item["linkId"]: item for item in by_step.get(step.name, []) if "item" not in item}
        values = {}
        for name, field in _form_fields(step).items():
            link_id = f"{step.name}.{name}"
            if link_id in given:
                values[name] = _value(link_id, field, given[link_id].get("answer", []))
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
