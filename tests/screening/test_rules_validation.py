"""Input errors (§5, §8): every error, each at its own path, in plain words; no input ever raises."""

from decimal import Decimal

import pytest

from screening.rules import FieldError, Result, screen, validate_document
from screening.rules.validation import fast_accepts, format_path, schema_errors
from tests.screening.strategies import REMOVE, base_document, document, paths, set_path, trial

TWO_TRIALS = [trial(), trial("bupropion", 300)]

# (kind, changes, path, message)
INVALID = [
    ("missing top-level field", {"logistics": REMOVE}, "logistics", "is required"),
    ("missing nested field", {"patient.date_of_birth": REMOVE}, "patient.date_of_birth", "is required"),
    (
        "unexpected nested field",
        {"medical_history.hart_disease": True},
        "medical_history.hart_disease",
        "is not an expected field",
    ),
    ("unexpected top-level field", {"notes": "x"}, "notes", "is not an expected field"),
    (
        "wrong schema version",
        {"schema": "intake-document/3"},
        "schema",
        "must be one of: intake-document/1, intake-document/2",
    ),
    ("impossible date", {"screened_on": "2026-02-30"}, "screened_on", "is not a real calendar date"),
    ("29 February of a common year", {"patient.date_of_birth": "1990-02-29"}, "patient.date_of_birth", None),
    ("compact date", {"screened_on": "20260101"}, "screened_on", "must be a date in the form YYYY-MM-DD"),
    ("date with time", {"screened_on": "2026-01-01T00:00:00"}, "screened_on", None),
    ("date with a newline", {"screened_on": "2026-01-01\n"}, "screened_on", None),
    ("week number date", {"screened_on": "2026-W01-1"}, "screened_on", None),
    ("date not text", {"screened_on": 20260101}, "screened_on", "must be a date in the form YYYY-MM-DD"),
    (
        "born after screening",
        {"patient.date_of_birth": "2026-11-03"},
        "patient.date_of_birth",
        "is after the screening date (2026-11-02)",
    ),
    (
        "weeks out of range",
        {"antidepressant_trials": TWO_TRIALS, "antidepressant_trials[1].weeks_at_dose": 1041},
        "antidepressant_trials[1].weeks_at_dose",
        "must be a whole number between 0 and 1040",
    ),
    (
        "weeks not whole",
        {"antidepressant_trials[1].weeks_at_dose": 6.5},
        "antidepressant_trials[1].weeks_at_dose",
        "must be a whole number between 0 and 1040",
    ),
    (
        "weeks negative",
        {"antidepressant_trials[0].weeks_at_dose": -1},
        "antidepressant_trials[0].weeks_at_dose",
        "must be a whole number between 0 and 1040",
    ),
    (
        "zero dose",
        {"antidepressant_trials[0].daily_dose_mg": 0},
        "antidepressant_trials[0].daily_dose_mg",
        "must be a number above 0 and at most 2000, or null",
    ),
    (
        "dose as text",
        {"antidepressant_trials[0].daily_dose_mg": "100 mg"},
        "antidepressant_trials[0].daily_dose_mg",
        "must be a number above 0 and at most 2000, or null",
    ),
    (
        "NaN dose",
        {"antidepressant_trials[0].daily_dose_mg": float("nan")},
        "antidepressant_trials[0].daily_dose_mg",
        "must be a number above 0 and at most 2000, or null",
    ),
    ("missing trial drug", {"antidepressant_trials[0].drug": REMOVE}, "antidepressant_trials[0].drug", "is required"),
    ("empty drug name", {"antidepressant_trials[0].drug": ""}, "antidepressant_trials[0].drug", "must not be empty"),
    ("too many trials", {"antidepressant_trials": [trial()] * 31}, "antidepressant_trials", None),
    ("short PHQ-9", {"phq9": [1] * 8}, "phq9", "must have exactly 9 entries"),
    ("PHQ-9 item too high", {"phq9[3]": 4}, "phq9[3]", "must be a whole number between 0 and 3"),
    ("PHQ-9 item a boolean", {"phq9[2]": True}, "phq9[2]", "must be a whole number between 0 and 3"),
    ("duplicate diagnosis", {"diagnoses": ["ptsd", "ptsd"]}, "diagnoses", "must not list the same value twice"),
    ("unknown diagnosis", {"diagnoses": ["depression"]}, "diagnoses[0]", None),
    (
        "unknown psychosis answer",
        {"psychiatric_history.psychosis": "sometimes"},
        "psychiatric_history.psychosis",
        "must be one of: never, past, current",
    ),
    (
        "systolic out of range",
        {"medical_history.recent_bp.systolic": 400},
        "medical_history.recent_bp.systolic",
        "must be a whole number between 60 and 300",
    ),
    (
        "diastolic missing",
        {"medical_history.recent_bp.diastolic": REMOVE},
        "medical_history.recent_bp.diastolic",
        "is required",
    ),
    (
        "blood pressure extra field",
        {"medical_history.recent_bp.pulse": 70},
        "medical_history.recent_bp.pulse",
        "is not an expected field",
    ),
    (
        "diastolic not below systolic",
        {"medical_history.recent_bp": {"systolic": 120, "diastolic": 120}},
        "medical_history.recent_bp",
        "diastolic 120 must be below systolic 120",
    ),
    (
        "blood pressure as text",
        {"medical_history.recent_bp": "120/80"},
        "medical_history.recent_bp",
        "must be null or an object with systolic and diastolic",
    ),
    (
        "boolean as text",
        {"logistics.ride_home_available": "yes"},
        "logistics.ride_home_available",
        "must be true or false",
    ),
    ("state lower case", {"patient.state": "co"}, "patient.state", None),
    ("state with a newline", {"patient.state": "CO\n"}, "patient.state", None),
    (
        "weight out of range",
        {"patient.weight_kg": 10},
        "patient.weight_kg",
        "must be a number between 25 and 350, or null",
    ),
    ("empty medication name", {"medications[0].name": ""}, "medications[0].name", "must not be empty"),
    ("medication extra field", {"medications[0].dose": "20 mg"}, "medications[0].dose", "is not an expected field"),
    ("medication not an object", {"medications[0]": "atorvastatin"}, "medications[0]", None),
    ("medications not a list", {"medications": {"name": "x"}}, "medications", None),
    ("section not an object", {"substance_use": []}, "substance_use", None),
    (
        "drinks out of range",
        {"substance_use.alcohol_drinks_per_week": 501},
        "substance_use.alcohol_drinks_per_week",
        "must be a whole number between 0 and 500",
    ),
    (
        "drinks a huge int",
        {"substance_use.alcohol_drinks_per_week": 10**5000},
        "substance_use.alcohol_drinks_per_week",
        None,
    ),
    (
        "long medication name",
        {"medications[0].name": "x" * 101},
        "medications[0].name",
        "must be at most 100 characters",
    ),
]


