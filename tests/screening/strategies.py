"""Intake documents for the screening tests: a clean base document, path edits, hypothesis strategies."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from screening.rules.vocabulary import suggestion_names

SCREENED_ON = "2026-11-02"
REMOVE = object()  # a `document()` change that deletes the field

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """`antidepressant_trials[1].weeks_at_dose` -> ["antidepressant_trials", 1, "weeks_at_dose"]."""
    return [int(index) if index else name for name, index in _TOKEN.findall(path)]


def base_document() -> dict[str, Any]:
    """An adult on the depression pathway with TRD met (SSRI, then NDRI) and nothing else: eligible, no findings."""
    return {
        "schema": "intake-document/1",
        "screened_on": SCREENED_ON,
        "patient": {
            "date_of_birth": "1988-05-17",
            "sex_at_birth": "female",
            "pregnancy": "no",
            "breastfeeding": False,
            "weight_kg": 68.5,
            "state": "CO",
        },
        "diagnoses": ["major_depressive_disorder"],
        "phq9": [2, 2, 2, 2, 1, 2, 2, 2, 0],
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
                "drug": "sertraline",
                "daily_dose_mg": 100,
                "weeks_at_dose": 8,
                "took_as_prescribed": True,
                "improvement": "none",
                "current_episode": True,
            },
            {
                "drug": "Wellbutrin XL",
                "daily_dose_mg": 300,
                "weeks_at_dose": 10,
                "took_as_prescribed": True,
                "improvement": "partial",
                "current_episode": True,
            },
        ],
        "prior_ketamine_treatment": "never",
        "psychiatric_history": {"psychosis": "never", "schizophrenia_spectrum": False, "mania_or_hypomania": False},
        "medical_history": {
            "hypertension": "no",
            "recent_bp": {"systolic": 118, "diastolic": 76},
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
        "medications": [{"name": "atorvastatin", "daily_dose": "20 mg"}],
        "logistics": {"ride_home_available": True},
    }


def set_path(doc: Any, path: str | list[str | int], value: Any) -> None:
    """Set (or, with REMOVE, delete) the value at a path, in place."""
    parts = parse_path(path) if isinstance(path, str) else path
    target = doc
    for part in parts[:-1]:
        target = target[part]
    if value is REMOVE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


def document(changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The base document with some paths changed, e.g. {"medical_history.recent_bp": None}."""
    doc = base_document()
    for path, value in (changes or {}).items():
        set_path(doc, path, value if value is REMOVE else copy.deepcopy(value))
    return doc


def trial(drug: str = "sertraline", dose: float | None = 100, weeks: int = 8, **fields: Any) -> dict[str, Any]:
    """An adequate failed trial unless told otherwise."""
    return {
        "drug": drug,
        "daily_dose_mg": dose,
        "weeks_at_dose": weeks,
        "took_as_prescribed": fields.get("took_as_prescribed", True),
        "improvement": fields.get("improvement", "none"),
        "current_episode": fields.get("current_episode", True),
    }


def paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path inside a JSON value, containers included."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from paths(child, (*prefix, index))


# --- Hypothesis strategies ---------------------------------------------------------------------

DIAGNOSES = (
    "major_depressive_disorder",
    "bipolar_disorder",
    "ptsd",
    "generalized_anxiety_disorder",
    "ocd",
    "chronic_pain",
    "substance_use_disorder",
    "eating_disorder",
    "other",
)
NAMES = tuple(suggestion_names())


def whole(low: int, high: int) -> st.SearchStrategy[Any]:
    """A whole number, sometimes written as a float (JSON Schema counts 5.0 as an integer)."""
    return st.one_of(st.integers(low, high), st.integers(low, high).map(float))


@st.composite
def written_names(draw: st.DrawFn) -> str:
    """A vocabulary name as people write it, or any text at all."""
    if draw(st.booleans()):
        return draw(st.text(min_size=1, max_size=100))
    name = draw(st.sampled_from(NAMES))
    name = draw(st.sampled_from((name, name.upper(), name.lower(), f"  {name} ")))
    name += draw(st.sampled_from(("", " XR", "-XL", " er", " ODT")))
    name += draw(st.sampled_from(("", " 150 mg", " 0.1 mcg", " 5 ml", " 20mg")))
    return name[:100]


