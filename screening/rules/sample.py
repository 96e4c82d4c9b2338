"""Varied, schema-valid intake documents from a seeded random generator (benchmarks, demo data)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .vocabulary import all_drugs, suggestion_names

__all__ = ["random_document"]

_DIAGNOSES = (
    "bipolar_disorder",
    "ptsd",
    "generalized_anxiety_disorder",
    "ocd",
    "chronic_pain",
    "substance_use_disorder",
    "eating_disorder",
    "other",
)
_STATES = ("CA", "NY", "TX", "FL", "WA", "CO", "IL", "MA", "OR", "AZ", "PA", "GA", "NC", "MN", "PR")
_UNKNOWN_NAMES = ("St John's wort", "kratom", "ashwagandha", "Brainzyme", "herbal sleep tea", "CBD oil")
_ANTIDEPRESSANTS = tuple(drug for drug in all_drugs() if drug.antidepressant)
_NAMES = tuple(suggestion_names())
_FLAGGED = {"benzodiazepine", "sedative_hypnotic", "opioid", "stimulant", "cardiovascular", "maoi", "antipsychotic"}
_PLAIN_NAMES = tuple(
    name for drug in all_drugs() if not _FLAGGED & set(drug.classes) and not drug.antidepressant for name in drug.names
)


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _written(rng: random.Random, name: str) -> str:
    """A name as a patient might type it: other case, a release suffix, a strength."""
    roll = rng.random()
    if roll < 0.15:
        name = name.upper()
    elif roll < 0.3:
        name = name.lower()
    if _chance(rng, 0.15):
        name += rng.choice((" XR", " ER", "-XL", " SR", " ODT"))
    if _chance(rng, 0.25):
        name += rng.choice((" 10 mg", " 150mg", " 0.1 mcg", " 5 ml", " 2.5 mg"))
    return name


def _trial(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.85:
        drug = rng.choice(_ANTIDEPRESSANTS)
        name = _written(rng, rng.choice(drug.names))
        minimum = float(drug.min_dose_mg or 10)
        dose: float | None = round(minimum * rng.choice((0.25, 0.5, 1, 1, 1.5, 2, 3)), 1)
    elif roll < 0.93:
        name, dose = rng.choice(("aripiprazole", "quetiapine", "lithium", "selegiline")), 10.0
    else:
        name, dose = rng.choice(_UNKNOWN_NAMES), 100.0
    if _chance(rng, 0.1):
        dose = None
    return {
        "drug": name,
        "daily_dose_mg": dose if dose is None else min(max(dose, 0.5), 2000),
        "weeks_at_dose": rng.choice((1, 2, 4, 5, 6, 8, 12, 26, 52)),
        "took_as_prescribed": _chance(rng, 0.9),
        "improvement": rng.choice(("none", "none", "partial", "partial", "response", "remission")),
        "current_episode": _chance(rng, 0.85),
    }


def _bp(rng: random.Random) -> dict[str, int] | None:
    if _chance(rng, 0.2):
        return None
    systolic = rng.randint(95, 195)
    return {"systolic": systolic, "diastolic": rng.randint(55, min(systolic - 1, 115))}


def _candidate_trials(rng: random.Random) -> list[dict[str, Any]]:
    """Two or three adequate failed trials, usually from different classes: TRD met."""
    trials = []
    for drug in rng.sample(_ANTIDEPRESSANTS, rng.choice((2, 2, 3))):
        trials.append(
            {
                "drug": _written(rng, rng.choice(drug.names)),
                "daily_dose_mg": float(drug.min_dose_mg or 0) * rng.choice((1, 1.5, 2)),
                "weeks_at_dose": rng.choice((6, 8, 10, 12, 16)),
                "took_as_prescribed": True,
                "improvement": rng.choice(("none", "partial")),
                "current_episode": True,
            }
        )
    return trials


def _make_candidate(rng: random.Random, doc: dict[str, Any]) -> None:
    """Turn a random document into a likely-eligible one, so every outcome is well represented."""
    extra = rng.sample(("ptsd", "generalized_anxiety_disorder"), rng.randint(0, 1))
    doc["diagnoses"] = ["major_depressive_disorder", *extra]
    doc["phq9"] = [*(rng.choice((1, 2, 2, 3)) for _ in range(8)), 0]
    doc["suicide_screen"] = {
        "wish_to_be_dead": False,
        "suicidal_thoughts": False,
        "thoughts_with_method": False,
        "intent": False,
        "plan": False,
        "behavior": "never",
    }
    doc["antidepressant_trials"] = _candidate_trials(rng)
    doc["prior_ketamine_treatment"] = "never"
    doc["psychiatric_history"] = {"psychosis": "never", "schizophrenia_spectrum": False, "mania_or_hypomania": False}
    history = doc["medical_history"]
    for key in history:
        if isinstance(history[key], bool):
            history[key] = False
    history["hypertension"] = rng.choice(("no", "no", "controlled"))
    history["recent_bp"] = {"systolic": rng.randint(100, 138), "diastolic": rng.randint(60, 88)}
    doc["substance_use"] = {
        "alcohol_drinks_per_week": rng.randint(0, 10),
        "substance_use_disorder": "never",
        "ketamine_nonmedical_use": "never",
        "cannabis": False,
        "stimulants_nonprescribed": False,
        "opioids_nonprescribed": False,
    }
    doc["medications"] = [{"name": _written(rng, rng.choice(_PLAIN_NAMES))} for _ in range(rng.randint(0, 3))]
    doc["logistics"] = {"ride_home_available": True}
    born = date.fromisoformat(doc["screened_on"]) - timedelta(days=rng.randint(19 * 365, 75 * 365))
    doc["patient"]["date_of_birth"] = born.isoformat()
    if doc["patient"]["pregnancy"] != "not_applicable":
        doc["patient"]["pregnancy"] = "no"
    doc["patient"]["breastfeeding"] = False


def random_document(rng: random.Random, screened_on: str) -> dict[str, Any]:
    """One plausible intake document screened on `screened_on` (YYYY-MM-DD); about a third are clean candidates."""
    doc = _random_document(rng, screened_on)
    if _chance(rng, 0.35):
        _make_candidate(rng, doc)
    return doc


def _random_document(rng: random.Random, screened_on: str) -> dict[str, Any]:
    day = date.fromisoformat(screened_on)
    born = day - timedelta(days=rng.randint(16 * 365, 80 * 365))
    sex = rng.choice(("female", "female", "male", "male", "intersex", "prefer_not_to_say"))
    female = sex == "female"
    patient: dict[str, Any] = {
        "date_of_birth": born.isoformat(),
        "sex_at_birth": sex,
        "pregnancy": rng.choice(("no",) * 18 + ("yes", "unsure")) if female else "not_applicable",
        "breastfeeding": female and _chance(rng, 0.04),
    }
    if _chance(rng, 0.8):
        patient["weight_kg"] = round(rng.uniform(45, 140), 1) if _chance(rng, 0.95) else None
    if _chance(rng, 0.9):
        patient["state"] = rng.choice(_STATES)
    diagnoses = ["major_depressive_disorder"] if _chance(rng, 0.85) else []
    diagnoses += rng.sample(_DIAGNOSES, rng.choice((0, 0, 1, 2)))
    rare = 0.04
    thoughts = _chance(rng, 0.15)
    return {
        "schema": "intake-document/1",
        "screened_on": screened_on,
        "patient": patient,
        "diagnoses": diagnoses,
        "phq9": [rng.choices((0, 1, 2, 3), weights=(2, 3, 4, 3))[0] for _ in range(8)]
        + [rng.choices((0, 1, 2, 3), weights=(12, 3, 1, 1))[0]],
        "suicide_screen": {
            "wish_to_be_dead": thoughts or _chance(rng, 0.15),
            "suicidal_thoughts": thoughts,
            "thoughts_with_method": thoughts and _chance(rng, 0.3),
            "intent": thoughts and _chance(rng, 0.1),
            "plan": thoughts and _chance(rng, 0.1),
            "behavior": rng.choice(("never",) * 30 + ("over_3_months_ago", "over_3_months_ago", "within_3_months")),
        },
        "antidepressant_trials": [_trial(rng) for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 6)))],
        "prior_ketamine_treatment": rng.choice(("never",) * 8 + ("responded", "did_not_respond")),
        "psychiatric_history": {
            "psychosis": rng.choice(("never",) * 25 + ("past", "current")),
            "schizophrenia_spectrum": _chance(rng, 0.01),
            "mania_or_hypomania": _chance(rng, 0.05),
        },
        "medical_history": {
            "hypertension": rng.choice(("no",) * 12 + ("controlled", "controlled", "uncontrolled")),
            "recent_bp": _bp(rng),
            "heart_disease": _chance(rng, rare),
            "arrhythmia": _chance(rng, rare),
            "stroke_or_tia": _chance(rng, 0.01),
            "aneurysm_or_avm": _chance(rng, 0.005),
            "intracerebral_hemorrhage": _chance(rng, 0.005),
            "seizure_disorder": _chance(rng, 0.02),
            "brain_injury_or_mass": _chance(rng, 0.01),
            "glaucoma_or_eye_injury": _chance(rng, 0.02),
            "liver_disease": _chance(rng, 0.02),
            "bladder_or_urinary_condition": _chance(rng, 0.02),
            "hyperthyroidism_uncontrolled": _chance(rng, 0.01),
            "ketamine_allergy": _chance(rng, 0.005),
        },
        "substance_use": {
            "alcohol_drinks_per_week": rng.choice((0, 0, 0, 1, 2, 4, 7, 10, 14, 15, 21, 35)),
            "substance_use_disorder": rng.choice(("never",) * 16 + ("in_remission", "in_remission", "active")),
            "ketamine_nonmedical_use": rng.choice(("never",) * 25 + ("past", "current")),
            "cannabis": _chance(rng, 0.2),
            "stimulants_nonprescribed": _chance(rng, 0.02),
            "opioids_nonprescribed": _chance(rng, 0.02),
        },
        "medications": [
            {"name": _written(rng, rng.choice(_NAMES))}
            if _chance(rng, 0.95)
            else {"name": rng.choice(_UNKNOWN_NAMES), "daily_dose": "as needed"}
            for _ in range(rng.choice((0, 1, 1, 2, 3, 4, 6)))
        ],
        "logistics": {"ride_home_available": _chance(rng, 0.92)},
    }
