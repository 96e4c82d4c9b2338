"""Treatment-resistant depression (§3, §8): adequacy, failure, reasons, classes."""

import pytest

from screening.rules import Policy, evaluate
from screening.rules.vocabulary import all_drugs
from tests.screening.strategies import document, trial

ANTIDEPRESSANTS = [drug for drug in all_drugs() if drug.antidepressant]


def trd(*trials, policy=None):
    return evaluate(document({"antidepressant_trials": list(trials)}), policy or Policy()).trd


def reasons(one_trial, policy=None):
    return list(trd(one_trial, policy=policy).trials[0].reasons)


@pytest.mark.parametrize(
    ("one_trial", "expected"),
    [
        (trial("sertraline"), []),
        (trial("herbal tea"), ["drug_unrecognised"]),
        (trial("aripiprazole", 10), ["not_an_antidepressant"]),
        (trial("atorvastatin", 10), ["not_an_antidepressant"]),
        (trial("sertraline", None), ["dose_unknown"]),
        (trial("sertraline", 25), ["dose_below_minimum"]),
        (trial("sertraline", weeks=5), ["too_short"]),
        (trial("sertraline", took_as_prescribed=False), ["not_taken_as_prescribed"]),
        (trial("sertraline", current_episode=False), ["previous_episode"]),
        (trial("sertraline", improvement="response"), ["responded"]),
        (trial("sertraline", improvement="remission"), ["responded"]),
        (trial("sertraline", improvement="partial"), []),
    ],
)
def test_each_reason(one_trial, expected):
    assert reasons(one_trial) == expected


def test_every_reason_in_the_order_of_section_3():
    everything = trial("herbal tea", None, 1, took_as_prescribed=False, current_episode=False, improvement="remission")
    assert reasons(everything) == [
        "drug_unrecognised",
        "dose_unknown",
        "too_short",
        "not_taken_as_prescribed",
        "previous_episode",
        "responded",
    ]
    low = trial("Zoloft", 10, 2, took_as_prescribed=False, current_episode=False, improvement="response")
    assert reasons(low) == [
        "dose_below_minimum",
        "too_short",
        "not_taken_as_prescribed",
        "previous_episode",
        "responded",
    ]


def test_dose_below_minimum_only_when_the_drug_has_one():
    assert reasons(trial("herbal tea", 1)) == ["drug_unrecognised"]
    assert reasons(trial("selegiline", 1)) == ["not_an_antidepressant"]


def test_trial_fields():
    assessed = trd(trial("Wellbutrin XL 150 mg", 150, improvement="response")).trials[0]
    assert assessed.to_dict() == {
        "drug": "Wellbutrin XL 150 mg",
        "generic": "bupropion",
        "class": "ndri",
        "adequate": False,
        "failed": False,
        "reasons": ["dose_below_minimum", "responded"],
    }
    unknown = trd(trial("herbal tea")).trials[0]
    assert (unknown.generic, unknown.drug_class, unknown.adequate, unknown.failed) == (None, None, False, True)


@pytest.mark.parametrize("drug", ANTIDEPRESSANTS, ids=lambda drug: drug.generic)
def test_minimum_dose_boundary_for_every_antidepressant(drug):
    just_under = trial(drug.generic, drug.min_dose_mg - 0.5)
    at_minimum = trial(drug.generic, drug.min_dose_mg)
    assert reasons(just_under) == ["dose_below_minimum"]
    assert reasons(at_minimum) == []
    assert trd(at_minimum).trials[0].drug_class == drug.drug_class


def test_weeks_boundary_follows_the_policy():
    assert reasons(trial(weeks=5)) == ["too_short"]
    assert reasons(trial(weeks=6)) == []
    assert reasons(trial(weeks=6), Policy(min_trial_weeks=8)) == ["too_short"]


def test_distinct_classes_required():
    two_ssris = trd(trial("sertraline"), trial("Prozac", 40))
    assert (two_ssris.met, two_ssris.adequate_failed_trials, two_ssris.classes) == (False, 2, ("ssri",))
    ssri_and_snri = trd(trial("sertraline"), trial("Effexor XR", 225))
    assert (ssri_and_snri.met, ssri_and_snri.classes) == (True, ("ssri", "snri"))


def test_distinct_classes_not_required():
    two_ssris = trd(trial("sertraline"), trial("Prozac", 40), policy=Policy(require_distinct_classes=False))
    assert two_ssris.met


def test_classes_in_order_of_first_appearance_of_counting_trials():
    result = trd(
        trial("mirtazapine", 15, improvement="response"),  # does not count
        trial("Effexor", 150),
        trial("sertraline"),
        trial("venlafaxine", 300),
        trial("Nardil", 45),
    )
    assert result.classes == ("snri", "ssri", "maoi")
    # venlafaxine is Effexor again: TRD is failure of different antidepressants (2027.01), so it counts once.
    assert result.adequate_failed_trials == 3
    assert result.trials[3].reasons == ("repeated",)


def test_previous_episode_trials_are_ignored():
    result = trd(trial("sertraline", current_episode=False), trial("bupropion", 300, current_episode=False))
    assert (result.met, result.adequate_failed_trials, result.classes) == (False, 0, ())
    codes = [f.code for f in evaluate(document({"antidepressant_trials": [trial(current_episode=False)]})).findings]
    assert codes == ["TRD_NOT_MET"]


def test_min_failed_trials_policy():
    three = (trial("sertraline"), trial("bupropion", 300), trial("mirtazapine", 30))
    assert not trd(*three[:2], policy=Policy(min_failed_trials=3)).met
    assert trd(*three, policy=Policy(min_failed_trials=3)).met


def test_selegiline_plain_and_transdermal():
    assert reasons(trial("selegiline", 10)) == ["not_an_antidepressant"]
    assert reasons(trial("Eldepryl", 10)) == ["not_an_antidepressant"]
    assert reasons(trial("Zelapar ODT", 10)) == ["not_an_antidepressant"]
    assert reasons(trial("Emsam", 6)) == []
    assert reasons(trial("selegiline transdermal", 6)) == []
    assert reasons(trial("Emsam", 3)) == ["dose_below_minimum"]


def test_fractional_doses_and_integral_floats():
    assert reasons(trial("escitalopram", 9.99)) == ["dose_below_minimum"]
    assert reasons(trial("escitalopram", 10.0, 6.0)) == []
