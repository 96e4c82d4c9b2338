"""Properties over generated documents: valid ones always screen, nothing ever raises, fast == slow path."""

import copy
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.rules import FieldError, Outcome, Policy, Priority, Result, Severity, screen, validate_document
from screening.rules.sample import random_document
from screening.rules.validation import fast_accepts, schema_errors
from tests.screening.strategies import JSON_VALUES, intake_documents, paths, set_path

NET = FieldError("", "could not be read as an intake document")  # the catch-all; JSON should never need it
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected_route(result: Result) -> tuple[Outcome, Priority]:
    severities = {f.severity for f in result.findings}
    if Severity.URGENT in severities:
        return Outcome.NEEDS_REVIEW, Priority.URGENT
    if Severity.EXCLUDE in severities:
        return Outcome.INELIGIBLE, Priority.ROUTINE
    if Severity.FLAG in severities:
        return Outcome.NEEDS_REVIEW, Priority.ROUTINE
    return Outcome.ELIGIBLE, Priority.ROUTINE


policies = st.builds(
    Policy,
    min_age=st.integers(0, 120),
    min_failed_trials=st.integers(1, 10),
    min_trial_weeks=st.integers(1, 52),
    require_distinct_classes=st.booleans(),
    phq9_min_total=st.integers(0, 27),
    alcohol_max_drinks_per_week=st.integers(0, 100),
)


@SETTINGS
@given(doc=intake_documents(), policy=policies)
def test_every_valid_document_screens(doc, policy):
    assert validate_document(doc) == []
    result = screen(doc, policy)
    assert isinstance(result, Result)
    assert (result.outcome, result.priority) == expected_route(result)
    codes = [f.code for f in result.findings if f.code != "MEDICATION_UNRECOGNISED"]
    assert len(codes) == len(set(codes))
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks)
    assert len(result.trd.trials) == len(doc["antidepressant_trials"])
    assert len(result.medications) == len(doc["medications"])
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert Policy.from_dict(policy.to_dict()) == policy


@SETTINGS
@given(garbage=JSON_VALUES)
def test_garbage_never_raises(garbage):
    outcome = screen(garbage)
    assert isinstance(outcome, list)
    assert all(isinstance(e.path, str) and e.message for e in outcome)
    assert NET not in outcome


@SETTINGS
@given(doc=intake_documents(), data=st.data())
def test_one_broken_field_is_reported_and_never_raises(doc, data):
    """Replace, remove or add one field anywhere: never an exception, and both validators agree."""
    target = data.draw(st.sampled_from(sorted(paths(doc), key=str)))
    action = data.draw(st.sampled_from(("replace", "remove", "add")))
    broken = copy.deepcopy(doc)
    if action == "replace":
        set_path(broken, list(target), data.draw(JSON_VALUES))
    elif action == "remove":
        parent = broken
        for part in target[:-1]:
            parent = parent[part]
        del parent[target[-1]]
    else:
        parent = broken
        for part in target[:-1]:
            parent = parent[part]
        if isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=10))] = data.draw(JSON_VALUES)
    outcome = screen(broken)
    assert isinstance(outcome, Result) or (outcome and NET not in outcome)
    # The fast path may only accept what the explaining path accepts, and the other way round.
    assert fast_accepts(broken) == (schema_errors(broken) == [])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), day=st.dates().map(lambda d: d.isoformat()))
def test_sample_documents_are_schema_valid(seed, day):
    doc = random_document(random.Random(seed), max(day, "1900-01-01"))
    assert validate_document(doc) == []
    assert isinstance(screen(doc), Result)


def test_sample_documents_cover_every_outcome():
    rng = random.Random(7)
    outcomes = {screen(random_document(rng, "2026-11-02")).outcome for _ in range(500)}
    assert outcomes == set(Outcome)
