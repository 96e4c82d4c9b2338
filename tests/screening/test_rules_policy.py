"""Clinic policy (§2, §8): defaults, validation with clear messages, JSON round trip."""

import pytest

from screening.rules import BloodPressure, FieldError, Policy, PolicyError

DEFAULTS = {
    "min_age": 18,
    "min_failed_trials": 2,
    "min_trial_weeks": 6,
    "require_distinct_classes": True,
    "phq9_min_total": 10,
    "bp_flag_above": {"systolic": 140, "diastolic": 90},
    "bp_exclude_above": {"systolic": 180, "diastolic": 100},
    "alcohol_max_drinks_per_week": 14,
}


def errors_of(data):
    with pytest.raises(PolicyError) as raised:
        Policy.from_dict(data)
    return raised.value.errors


def test_defaults():
    assert Policy().to_dict() == DEFAULTS
    assert Policy.from_dict({}) == Policy()
    assert Policy().bp_flag_above == BloodPressure(140, 90)


def test_round_trip():
    policy = Policy(min_age=21, require_distinct_classes=False, bp_exclude_above=BloodPressure(190, 110))
    assert Policy.from_dict(policy.to_dict()) == policy


def test_missing_keys_take_defaults():
    policy = Policy.from_dict({"min_age": 21, "bp_flag_above": {"systolic": 150, "diastolic": 95}})
    assert policy == Policy(min_age=21, bp_flag_above=BloodPressure(150, 95))


def test_whole_floats_are_whole_numbers():
    assert Policy.from_dict({"min_age": 21.0}).min_age == 21


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("min_age", 0, 120),
        ("min_failed_trials", 1, 10),
        ("min_trial_weeks", 1, 52),
        ("phq9_min_total", 0, 27),
        ("alcohol_max_drinks_per_week", 0, 100),
    ],
)
def test_number_ranges(key, low, high):
    assert Policy.from_dict({key: low}).to_dict()[key] == low
    assert Policy.from_dict({key: high}).to_dict()[key] == high
    message = f"must be a whole number between {low} and {high}"
    for bad in (low - 1, high + 1, True, False, 12.5, "18", None, float("nan"), 10**5000, [18]):
        assert errors_of({key: bad}) == [FieldError(key, message)], bad


def test_require_distinct_classes_is_a_boolean():
    assert errors_of({"require_distinct_classes": 1}) == [
        FieldError("require_distinct_classes", "must be true or false")
    ]
    assert Policy.from_dict({"require_distinct_classes": False}).require_distinct_classes is False


def test_unknown_keys_are_refused():
    assert errors_of({"min_agee": 18, 7: 1}) == [
        FieldError("min_agee", "is not a policy setting"),
        FieldError("7", "is not a policy setting"),
    ]


def test_not_an_object():
    assert errors_of([1]) == [FieldError("", "must be an object of policy settings")]


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("140/90", [("bp_flag_above", "must be an object with systolic and diastolic")]),
        ({"systolic": 140}, [("bp_flag_above.diastolic", "is required")]),
        (
            {"systolic": 301, "diastolic": 29},
            [
                ("bp_flag_above.systolic", "must be a whole number between 60 and 300"),
                ("bp_flag_above.diastolic", "must be a whole number between 30 and 200"),
            ],
        ),
        (
            {"systolic": 140, "diastolic": 90.5},
            [("bp_flag_above.diastolic", "must be a whole number between 30 and 200")],
        ),
        (
            {"systolic": 140, "diastolic": True},
            [("bp_flag_above.diastolic", "must be a whole number between 30 and 200")],
        ),
        (
            {"systolic": 140, "diastolic": 90, "pulse": 60},
            [("bp_flag_above.pulse", "is not part of a blood pressure")],
        ),
        ({"systolic": 90, "diastolic": 90}, [("bp_flag_above", "diastolic 90 must be below systolic 90")]),
        (
            {"systolic": 185, "diastolic": 105},
            [
                ("bp_flag_above.systolic", "must not be above bp_exclude_above.systolic (180)"),
                ("bp_flag_above.diastolic", "must not be above bp_exclude_above.diastolic (100)"),
            ],
        ),
        (
            {"systolic": 170, "diastolic": 101},
            [("bp_flag_above.diastolic", "must not be above bp_exclude_above.diastolic (100)")],
        ),
    ],
)
def test_blood_pressure_validation(value, errors):
    assert errors_of({"bp_flag_above": value}) == [FieldError(path, message) for path, message in errors]


def test_flag_may_equal_exclude():
    same = {"systolic": 160, "diastolic": 95}
    assert Policy.from_dict({"bp_flag_above": same, "bp_exclude_above": same}).bp_flag_above == BloodPressure(160, 95)


def test_flag_checked_against_a_lowered_exclude():
    assert errors_of({"bp_exclude_above": {"systolic": 130, "diastolic": 100}}) == [
        FieldError("bp_flag_above.systolic", "must not be above bp_exclude_above.systolic (130)")
    ]


def test_every_problem_is_reported_together():
    errors = errors_of({"min_age": -1, "phq9_min_total": 30, "colour": "red", "require_distinct_classes": "yes"})
    assert [e.path for e in errors] == ["colour", "min_age", "phq9_min_total", "require_distinct_classes"]
    assert "min_age: must be a whole number between 0 and 120" in str(PolicyError(errors))
