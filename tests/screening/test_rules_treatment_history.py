"""Treatment history (ruleset 2027.01): repeated trials, new antidepressants, ketamine trials, intake-document/2
and the Maudsley staging score."""

import json

import pytest

from screening.rules import Policy, evaluate, screen
from tests.screening.strategies import document, trial

OTHER = {
    "episode_months": 30,
    "psychotherapy": {"kinds": ["cbt", "ipt"], "months": 6},
    "ect": {"sessions": 8, "helped": "no"},
    "tms": None,
    "ketamine": None,
    "augmentation": [{"medicine": "lithium", "antidepressant": "sertraline", "weeks": 8}],
}


def version_2(changes=None, other=OTHER):
    return document({"schema": "intake-document/2", "other_treatments": other, **(changes or {})})


def codes(result):
    return [f.code for f in result.findings]


def test_the_same_drug_written_two_ways_counts_once_and_is_noted():
    result = evaluate(document({"antidepressant_trials": [trial("sertralin"), trial("Zolof", 100)]}))
    assert result.trd.adequate_failed_trials == 1
    assert [t.reasons for t in result.trd.trials] == [(), ("repeated",)]
    assert [t.adequate for t in result.trd.trials] == [True, True]  # reported as for any trial (§8)
    assert result.trd.classes == ("ssri",)
    assert "TRD_NOT_MET" in codes(result) and "TRD_SINGLE_CLASS" not in codes(result)
    note = next(f for f in result.findings if f.code == "TRIAL_REPEATED")
    assert note.severity == "note"
    assert '"sertralin" and "Zolof"' in note.message and "separate courses" in note.message


def test_repeated_is_noted_whatever_the_adequacy_and_only_once():
    trials = [trial("Zoloft", 25), trial("sertraline 50 mg", 100), trial("Prozac", 20), trial("fluoxetine", 10)]
    result = evaluate(document({"antidepressant_trials": trials}))
    assert codes(result).count("TRIAL_REPEATED") == 1
    assert "repeated" not in result.trd.trials[1].reasons  # the first adequate failed sertraline counts
    assert result.trd.adequate_failed_trials == 2


def test_repeated_comes_after_every_other_reason_and_a_response_is_never_a_repeat():
    result = evaluate(
        document({"antidepressant_trials": [trial("Lexapro", 10), trial("escitalopram", 10, improvement="response")]})
    )
    assert result.trd.trials[1].reasons == ("responded",)
    assert "TRIAL_REPEATED" in codes(result)


def test_two_drugs_of_one_class_are_not_repeats():
    result = evaluate(document({"antidepressant_trials": [trial("sertraline"), trial("Prozac", 20)]}))
    assert "TRIAL_REPEATED" not in codes(result)
    assert result.trd.adequate_failed_trials == 2


@pytest.mark.parametrize(
    ("written", "generic", "minimum"),
    [("Auvelity", "dextromethorphan-bupropion", 90), ("Exxua", "gepirone", 18.2), ("gepirone ER", "gepirone", 18.2)],
)
def test_antidepressants_approved_since_the_list_was_made(written, generic, minimum):
    adequate = evaluate(document({"antidepressant_trials": [trial(written, minimum)]})).trd.trials[0]
    below = evaluate(document({"antidepressant_trials": [trial(written, minimum / 2)]})).trd.trials[0]
    assert (adequate.generic, adequate.reasons) == (generic, ())
    assert below.reasons == ("dose_below_minimum",)


@pytest.mark.parametrize("written", ["Spravato", "esketamine nasal spray", "ketamine", "Ketalar"])
def test_esketamine_or_ketamine_as_a_trial_is_prior_ketamine_treatment(written):
    result = evaluate(document({"antidepressant_trials": [trial(written, 56)]}))
    assessed = result.trd.trials[0]
    assert assessed.generic in ("esketamine", "ketamine") and assessed.reasons == ("not_an_antidepressant",)
    flag = next(f for f in result.findings if f.code == "PRIOR_KETAMINE_NONRESPONSE")
    assert "read as prior ketamine treatment" in flag.message
    assert "MEDICATION_UNRECOGNISED" not in codes(result)


def test_a_ketamine_trial_that_helped_is_not_a_nonresponse():
    result = evaluate(document({"antidepressant_trials": [trial("Spravato", 84, improvement="remission")]}))
    assert "PRIOR_KETAMINE_NONRESPONSE" not in codes(result)


def test_a_version_1_document_still_screens_with_an_incomplete_maudsley_score():
    result = screen(document())
    assert result.maudsley.complete is False and result.maudsley.band is None
    assert [p.points for p in result.maudsley.parts if p.name in ("duration", "augmentation", "ect")] == [None] * 3


def test_a_version_2_document_needs_other_treatments_and_a_version_1_refuses_them():
    assert [e.path for e in screen(document({"schema": "intake-document/2"}))] == ["other_treatments"]
    errors = screen(document({"other_treatments": OTHER}))
    assert [(e.path, e.message) for e in errors] == [("other_treatments", "is not a field of intake-document/1")]
    bad = screen(version_2(other={**OTHER, "tms": {"sessions": 0, "helped": "maybe"}}))
    assert {e.path for e in bad} == {"other_treatments.tms.sessions", "other_treatments.tms.helped"}


def test_maudsley_score_from_its_parts():
    trials = [trial("sertraline"), trial("bupropion", 300), trial("mirtazapine", 30)]
    result = screen(version_2({"antidepressant_trials": trials, "phq9": [3, 3, 3, 3, 3, 3, 2, 0, 0]}))
    parts = {p.name: p.points for p in result.maudsley.parts}
    # 30 months: 3; PHQ-9 20 severe: 4; 3 failed: 2; augmentation 1; ECT 1.
    assert parts == {"duration": 3, "severity": 4, "failed_antidepressants": 2, "augmentation": 1, "ect": 1}
    assert (result.maudsley.score, result.maudsley.band, result.maudsley.complete) == (11, "severe", True)
    assert "Fekadu" in result.maudsley.source


def test_maudsley_changes_no_outcome():
    plain = screen(version_2(other={**OTHER, "ect": None, "augmentation": []}))
    staged = screen(version_2())
    assert (plain.outcome, plain.priority, plain.findings) == (staged.outcome, staged.priority, staged.findings)


def test_the_result_round_trips_through_json_with_the_maudsley_block():
    from screening.rules import Result

    result = screen(version_2())
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_depression_mild_names_the_real_band():
    result = evaluate(document({"phq9": [2, 2, 2, 2, 2, 2, 2, 2, 2]}), Policy(phq9_min_total=19))
    flag = next(f for f in result.findings if f.code == "DEPRESSION_MILD")
    assert flag.message == "PHQ-9 total 18 (moderately severe band) is below this clinic's minimum of 19 for treatment."
    assert " mild" not in flag.message
