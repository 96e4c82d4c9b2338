"""The one builder: the wizard's cleaned answers -> an intake document (schema intake-document/2; /1 when
the answers have no other-treatments step, as intakes sent before it had).

Pure Python, no Django: the forms clean what the patient typed (intake.steps.Checked.answers gathers each step
form's `answers()`), this module turns those answers into the document the engine reads, applying the wizard's skip
logic in one place.

Answers are keyed by step; each step's answers are JSON values (strings, numbers, booleans, lists):

    about          date_of_birth "YYYY-MM-DD", sex_at_birth, state "OR", weight "70.5" | None, weight_unit kg | lb
    diagnoses      diagnoses [..], depressed_now yes | no | unsure
    phq9           q1 .. q9: 0-3
    safety         wish_dead, thoughts, method, intent, plan, behavior, behavior_recent: yes | no | None (skipped)
    antidepressants none_tried bool, rows [{drug, dose_mg "150" | None, dose_unknown, weeks, as_prescribed,
                   improvement, current_episode}]
    treatment      prior_ketamine never | responded | did_not_respond
    other-treatments episode_months, therapy_months, ect_sessions, tms_sessions, ketamine_treatments,
                   augmentation_weeks: int | None; therapy [..]; ect, tms, augmentation: yes | no;
                   ect_helped, tms_helped: yes | partly | no | unsure | None; augmentation_medicine,
                   augmentation_antidepressant: text
    mental-health  psychosis never | past | current, schizophrenia, mania: yes | no
    heart          hypertension no | controlled | uncontrolled, systolic, diastolic (int | None), heart_disease,
                   arrhythmia, stroke_or_tia, aneurysm_or_avm, intracerebral_hemorrhage: yes | no
    health         seizure_disorder ... ketamine_allergy: yes | no; pregnancy no | yes | unsure | None (not asked),
                   breastfeeding yes | no | None (not asked)
    medications    none_taking bool, rows [{name, daily_dose}]
    substances     alcohol_drinks_per_week int, substance_use_disorder, ketamine_nonmedical_use, cannabis,
                   stimulants_nonprescribed, opioids_nonprescribed: yes | no
    getting-home   ride_home yes | no
    consent        agree_privacy, agree_contact bool, signed_name
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

SCHEMA_ID = "intake-document/2"
SCHEMA_ID_V1 = "intake-document/1"
KETAMINE_HELPED = {"responded": "yes", "did_not_respond": "no"}
POUND_KG = Decimal("0.45359237")

# Sex at birth for which pregnancy and breastfeeding are asked ("prefer not to say" is asked too).
PREGNANCY_ASKED_FOR = frozenset({"female", "intersex", "prefer_not_to_say"})

MEDICAL_HEART = ("heart_disease", "arrhythmia", "stroke_or_tia", "aneurysm_or_avm", "intracerebral_hemorrhage")
MEDICAL_OTHER = (
    "seizure_disorder",
    "brain_injury_or_mass",
    "glaucoma_or_eye_injury",
    "liver_disease",
    "bladder_or_urinary_condition",
    "hyperthyroidism_uncontrolled",
    "ketamine_allergy",
)
SUBSTANCE_FLAGS = ("cannabis", "stimulants_nonprescribed", "opioids_nonprescribed")


def pregnancy_applies(sex_at_birth: str | None) -> bool:
    """Whether the pregnancy and breastfeeding questions are asked; unknown sex asks them (never assume)."""
    return sex_at_birth is None or sex_at_birth in PREGNANCY_ASKED_FOR


def weight_kg(value: Any, unit: str | None) -> float | None:
    """A weight in kg to one decimal, from kg or lb; None when no weight was given or it is not a number."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    if unit == "lb":
        amount *= POUND_KG
    return float(amount.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _yes(value: Any) -> bool:
    return value == "yes" or value is True


def _number(value: Any) -> int | float | None:
    if value in (None, ""):
        return None
    number = float(Decimal(str(value)))
    return int(number) if number.is_integer() else number


def suicide_screen(safety: dict[str, Any]) -> dict[str, Any]:
    """The C-SSRS screener with its skip logic: questions 3-5 count only after a yes to question 2."""
    thoughts = _yes(safety.get("thoughts"))
    if not _yes(safety.get("behavior")):
        behavior = "never"
    elif _yes(safety.get("behavior_recent")):
        behavior = "within_3_months"
    else:
        behavior = "over_3_months_ago"
    return {
        "wish_to_be_dead": _yes(safety.get("wish_dead")),
        "suicidal_thoughts": thoughts,
        "thoughts_with_method": thoughts and _yes(safety.get("method")),
        "intent": thoughts and _yes(safety.get("intent")),
        "plan": thoughts and _yes(safety.get("plan")),
        "behavior": behavior,
    }


def _patient(about: dict[str, Any], health: dict[str, Any]) -> dict[str, Any]:
    sex = about["sex_at_birth"]
    patient: dict[str, Any] = {
        "date_of_birth": about["date_of_birth"],
        "sex_at_birth": sex,
        "pregnancy": "not_applicable",
        "breastfeeding": False,
        "weight_kg": weight_kg(about.get("weight"), about.get("weight_unit")),
    }
    if pregnancy_applies(sex):
        patient["pregnancy"] = health.get("pregnancy") or "unsure"
        patient["breastfeeding"] = _yes(health.get("breastfeeding"))
    if about.get("state"):
        patient["state"] = about["state"]
    return patient


def _trials(step: dict[str, Any]) -> list[dict[str, Any]]:
    if step.get("none_tried"):
        return []
    trials = []
    for row in step.get("rows") or []:
        trials.append(
            {
                "drug": row["drug"].strip(),
                "daily_dose_mg": None if row.get("dose_unknown") else _number(row.get("dose_mg")),
                "weeks_at_dose": int(row["weeks"]),
                "took_as_prescribed": _yes(row["as_prescribed"]),
                "improvement": row["improvement"],
                "current_episode": _yes(row["current_episode"]),
            }
        )
    return trials


def _medications(step: dict[str, Any]) -> list[dict[str, Any]]:
    if step.get("none_taking"):
        return []
    medications = []
    for row in step.get("rows") or []:
        medication = {"name": row["name"].strip()}
        if (dose := (row.get("daily_dose") or "").strip()) != "":
            medication["daily_dose"] = dose
        medications.append(medication)
    return medications


def _course(step: dict[str, Any], name: str, count: str) -> dict[str, Any] | None:
    if step.get(name) != "yes":
        return None
    return {count: step.get(f"{name}_sessions") or None, "helped": step.get(f"{name}_helped") or "unsure"}


def other_treatments(step: dict[str, Any], prior_ketamine: str) -> dict[str, Any]:
    """The version 2 section; whether ketamine helped comes from the step before ("Ketamine treatment before")."""
    kinds = list(dict.fromkeys(step.get("therapy") or []))
    treatments = step.get("ketamine_treatments") or None
    ketamine = None
    if prior_ketamine != "never" or treatments:
        ketamine = {"treatments": treatments, "helped": KETAMINE_HELPED.get(prior_ketamine, "unsure")}
    augmentation = []
    if step.get("augmentation") == "yes":
        augmentation.append(
            {
                "medicine": step["augmentation_medicine"].strip(),
                "antidepressant": step["augmentation_antidepressant"].strip(),
                "weeks": step.get("augmentation_weeks"),
            }
        )
    return {
        "episode_months": step.get("episode_months"),
        "psychotherapy": {"kinds": kinds, "months": step.get("therapy_months")} if kinds else None,
        "ect": _course(step, "ect", "sessions"),
        "tms": _course(step, "tms", "sessions"),
        "ketamine": ketamine,
        "augmentation": augmentation,
    }


def _recent_bp(heart: dict[str, Any]) -> dict[str, int] | None:
    if heart.get("systolic") in (None, "") or heart.get("diastolic") in (None, ""):
        return None
    return {"systolic": int(heart["systolic"]), "diastolic": int(heart["diastolic"])}


def build_document(answers: dict[str, Any], *, screened_on: date) -> dict[str, Any]:
    """The intake document for one patient's cleaned answers; `screened_on` is the submission date."""
    about = answers["about"]
    health = answers["health"]
    heart = answers["heart"]
    psych = answers["mental-health"]
    substances = answers["substances"]
    document = {
        "schema": SCHEMA_ID if "other-treatments" in answers else SCHEMA_ID_V1,
        "screened_on": screened_on.isoformat(),
        "patient": _patient(about, health),
        "diagnoses": list(dict.fromkeys(answers["diagnoses"]["diagnoses"])),
        "phq9": [int(answers["phq9"][f"q{i}"]) for i in range(1, 10)],
        "suicide_screen": suicide_screen(answers["safety"]),
        "antidepressant_trials": _trials(answers["antidepressants"]),
        "prior_ketamine_treatment": answers["treatment"]["prior_ketamine"],
        "psychiatric_history": {
            "psychosis": psych["psychosis"],
            "schizophrenia_spectrum": _yes(psych["schizophrenia"]),
            "mania_or_hypomania": _yes(psych["mania"]),
        },
        "medical_history": {
            "hypertension": heart["hypertension"],
            "recent_bp": _recent_bp(heart),
            **{name: _yes(heart[name]) for name in MEDICAL_HEART},
            **{name: _yes(health[name]) for name in MEDICAL_OTHER},
        },
        "substance_use": {
            "alcohol_drinks_per_week": int(substances["alcohol_drinks_per_week"]),
            "substance_use_disorder": substances["substance_use_disorder"],
            "ketamine_nonmedical_use": substances["ketamine_nonmedical_use"],
            **{name: _yes(substances[name]) for name in SUBSTANCE_FLAGS},
        },
        "medications": _medications(answers["medications"]),
        "logistics": {"ride_home_available": _yes(answers["getting-home"]["ride_home"])},
    }
    if "other-treatments" in answers:
        document["other_treatments"] = other_treatments(
            answers["other-treatments"], answers["treatment"]["prior_ketamine"]
        )
    return document


def safety_probe_document(safety: dict[str, Any], *, screened_on: date) -> dict[str, Any]:
    """A neutral document carrying only the safety answers, so the engine alone decides the suicide risk.

    Used right after the safety step, before the rest of the intake exists.
    """
    no = "no"
    neutral = {
        "about": {"date_of_birth": "1970-01-01", "sex_at_birth": "male", "weight": None, "weight_unit": "kg"},
        "diagnoses": {"diagnoses": ["major_depressive_disorder"]},
        "phq9": {f"q{i}": 0 for i in range(1, 10)},
        "safety": safety,
        "antidepressants": {"none_tried": True, "rows": []},
        "treatment": {"prior_ketamine": "never"},
        "mental-health": {"psychosis": "never", "schizophrenia": no, "mania": no},
        "heart": {"hypertension": "no", "systolic": None, "diastolic": None, **dict.fromkeys(MEDICAL_HEART, no)},
        "health": dict.fromkeys(MEDICAL_OTHER, no),
        "medications": {"none_taking": True, "rows": []},
        "substances": {
            "alcohol_drinks_per_week": 0,
            "substance_use_disorder": "never",
            "ketamine_nonmedical_use": "never",
            **dict.fromkeys(SUBSTANCE_FLAGS, no),
        },
        "getting-home": {"ride_home": "yes"},
    }
    return build_document(neutral, screened_on=screened_on)