def trials() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "drug": written_names(),
            "daily_dose_mg": st.one_of(
                st.none(),
                st.integers(1, 2000),
                st.floats(min_value=0, max_value=2000, exclude_min=True, allow_nan=False),
            ),
            "weeks_at_dose": whole(0, 1040),
            "took_as_prescribed": st.booleans(),
            "improvement": st.sampled_from(("none", "partial", "response", "remission")),
            "current_episode": st.booleans(),
        }
    )


@st.composite
def blood_pressures(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    systolic = draw(st.integers(61, 300))
    return {"systolic": systolic, "diastolic": draw(st.integers(30, min(200, systolic - 1)))}


@st.composite
def intake_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Any schema-valid intake document, boundaries included."""
    screened_on = draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)))
    born = draw(st.dates(min_value=screened_on - timedelta(days=365 * 110), max_value=screened_on))
    patient = {
        "date_of_birth": born.isoformat(),
        "sex_at_birth": draw(st.sampled_from(("female", "male", "intersex", "prefer_not_to_say"))),
        "pregnancy": draw(st.sampled_from(("no", "yes", "unsure", "not_applicable"))),
        "breastfeeding": draw(st.booleans()),
    }
    if draw(st.booleans()):
        patient["weight_kg"] = draw(st.one_of(st.none(), st.floats(25, 350), st.integers(25, 350)))
    if draw(st.booleans()):
        patient["state"] = draw(st.from_regex(r"[A-Z]{2}", fullmatch=True))
    bools = st.booleans()
    return {
        "schema": "intake-document/1",
        "screened_on": screened_on.isoformat(),
        "patient": patient,
        "diagnoses": draw(st.lists(st.sampled_from(DIAGNOSES), unique=True)),
        "phq9": draw(st.lists(whole(0, 3), min_size=9, max_size=9)),
        "suicide_screen": draw(
            st.fixed_dictionaries(
                {
                    "wish_to_be_dead": bools,
                    "suicidal_thoughts": bools,
                    "thoughts_with_method": bools,
                    "intent": bools,
                    "plan": bools,
                    "behavior": st.sampled_from(("never", "over_3_months_ago", "within_3_months")),
                }
            )
        ),
        "antidepressant_trials": draw(st.lists(trials(), max_size=6)),
        "prior_ketamine_treatment": draw(st.sampled_from(("never", "responded", "did_not_respond"))),
        "psychiatric_history": draw(
            st.fixed_dictionaries(
                {
                    "psychosis": st.sampled_from(("never", "past", "current")),
                    "schizophrenia_spectrum": bools,
                    "mania_or_hypomania": bools,
                }
            )
        ),
        "medical_history": {
            "hypertension": draw(st.sampled_from(("no", "controlled", "uncontrolled"))),
            "recent_bp": draw(blood_pressures()),
            **{
                key: draw(bools)
                for key in (
                    "heart_disease",
                    "arrhythmia",
                    "stroke_or_tia",
                    "aneurysm_or_avm",
                    "intracerebral_hemorrhage",
                    "seizure_disorder",
                    "brain_injury_or_mass",
                    "glaucoma_or_eye_injury",
                    "liver_disease",
                    "bladder_or_urinary_condition",
                    "hyperthyroidism_uncontrolled",
                    "ketamine_allergy",
                )
            },
        },
        "substance_use": draw(
            st.fixed_dictionaries(
                {
                    "alcohol_drinks_per_week": whole(0, 500),
                    "substance_use_disorder": st.sampled_from(("never", "in_remission", "active")),
                    "ketamine_nonmedical_use": st.sampled_from(("never", "past", "current")),
                    "cannabis": bools,
                    "stimulants_nonprescribed": bools,
                    "opioids_nonprescribed": bools,
                }
            )
        ),
        "medications": draw(
            st.lists(
                st.fixed_dictionaries({"name": written_names()}, optional={"daily_dose": st.text(max_size=50)}),
                max_size=8,
            )
        ),
        "logistics": {"ride_home_available": draw(bools)},
    }


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities included on purpose
    st.text(max_size=20),
    st.sampled_from(("2026-02-30", "2026-11-02", "2026-11-02\n", "20260101", "never", "intake-document/1", "CA\n")),
    st.builds(pow, st.just(10), st.just(5000)),  # too long to print: built, so hypothesis never reprs it
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
