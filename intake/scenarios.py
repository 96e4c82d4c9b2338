"""What a patient posts on each intake step, as the browser sends it, and one scenario per outcome.

Used by the demo data and the tests, so both walk the real wizard and builder.
"""

from __future__ import annotations

from typing import Any

BASE: dict[str, dict[str, Any]] = {
    "about": {
        "first_name": "Alex",
        "last_name": "Example",
        "street": "12 Oak Street",
        "city": "Portland",
        "zip_code": "97205",
        "date_of_birth": "1985-03-27",
        "sex_at_birth": "female",
        "state": "OR",
        "weight": "150",
        "weight_unit": "lb",
        "phone": "(503) 555-0100",
        "call_time": "afternoon",
        "voicemail_ok": "yes",
        "texts_ok": "no",
    },
    "care-team": {
        "emergency_name": "Sam Example",
        "emergency_relationship": "partner",
        "emergency_phone": "(503) 555-0101",
        "referred": "no",
    },
    "payment": {"payment": "self_pay"},
    "diagnoses": {"diagnoses": ["major_depressive_disorder"], "depressed_now": "yes"},
    "phq9": {f"q{i}": "2" for i in range(1, 10)},
    "safety": {"wish_dead": "no", "thoughts": "no", "behavior": "no"},
    "antidepressants": {
        "rows": [
            {
                "drug": "Zoloft",
                "dose_mg": "100",
                "weeks": "10",
                "as_prescribed": "yes",
                "improvement": "none",
                "current_episode": "yes",
            },
            {
                "drug": "bupropion XL",
                "dose_mg": "300",
                "weeks": "12",
                "as_prescribed": "yes",
                "improvement": "partial",
                "current_episode": "yes",
            },
        ]
    },
    "treatment": {"prior_ketamine": "never"},
    "other-treatments": {
        "episode_months": "14",
        "therapy": ["cbt"],
        "therapy_months": "6",
        "ect": "no",
        "tms": "no",
        "ketamine_treatments": "",
        "augmentation": "no",
    },
    "mental-health": {"psychosis": "never", "schizophrenia": "no", "mania": "no"},
    "heart": {
        "hypertension": "no",
        "systolic": "120",
        "diastolic": "80",
        "heart_disease": "no",
        "arrhythmia": "no",
        "stroke_or_tia": "no",
        "aneurysm_or_avm": "no",
        "intracerebral_hemorrhage": "no",
    },
    "health": {
        "seizure_disorder": "no",
        "brain_injury_or_mass": "no",
        "glaucoma_or_eye_injury": "no",
        "liver_disease": "no",
        "bladder_or_urinary_condition": "no",
        "hyperthyroidism_uncontrolled": "no",
        "ketamine_allergy": "no",
        "pregnancy": "no",
        "breastfeeding": "no",
    },
    "medications": {"none_taking": "on", "rows": []},
    "substances": {
        "alcohol_drinks_per_week": "2",
        "substance_use_disorder": "never",
        "ketamine_nonmedical_use": "never",
        "cannabis": "no",
        "stimulants_nonprescribed": "no",
        "opioids_nonprescribed": "no",
    },
    "getting-home": {"ride_home": "yes"},
    "consent": {"agree_privacy": "on", "agree_contact": "on", "signed_name": "Alex Example"},
    "review": {},
}

# One change from BASE per outcome.
SCENARIOS: dict[str, dict[str, dict[str, Any]]] = {
    "eligible": {},
    "needs_review": {"mental-health": {"mania": "yes"}},
    "ineligible": {"health": {"pregnancy": "yes"}},
    "urgent": {
        "safety": {
            "wish_dead": "yes",
            "thoughts": "yes",
            "method": "yes",
            "intent": "yes",
            "plan": "no",
            "behavior": "no",
        }
    },
}


def scenario(name: str) -> dict[str, dict[str, Any]]:
    answers = {step: dict(values) for step, values in BASE.items()}
    for step, change in SCENARIOS[name].items():
        if step == "safety":
            answers[step] = dict(change)
        else:
            answers[step].update(change)
    return answers


def post_data(step: str, values: dict[str, Any], *, action: str = "next") -> dict[str, Any]:
    """The POST body for one step: prefixed field names, formset management fields for rows."""
    data: dict[str, Any] = {"action": action}
    for name, value in values.items():
        if name == "rows":
            prefix = f"{step}-rows"
            data[f"{prefix}-TOTAL_FORMS"] = str(len(value))
            data[f"{prefix}-INITIAL_FORMS"] = "0"
            data[f"{prefix}-MIN_NUM_FORMS"] = "0"
            data[f"{prefix}-MAX_NUM_FORMS"] = "30"
            for index, row in enumerate(value):
                for field, field_value in row.items():
                    data[f"{prefix}-{index}-{field}"] = field_value
        else:
            data[f"{step}-{name}"] = value
    if step == "antidepressants" and "rows" not in values:
        data.update({f"{step}-rows-TOTAL_FORMS": "0", f"{step}-rows-INITIAL_FORMS": "0"})
    return data


def stored(step: str, values: dict[str, Any]) -> dict[str, list[str]]:
    """A step's answers as the draft stores them (every value a list of strings)."""
    return {
        key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for key, value in post_data(step, values).items()
        if key != "action"
    }


def raw_answers(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    return {step: stored(step, values) for step, values in answers.items() if step != "review"}