@pytest.mark.parametrize(("kind", "changes", "path", "message"), INVALID, ids=[row[0] for row in INVALID])
def test_invalid_document_reports_the_exact_path(kind, changes, path, message):
    errors = validate_document(document(changes))
    assert [e.path for e in errors] == [path], errors
    if message is not None:
        assert errors[0].message == message
    assert errors[0].message and "{" not in errors[0].message  # plain words, no Python reprs
    assert screen(document(changes)) == errors


def test_valid_document_has_no_errors():
    assert validate_document(base_document()) == []
    assert isinstance(screen(base_document()), Result)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "must be an intake document (a JSON object)"),
        ("text", "must be an intake document (a JSON object)"),
        (42, "must be an intake document (a JSON object)"),
        (None, "must be an intake document (a JSON object)"),
    ],
)
def test_whole_document_errors_are_at_the_empty_path(doc, message):
    assert validate_document(doc) == [FieldError("", message)]


def test_every_error_is_reported_not_just_the_first():
    doc = document(
        {
            "screened_on": "2026-13-01",
            "patient.pregnancy": "maybe",
            "phq9[8]": 9,
            "antidepressant_trials[1].weeks_at_dose": -2,
            "medical_history.hart_disease": True,
            "medical_history.recent_bp": {"systolic": 80, "diastolic": 90},
            "logistics": REMOVE,
        }
    )
    assert {e.path for e in validate_document(doc)} == {
        "screened_on",
        "patient.pregnancy",
        "phq9[8]",
        "antidepressant_trials[1].weeks_at_dose",
        "medical_history.hart_disease",
        "medical_history.recent_bp",
        "logistics",
    }


