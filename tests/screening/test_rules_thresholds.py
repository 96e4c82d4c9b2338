"""Every rule: one document where it fires and one, at the threshold, where it just does not."""

import pytest

from screening.rules import RULES, BloodPressure, Policy, evaluate
from tests.screening.strategies import document, trial

ONE_SSRI = [trial("sertraline")]
TWO_SSRIS = [trial("sertraline"), trial("fluoxetine", 20)]
FLAG_POLICY = Policy()


def codes(changes, policy=FLAG_POLICY):
    return [finding.code for finding in evaluate(document(changes), policy).findings]


def meds(*names):
    return {"medications": [{"name": name} for name in names]}


def bp(systolic, diastolic, hypertension="no"):
    return {
        "medical_history.recent_bp": {"systolic": systolic, "diastolic": diastolic},
        "medical_history.hypertension": hypertension,
    }


def suicide(**answers):
    return {f"suicide_screen.{key}": value for key, value in answers.items()}


def phq9(*items):
    return {"phq9": list(items)}


# code -> (changes where it fires, changes where it just does not)
CASES = {
    "AGE_UNDER_MIN": [
        ({"patient.date_of_birth": "2008-11-03"}, {"patient.date_of_birth": "2008-11-02"}),  # 17 vs 18 on birthday
        (
            {"patient.date_of_birth": "2008-02-29", "screened_on": "2026-02-28"},
            {"patient.date_of_birth": "2008-02-29", "screened_on": "2026-03-01"},
        ),
    ],
    "INDICATION_OFF_PATHWAY": [
        ({"diagnoses": ["ptsd", "chronic_pain"]}, {"diagnoses": ["ptsd", "major_depressive_disorder"]}),
        ({"diagnoses": []}, {"diagnoses": ["bipolar_disorder"]}),
    ],
    "NO_ANTIDEPRESSANT_TRIAL": [
        ({"antidepressant_trials": []}, {"antidepressant_trials": ONE_SSRI}),
        ({"antidepressant_trials": []}, {"antidepressant_trials": [], "diagnoses": ["ptsd"]}),
    ],
    "TRD_NOT_MET": [
        ({"antidepressant_trials": ONE_SSRI}, {"antidepressant_trials": [*ONE_SSRI, trial("bupropion", 300)]}),
        ({"antidepressant_trials": [trial(weeks=5)]}, {"antidepressant_trials": []}),
    ],
    "TRD_SINGLE_CLASS": [
        ({"antidepressant_trials": TWO_SSRIS}, {"antidepressant_trials": [*ONE_SSRI, trial("mirtazapine", 15)]}),
    ],
    "TRIAL_REPEATED": [
        # The same generic twice, however written, whatever the adequacy; two SSRIs are not a repeat.
        ({"antidepressant_trials": [trial("sertralin"), trial("Zolof", 25)]}, {"antidepressant_trials": TWO_SSRIS}),
    ],
    "DEPRESSION_MILD": [(phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), phq9(1, 1, 1, 1, 1, 1, 1, 1, 2))],  # 9 vs 10
    "PHQ9_ITEM9_POSITIVE": [(phq9(2, 2, 2, 2, 2, 2, 2, 2, 1), phq9(2, 2, 2, 2, 2, 2, 2, 2, 0))],
    "SUICIDE_RISK_HIGH": [
        (suicide(intent=True), suicide(suicidal_thoughts=True)),
        (suicide(plan=True), suicide(thoughts_with_method=True)),
        (suicide(behavior="within_3_months"), suicide(behavior="over_3_months_ago")),
    ],
    "SUICIDE_RISK_MODERATE": [
        (suicide(suicidal_thoughts=True), suicide(wish_to_be_dead=True)),
        (suicide(thoughts_with_method=True), suicide(thoughts_with_method=True, plan=True)),
        (suicide(behavior="over_3_months_ago"), suicide(behavior="never")),
    ],
    "SUICIDE_RISK_LOW": [
        (suicide(wish_to_be_dead=True), suicide(wish_to_be_dead=False)),
        (suicide(wish_to_be_dead=True), suicide(wish_to_be_dead=True, suicidal_thoughts=True)),
    ],
    "SCHIZOPHRENIA_SPECTRUM": [
        ({"psychiatric_history.schizophrenia_spectrum": True}, {"psychiatric_history.schizophrenia_spectrum": False})
    ],
    "PSYCHOSIS_CURRENT": [({"psychiatric_history.psychosis": "current"}, {"psychiatric_history.psychosis": "past"})],
    "PSYCHOSIS_HISTORY": [({"psychiatric_history.psychosis": "past"}, {"psychiatric_history.psychosis": "never"})],
    "BIPOLAR_OR_MANIA": [
        ({"diagnoses": ["bipolar_disorder"]}, {"diagnoses": ["major_depressive_disorder"]}),
        ({"psychiatric_history.mania_or_hypomania": True}, {"psychiatric_history.mania_or_hypomania": False}),
    ],
    "ANEURYSM_OR_AVM": [({"medical_history.aneurysm_or_avm": True}, {})],
    "INTRACEREBRAL_HEMORRHAGE": [({"medical_history.intracerebral_hemorrhage": True}, {})],
    "KETAMINE_HYPERSENSITIVITY": [({"medical_history.ketamine_allergy": True}, {})],
    "BP_SEVERE": [(bp(181, 100), bp(180, 100)), (bp(180, 101), bp(180, 100))],
    "BP_ELEVATED": [
        (bp(141, 90), bp(140, 90)),
        (bp(140, 91), bp(140, 90)),
        (bp(120, 80, "uncontrolled"), bp(120, 80, "controlled")),
        (bp(180, 100, "uncontrolled"), bp(181, 100, "uncontrolled")),  # severe replaces elevated
        ({"medical_history.recent_bp": None, "medical_history.hypertension": "uncontrolled"}, bp(120, 80)),
    ],
    "HEART_DISEASE": [({"medical_history.heart_disease": True}, {}), ({"medical_history.arrhythmia": True}, {})],
    "STROKE_HISTORY": [({"medical_history.stroke_or_tia": True}, {})],
    "PREGNANT": [({"patient.pregnancy": "yes"}, {"patient.pregnancy": "unsure"})],
    "PREGNANCY_POSSIBLE": [({"patient.pregnancy": "unsure"}, {"patient.pregnancy": "no"})],
    "BREASTFEEDING": [({"patient.breastfeeding": True}, {"patient.breastfeeding": False})],
    "SEIZURE_DISORDER": [({"medical_history.seizure_disorder": True}, {})],
    "RAISED_INTRACRANIAL_PRESSURE": [({"medical_history.brain_injury_or_mass": True}, {})],
    "GLAUCOMA_OR_EYE_INJURY": [({"medical_history.glaucoma_or_eye_injury": True}, {})],
    "LIVER_DISEASE": [({"medical_history.liver_disease": True}, {})],
    "BLADDER_CONDITION": [({"medical_history.bladder_or_urinary_condition": True}, {})],
    "HYPERTHYROIDISM_UNCONTROLLED": [({"medical_history.hyperthyroidism_uncontrolled": True}, {})],
    "CARDIAC_MEDICATION": [(meds("Toprol-XL"), meds("atorvastatin")), (meds("Entresto"), meds("metformin"))],
    "OPIOID_USE": [
        (meds("Percocet"), meds("naltrexone")),
        (meds("Suboxone"), meds("ibuprofen")),
        ({"substance_use.opioids_nonprescribed": True}, {}),
    ],
    "BENZODIAZEPINE_USE": [(meds("Xanax"), meds("buspirone"))],
    "SEDATIVE_HYPNOTIC_USE": [(meds("Ambien CR"), meds("melatonin"))],
    "STIMULANT_USE": [
        (meds("Adderall XR"), meds("sumatriptan")),
        ({"substance_use.stimulants_nonprescribed": True}, {}),
    ],
    "MAOI_USE": [
        (meds("Nardil"), meds("sertraline")),
        (meds("Emsam"), meds("Zoloft")),
        (meds("selegiline"), meds("escitalopram")),
        (meds("Azilect"), meds("Lexapro")),
    ],
    "LAMOTRIGINE_USE": [(meds("Lamictal XR"), meds("levetiracetam"))],
    "ANTIPSYCHOTIC_USE": [(meds("Abilify"), meds("Depakote")), (meds("lithium 300 mg"), meds("gabapentin"))],
    "THEOPHYLLINE_USE": [(meds("theophylline"), meds("albuterol")), (meds("aminophylline"), meds("montelukast"))],
    "THYROID_HORMONE_USE": [(meds("Synthroid 0.1 mcg"), meds("methimazole")), (meds("Cytomel"), meds("prednisone"))],
    "MEDICATION_UNRECOGNISED": [(meds("kratom"), meds("atorvastatin")), (meds("Flexeril 5"), meds("Tylenol 325 mg"))],
    "ALCOHOL_HEAVY": [
        ({"substance_use.alcohol_drinks_per_week": 15}, {"substance_use.alcohol_drinks_per_week": 14}),
    ],
    "SUBSTANCE_USE_ACTIVE": [
        ({"substance_use.substance_use_disorder": "active"}, {"substance_use.substance_use_disorder": "in_remission"})
    ],
    "SUBSTANCE_USE_REMISSION": [
        ({"substance_use.substance_use_disorder": "in_remission"}, {"substance_use.substance_use_disorder": "never"})
    ],
    "KETAMINE_MISUSE": [
        ({"substance_use.ketamine_nonmedical_use": "past"}, {"substance_use.ketamine_nonmedical_use": "never"}),
        ({"substance_use.ketamine_nonmedical_use": "current"}, {"substance_use.ketamine_nonmedical_use": "never"}),
    ],
    "CANNABIS_USE": [({"substance_use.cannabis": True}, {"substance_use.cannabis": False})],
    "PRIOR_KETAMINE_NONRESPONSE": [
        ({"prior_ketamine_treatment": "did_not_respond"}, {"prior_ketamine_treatment": "responded"})
    ],
    "NO_RIDE_HOME": [({"logistics.ride_home_available": False}, {"logistics.ride_home_available": True})],
}

