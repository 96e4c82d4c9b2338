"""The one builder: every branch of the wizard gives a schema-valid intake document (property-based).

The answers go through the real step forms, as the browser would post them, then the builder; no database.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import builder, forms, steps
from screening.rules import Outcome, screen, suggestion_names, validate_document

from .answers import BASE, raw_answers

YES_NO = st.sampled_from(["yes", "no"])
SCREENED_ON = date(2026, 11, 20)
NAMES = suggestion_names()


def choice_values(choices) -> st.SearchStrategy[str]:
    return st.sampled_from([str(value) for value, _ in choices])


def typed_text(max_size: int) -> st.SearchStrategy[str]:
    """Whatever a person might type: any characters but NUL, at least one that is not a space."""
    return st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=max_size).filter(
        lambda s: s.strip() != ""
    )


def drug_name() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NAMES), typed_text(100))


@st.composite
def about(draw) -> dict[str, Any]:
    unit = draw(st.sampled_from(["kg", "lb"]))
    if draw(st.booleans()):
        weight = ""
    elif unit == "kg":
        weight = str(draw(st.decimals(Decimal("25"), Decimal("350"), places=1)))
    else:
        weight = str(draw(st.decimals(Decimal("56"), Decimal("770"), places=1)))
    return {
        "date_of_birth": draw(st.dates(date(1920, 1, 1), date(2012, 12, 31))).isoformat(),
        "sex_at_birth": draw(choice_values(forms.SEX_CHOICES)),
        "state": draw(st.sampled_from(["OR", "WA", "CA", "NY", "PR", "DC", "GU"])),
        "weight": weight,
        "weight_unit": unit,
        "phone": draw(st.sampled_from(["(503) 555-0123", "503.555.0142", "+1 212 555 0199", "2065550100"])),
        "call_time": draw(st.sampled_from(["any", "morning", "afternoon", "evening"])),
        "voicemail_ok": draw(YES_NO),
        "texts_ok": draw(YES_NO),
        # Kept on the account: never in the document.
        **{name: BASE["about"][name] for name in ("first_name", "last_name", "street", "city", "zip_code")},
    }


@st.composite
def safety(draw) -> dict[str, Any]:
    values = {"wish_dead": draw(YES_NO), "thoughts": draw(YES_NO), "behavior": draw(YES_NO)}
    for name in ("method", "intent", "plan"):
        # After a "no" to question 2 these may still be posted (no JavaScript); they must be ignored.
        if values["thoughts"] == "yes" or draw(st.booleans()):
            values[name] = draw(YES_NO)
    if values["behavior"] == "yes" or draw(st.booleans()):
        values["behavior_recent"] = draw(YES_NO)
    return values


@st.composite
def trial(draw) -> dict[str, Any]:
    row = {
        "drug": draw(drug_name()),
        "weeks": str(draw(st.integers(0, 1040))),
        "as_prescribed": draw(YES_NO),
        "improvement": draw(choice_values(forms.IMPROVEMENT_CHOICES)),
        "current_episode": draw(YES_NO),
    }
    if draw(st.booleans()):
        row["dose_unknown"] = "on"
        if draw(st.booleans()):
            row["dose_mg"] = "abc"  # ignored once "I don't know" is ticked
    else:
        row["dose_mg"] = str(draw(st.decimals(Decimal("0.01"), Decimal("2000"), places=2)))
    return row


@st.composite
def medication(draw) -> dict[str, Any]:
    row = {"name": draw(drug_name())}
    if draw(st.booleans()):
        row["daily_dose"] = draw(typed_text(50))
    return row


@st.composite
def rows_step(draw, none_field: str, row: st.SearchStrategy, max_rows: int) -> dict[str, Any]:
    if draw(st.booleans()):
        return {none_field: "on", "rows": []}
    rows = draw(st.lists(row, min_size=1, max_size=max_rows))
    # A removed row (no JavaScript: its Remove box ticked) must not reach the document.
    if draw(st.booleans()):
        rows.append({**draw(row), "DELETE": "on"})
    return {"rows": rows}


@st.composite
def heart(draw) -> dict[str, Any]:
    values = {"hypertension": draw(choice_values(forms.HYPERTENSION_CHOICES))}
    values.update({name: draw(YES_NO) for name in builder.MEDICAL_HEART})
    if draw(st.booleans()):
        systolic = draw(st.integers(61, 300))
        values["systolic"] = str(systolic)
        values["diastolic"] = str(draw(st.integers(30, min(200, systolic - 1))))
    return values


@st.composite
def health(draw, sex: str) -> dict[str, Any]:
    values = {name: draw(YES_NO) for name in builder.MEDICAL_OTHER}
    if builder.pregnancy_applies(sex):
        values["pregnancy"] = draw(choice_values(forms.PREGNANCY_CHOICES))
        values["breastfeeding"] = draw(YES_NO)
    return values


@st.composite
def other_treatments(draw) -> dict[str, Any]:
    """The other-treatments step: every Yes with or without its follow-ups, and follow-ups left under a No."""
    count = st.one_of(st.just(""), st.integers(0, 200).map(str))
    values = {
        "episode_months": draw(count),
        "therapy": draw(st.lists(choice_values(forms.THERAPY_CHOICES), max_size=3, unique=True)),
        "therapy_months": draw(count),
        "ketamine_treatments": draw(count),
    }
    for name in ("ect", "tms"):
        values[name] = draw(YES_NO)
        values[f"{name}_sessions"] = draw(count)
        values[f"{name}_helped"] = draw(choice_values(forms.HELPED_CHOICES))
    values["augmentation"] = draw(YES_NO)
    values["augmentation_medicine"] = "lithium " + draw(typed_text(40))
    values["augmentation_antidepressant"] = "Zoloft"
    values["augmentation_weeks"] = draw(count)
    return values


@st.composite
def wizard_answers(draw) -> dict[str, dict[str, Any]]:
    about_values = draw(about())
    return {
        "about": about_values,
        "care-team": BASE["care-team"],
        "payment": draw(st.sampled_from([BASE["payment"], INSURED])),
        "diagnoses": {
            "diagnoses": draw(st.lists(choice_values(forms.DIAGNOSIS_CHOICES), min_size=1, max_size=9, unique=True)),
            "depressed_now": draw(choice_values(forms.DEPRESSED_NOW_CHOICES)),
        },
        "phq9": {f"q{i}": str(draw(st.integers(0, 3))) for i in range(1, 10)},
        "safety": draw(safety()),
        # Two rows of one drug are asked about; "separate" keeps them both.
        "antidepressants": {**draw(rows_step("none_tried", trial(), 6)), "separate_courses": "separate"},
        "treatment": {"prior_ketamine": draw(choice_values(forms.PRIOR_KETAMINE_CHOICES))},
        "other-treatments": draw(other_treatments()),
        "mental-health": {
            "psychosis": draw(choice_values(forms.PSYCHOSIS_CHOICES)),
            "schizophrenia": draw(YES_NO),
            "mania": draw(YES_NO),
        },
        "heart": draw(heart()),
        "health": draw(health(about_values["sex_at_birth"])),
        "medications": draw(rows_step("none_taking", medication(), 6)),
        "substances": {
            "alcohol_drinks_per_week": str(draw(st.integers(0, 500))),
            "substance_use_disorder": draw(choice_values(forms.SUBSTANCE_DISORDER_CHOICES)),
            "ketamine_nonmedical_use": draw(choice_values(forms.KETAMINE_USE_CHOICES)),
            **{name: draw(YES_NO) for name in builder.SUBSTANCE_FLAGS},
        },
        "getting-home": {"ride_home": draw(YES_NO)},
        "consent": {"agree_privacy": "on", "agree_contact": "on", "signed_name": "Ana " + draw(typed_text(140))},
    }


INSURED = {"payment": "insurance", "payer_name": "Aetna", "member_id": "W123", "subscriber_relationship": "self"}


def build(answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    checked = steps.check(raw_answers(answers))
    problems = {name: checked.forms[name].errors for name in steps.ANSWER_STEPS if not checked.valid[name]}
    assert checked.complete, problems
    return builder.build_document(checked.answers(), screened_on=SCREENED_ON)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wizard_answers())
def test_every_branch_of_the_wizard_gives_a_schema_valid_document(answers):
    document = build(answers)

    assert validate_document(document) == []
    assert screen(document).outcome in set(Outcome)
    # The skip logic and the conditional questions, applied in the builder.
    screen_ = document["suicide_screen"]
    if answers["safety"]["thoughts"] == "no":
        assert not (screen_["thoughts_with_method"] or screen_["intent"] or screen_["plan"])
    if answers["safety"]["behavior"] == "no":
        assert screen_["behavior"] == "never"
    if answers["about"]["sex_at_birth"] == "male":
        assert (document["patient"]["pregnancy"], document["patient"]["breastfeeding"]) == ("not_applicable", False)
    else:
        assert document["patient"]["pregnancy"] == answers["health"]["pregnancy"]
    kept = [r for r in answers["antidepressants"].get("rows", []) if "DELETE" not in r]
    assert [t["drug"] for t in document["antidepressant_trials"]] == [r["drug"].strip() for r in kept]
    assert [t["daily_dose_mg"] is None for t in document["antidepressant_trials"]] == [
        "dose_unknown" in r for r in kept
    ]
    meds = [r for r in answers["medications"].get("rows", []) if "DELETE" not in r]
    assert len(document["medications"]) == len(meds)
    # A "No" drops what was typed under it; whether ketamine helped comes from the step before.
    other, given = document["other_treatments"], answers["other-treatments"]
    for name in ("ect", "tms"):
        assert (other[name] is None) == (given[name] == "no")
    assert bool(other["augmentation"]) == (given["augmentation"] == "yes")
    if answers["treatment"]["prior_ketamine"] == "did_not_respond":
        assert other["ketamine"]["helped"] == "no"


def test_other_treatments_with_their_follow_ups():
    answers = {
        **BASE,
        "treatment": {"prior_ketamine": "did_not_respond"},
        "other-treatments": {
            **BASE["other-treatments"],
            "ect": "yes",
            "ect_sessions": "8",
            "ect_helped": "partly",
            "tms": "no",
            "tms_sessions": "30",  # typed, then answered No: dropped
            "ketamine_treatments": "6",
            "augmentation": "yes",
            "augmentation_medicine": " lithium ",
            "augmentation_antidepressant": "Zoloft",
            "augmentation_weeks": "10",
        },
    }
    other = build(answers)["other_treatments"]
    assert other["ect"] == {"sessions": 8, "helped": "partly"}
    assert other["tms"] is None
    assert other["ketamine"] == {"treatments": 6, "helped": "no"}
    assert other["augmentation"] == [{"medicine": "lithium", "antidepressant": "Zoloft", "weeks": 10}]


def test_a_yes_without_its_follow_up_is_asked_again():
    values = {**BASE["other-treatments"], "ect": "yes", "augmentation": "yes"}
    checked = steps.check(raw_answers({**BASE, "other-treatments": values}))
    errors = checked.forms["other-treatments"].errors
    assert errors["ect_helped"] == ["Please tell us whether ECT helped."]
    assert "augmentation_medicine" in errors and "augmentation_antidepressant" in errors


def test_weight_in_pounds_is_stored_in_kilograms():
    answers = {**BASE, "about": {**BASE["about"], "weight": "150", "weight_unit": "lb"}}
    assert build(answers)["patient"]["weight_kg"] == 68.0
    answers["about"] = {**BASE["about"], "weight": "70.5", "weight_unit": "kg"}
    assert build(answers)["patient"]["weight_kg"] == 70.5
    answers["about"] = {**BASE["about"], "weight": ""}
    assert build(answers)["patient"]["weight_kg"] is None


def test_the_base_answers_build_the_expected_document():
    document = build(BASE)

    assert document == {
        "schema": "intake-document/2",
        "screened_on": "2026-11-20",
        "patient": {
            "date_of_birth": "1985-03-27",
            "sex_at_birth": "female",
            "pregnancy": "no",
            "breastfeeding": False,
            "weight_kg": 68.0,
            "state": "OR",
        },
        "diagnoses": ["major_depressive_disorder"],
        "phq9": [2] * 9,
        "suicide_screen": {
            "wish_to_be_dead": False,
            "suicidal_thoughts": False,
            "thoughts_with_method": False,
            "intent": False,
            "plan": False,
            "behavior": "never",
        },
        "antidepressant_trials": [
            {
                "drug": "Zoloft",
                "daily_dose_mg": 100,
                "weeks_at_dose": 10,
                "took_as_prescribed": True,
                "improvement": "none",
                "current_episode": True,
            },
            {
                "drug": "bupropion XL",
                "daily_dose_mg": 300,
                "weeks_at_dose": 12,
                "took_as_prescribed": True,
                "improvement": "partial",
                "current_episode": True,
            },
        ],
        "prior_ketamine_treatment": "never",
        "psychiatric_history": {"psychosis": "never", "schizophrenia_spectrum": False, "mania_or_hypomania": False},
        "medical_history": {
            "hypertension": "no",
            "recent_bp": {"systolic": 120, "diastolic": 80},
            "heart_disease": False,
            "arrhythmia": False,
            "stroke_or_tia": False,
            "aneurysm_or_avm": False,
            "intracerebral_hemorrhage": False,
            "seizure_disorder": False,
            "brain_injury_or_mass": False,
            "glaucoma_or_eye_injury": False,
            "liver_disease": False,
            "bladder_or_urinary_condition": False,
            "hyperthyroidism_uncontrolled": False,
            "ketamine_allergy": False,
        },
        "substance_use": {
            "alcohol_drinks_per_week": 2,
            "substance_use_disorder": "never",
            "ketamine_nonmedical_use": "never",
            "cannabis": False,
            "stimulants_nonprescribed": False,
            "opioids_nonprescribed": False,
        },
        "medications": [],
        "logistics": {"ride_home_available": True},
        "other_treatments": {
            "episode_months": 14,
            "psychotherapy": {"kinds": ["cbt"], "months": 6},
            "ect": None,
            "tms": None,
            "ketamine": None,
            "augmentation": [],
        },
    }
    assert screen(document).outcome == Outcome.ELIGIBLE


def test_the_safety_probe_is_a_valid_document_rated_by_the_engine():
    cases = {
        "none": {"wish_dead": "no", "thoughts": "no", "behavior": "no"},
        "low": {"wish_dead": "yes", "thoughts": "no", "behavior": "no"},
        "moderate": {
            "wish_dead": "yes",
            "thoughts": "yes",
            "method": "yes",
            "intent": "no",
            "plan": "no",
            "behavior": "no",
        },
        "high": {"wish_dead": "no", "thoughts": "no", "behavior": "yes", "behavior_recent": "yes"},
    }
    for risk, safety in cases.items():
        probe = builder.safety_probe_document(safety, screened_on=SCREENED_ON)
        assert validate_document(probe) == []
        assert screen(probe).suicide_risk == risk


def test_the_test_answers_cover_every_step():
    assert set(BASE) == set(steps.STEP_NAMES)


def test_the_builder_is_pure_python_without_django():
    code = "import sys, intake.builder; assert not any(m.startswith('django') for m in sys.modules), 'django'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