def test_an_empty_object_lists_every_required_field():
    paths = [e.path for e in validate_document({})]
    assert paths[:3] == ["schema", "screened_on", "patient"]
    assert len(paths) == 13


def test_odd_keys_get_readable_paths():
    errors = validate_document(document({"patient.first name": "x", "medical_history.recent_bp.1": 3}))
    assert {e.path for e in errors} == {'patient["first name"]', 'medical_history.recent_bp["1"]'}


def test_birth_on_the_screening_day_is_fine():
    assert validate_document(document({"patient.date_of_birth": "2026-11-02"})) == []


GARBAGE = {
    "huge int": 10**5000,
    "huge negative int": -(10**5000),
    "NaN": float("nan"),
    "infinity": float("inf"),
    "Decimal NaN": Decimal("NaN"),
    "Decimal sNaN": Decimal("sNaN"),
    "bytes": b"bytes",
    "set": {1, 2},
    "object": object(),
    "tuple": (1, 2),
    "odd keys": {1: 2, None: 3, 10**5000: 4},
    "long key": {"x" * 10_000: 1},
    "list of lists": [[1], [1]],
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize(
    "path",
    [
        "",
        "patient",
        "patient.weight_kg",
        "phq9",
        "phq9[0]",
        "diagnoses",
        "diagnoses[0]",
        "medical_history.recent_bp",
        "antidepressant_trials[0].daily_dose_mg",
        "medications[0].name",
        "screened_on",
    ],
)
def test_garbage_anywhere_never_raises(garbage, path):
    doc = garbage if path == "" else document({path: garbage})
    outcome = screen(doc)
    assert isinstance(outcome, list)
    assert outcome
    assert all(isinstance(e, FieldError) and isinstance(e.message, str) for e in outcome)
    assert FieldError("", "could not be read as an intake document") not in outcome  # a precise error, not the net


def test_deep_nesting_never_raises():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    assert screen(deep) == [FieldError("", "must be an intake document (a JSON object)")]
    for path in ("diagnoses", "diagnoses[0]", "medical_history.recent_bp", "patient.hobby", "phq9"):
        doc = base_document()
        set_path(doc, path, deep)  # not document(): it would deep-copy the nesting
        errors = screen(doc)
        assert errors
        assert all(e.path.startswith(path) for e in errors)


def test_tuples_behave_like_lists():
    doc = document()
    doc["phq9"] = tuple(doc["phq9"])
    doc["diagnoses"] = tuple(doc["diagnoses"])
    assert fast_accepts(doc)
    assert schema_errors(doc) == []
    assert isinstance(screen(doc), Result)


def test_whole_floats_are_whole_numbers():
    doc = document({"phq9": [2.0] * 9, "substance_use.alcohol_drinks_per_week": 3.0})
    assert validate_document(doc) == []
    assert screen(doc).phq9.total == 18


def test_decimal_numbers_are_numbers():
    assert isinstance(screen(document({"antidepressant_trials[0].daily_dose_mg": Decimal("100.5")})), Result)


EDGE_VALUES = [None, True, False, 0, -1, 1.5, 2.0, 10**30, float("nan"), float("inf"), "", "CA\n", "2026-02-29"]
EDGE_VALUES += ["2024-02-29", "2026-11-02\n", "x" * 101, [], {}, [1] * 9, {"systolic": 120, "diastolic": 80}]


@pytest.mark.parametrize("path", list(paths(base_document())), ids=format_path)
def test_fast_and_slow_paths_agree_on_edge_values(path):
    """The fast path must never accept what the explaining path refuses (nor the other way round)."""
    for value in EDGE_VALUES:
        doc = base_document()
        set_path(doc, list(path), value)
        assert fast_accepts(doc) == (schema_errors(doc) == []), value
