"""The intake as an HL7 FHIR R4 Questionnaire (SDC style), built and validated with `fhir.resources`.

Built from the wizard's own forms, so it cannot drift from them: one group per step, one item per question,
`linkId` = "<step>.<field>" (stable across releases: field names are the intake's contract), answer options
with the codes the wizard posts, `enableWhen` for the skip logic (the C-SSRS follow-ups, the pregnancy
questions, the antidepressant rows). The PHQ-9 carries its LOINC codes (panel 44249-1, items, answers,
total 44261-6). The texts are the English ones (the published instruments); codes carry the meaning.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
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
# Not stored in the intake document (the account keeps them), but asked: kept in the Questionnaire.
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
    for name, field in form.fields.items():
        link_id = f"{step.name}.{name}"
        code = None
        if step.name == "phq9":
            code = PHQ9_ITEM_CODES[int(name.removeprefix("q")) - 1]
        items.append(_field_item(link_id, field, code=code))
    if isinstance(form, RowsStepForm):
        row_form = form.rows.form
        rows_id = f"{step.name}.rows"
        row = {
            "linkId": rows_id,
            "text": str(form.row_label),
            "type": "group",
            "repeats": True,
            "item": [
                _field_item(f"{rows_id}.{name}", field)
                for name, field in row_form.base_fields.items()
                if name != "DELETE"
            ],
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
            if step.name not in steps.ANSWER_STEPS:
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