PAIRS = [(code, fires, quiet) for code, pairs in CASES.items() for fires, quiet in pairs]


def test_base_document_is_eligible_with_no_findings():
    result = evaluate(document())
    assert result.findings == ()
    assert result.outcome == "eligible"
    assert result.trd.met


def test_every_rule_has_cases():
    assert set(CASES) == {rule.code for rule in RULES}


@pytest.mark.parametrize(("code", "fires", "quiet"), PAIRS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(PAIRS)])
def test_rule_fires_and_just_does_not(code, fires, quiet):
    assert code in codes(fires)
    assert code not in codes(quiet)


@pytest.mark.parametrize(
    ("policy", "changes", "code"),
    [
        (Policy(min_age=21), {"patient.date_of_birth": "2005-11-03"}, "AGE_UNDER_MIN"),
        (Policy(phq9_min_total=16), {}, "DEPRESSION_MILD"),
        (Policy(alcohol_max_drinks_per_week=1), {}, "ALCOHOL_HEAVY"),
        (Policy(min_failed_trials=3), {}, "TRD_NOT_MET"),
        (Policy(min_trial_weeks=9), {}, "TRD_NOT_MET"),
        (Policy(bp_flag_above=BloodPressure(117, 90)), {}, "BP_ELEVATED"),
    ],
)
def test_policy_moves_the_threshold(policy, changes, code):
    assert code not in codes(changes)
    assert code in codes(changes, policy)


def test_single_class_needs_the_policy():
    changes = {"antidepressant_trials": TWO_SSRIS}
    assert "TRD_SINGLE_CLASS" in codes(changes)
    assert codes(changes, Policy(require_distinct_classes=False)) == []


def test_trial_just_short_of_the_weeks_does_not_count():
    assert "TRD_NOT_MET" in codes({"antidepressant_trials[0].weeks_at_dose": 5})
    assert "TRD_NOT_MET" not in codes({"antidepressant_trials[0].weeks_at_dose": 6})


def test_trial_just_under_the_minimum_dose_does_not_count():
    assert "TRD_NOT_MET" in codes({"antidepressant_trials[0].daily_dose_mg": 49.9})
    assert "TRD_NOT_MET" not in codes({"antidepressant_trials[0].daily_dose_mg": 50})


def test_messages_name_the_values_that_fired():
    def message(changes, code):
        return next(f.message for f in evaluate(document(changes)).findings if f.code == code)

    assert message(bp(182, 95), "BP_SEVERE") == "Blood pressure 182/95 is above the exclusion limit of 180/100."
    assert message(bp(141, 90), "BP_ELEVATED") == "Blood pressure 141/90 is above the review limit of 140/90."
    assert "uncontrolled" in message(bp(120, 80, "uncontrolled"), "BP_ELEVATED")
    assert "17" in message({"patient.date_of_birth": "2008-11-03"}, "AGE_UNDER_MIN")
    assert "PHQ-9 total 9 (mild band)" in message(phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), "DEPRESSION_MILD")
    assert "15" in message({"substance_use.alcohol_drinks_per_week": 15}, "ALCOHOL_HEAVY")
    assert "Toprol-XL (metoprolol)" in message(meds("Toprol-XL"), "CARDIAC_MEDICATION")
    assert '"kratom"' in message(meds("kratom"), "MEDICATION_UNRECOGNISED")
    assert "intent" in message(suicide(intent=True), "SUICIDE_RISK_HIGH")
    assert "SSRI" in message({"antidepressant_trials": TWO_SSRIS}, "TRD_SINGLE_CLASS")
    assert "1 of 1" in message({"antidepressant_trials": ONE_SSRI}, "TRD_NOT_MET")
    assert "PTSD" in message({"diagnoses": ["ptsd"]}, "INDICATION_OFF_PATHWAY")
    assert "non-prescribed" in message({"substance_use.opioids_nonprescribed": True}, "OPIOID_USE")
