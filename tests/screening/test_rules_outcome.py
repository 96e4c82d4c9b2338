"""Outcome precedence (§1), finding order and uniqueness (§4), and the result's JSON shape."""

import json

import pytest

from screening.rules import RULES, RULESET, Outcome, Priority, Result, Severity, evaluate, screen
from screening.rules.engine import REPORT_ORDER
from tests.screening.strategies import document

URGENT = {"suicide_screen.plan": True}
EXCLUDE = {"patient.pregnancy": "yes"}
FLAG = {"medical_history.seizure_disorder": True}
NOTE = {"substance_use.cannabis": True}

# The §4 table, in its order.
TABLE = [
    "AGE_UNDER_MIN",
    "INDICATION_OFF_PATHWAY",
    "NO_ANTIDEPRESSANT_TRIAL",
    "TRD_NOT_MET",
    "TRD_SINGLE_CLASS",
    "TRIAL_REPEATED",
    "DEPRESSION_MILD",
    "PHQ9_ITEM9_POSITIVE",
    "SUICIDE_RISK_HIGH",
    "SUICIDE_RISK_MODERATE",
    "SUICIDE_RISK_LOW",
    "SCHIZOPHRENIA_SPECTRUM",
    "PSYCHOSIS_CURRENT",
    "PSYCHOSIS_HISTORY",
    "BIPOLAR_OR_MANIA",
    "ANEURYSM_OR_AVM",
    "INTRACEREBRAL_HEMORRHAGE",
    "KETAMINE_HYPERSENSITIVITY",
    "BP_SEVERE",
    "BP_ELEVATED",
    "HEART_DISEASE",
    "STROKE_HISTORY",
    "PREGNANT",
    "PREGNANCY_POSSIBLE",
    "BREASTFEEDING",
    "SEIZURE_DISORDER",
    "RAISED_INTRACRANIAL_PRESSURE",
    "GLAUCOMA_OR_EYE_INJURY",
    "LIVER_DISEASE",
    "BLADDER_CONDITION",
    "HYPERTHYROIDISM_UNCONTROLLED",
    "CARDIAC_MEDICATION",
    "OPIOID_USE",
    "BENZODIAZEPINE_USE",
    "SEDATIVE_HYPNOTIC_USE",
    "STIMULANT_USE",
    "MAOI_USE",
    "LAMOTRIGINE_USE",
    "ANTIPSYCHOTIC_USE",
    "THEOPHYLLINE_USE",
    "THYROID_HORMONE_USE",
    "MEDICATION_UNRECOGNISED",
    "ALCOHOL_HEAVY",
    "SUBSTANCE_USE_ACTIVE",
    "SUBSTANCE_USE_REMISSION",
    "KETAMINE_MISUSE",
    "CANNABIS_USE",
    "PRIOR_KETAMINE_NONRESPONSE",
    "NO_RIDE_HOME",
]
SEVERITIES = {
    "urgent": {"SUICIDE_RISK_HIGH"},
    "exclude": {
        "AGE_UNDER_MIN",
        "NO_ANTIDEPRESSANT_TRIAL",
        "SCHIZOPHRENIA_SPECTRUM",
        "PSYCHOSIS_CURRENT",
        "ANEURYSM_OR_AVM",
        "INTRACEREBRAL_HEMORRHAGE",
        "KETAMINE_HYPERSENSITIVITY",
        "BP_SEVERE",
        "PREGNANT",
    },
    "note": {
        "PHQ9_ITEM9_POSITIVE",
        "SUICIDE_RISK_LOW",
        "LAMOTRIGINE_USE",
        "ANTIPSYCHOTIC_USE",
        "THEOPHYLLINE_USE",
        "THYROID_HORMONE_USE",
        "MEDICATION_UNRECOGNISED",
        "TRIAL_REPEATED",
        "SUBSTANCE_USE_REMISSION",
        "CANNABIS_USE",
        "NO_RIDE_HOME",
    },
}
SOURCES = (
    "FDA MDD draft guidance",
    "Seed articles",
    "SPRAVATO",
    "Ketalar",
    "Swiss ketamine label",
    "ACEP",
    "APA",
    "MGH-ATRQ",
    "PHQ-9",
    "C-SSRS",
)


def test_rules_table_is_the_spec_table_in_order():
    assert [rule.code for rule in RULES] == TABLE


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_severity_and_source(rule):
    expected = next((severity for severity, codes in SEVERITIES.items() if rule.code in codes), "flag")
    assert rule.severity == expected
    assert rule.source
    assert rule.source.split(";")[0].startswith((*SOURCES, "Andrashko", "Anand"))


@pytest.mark.parametrize(
    ("changes", "outcome", "priority"),
    [
        ({}, "eligible", "routine"),
        (NOTE, "eligible", "routine"),
        ({**FLAG, **NOTE}, "needs_review", "routine"),
        ({**EXCLUDE, **FLAG, **NOTE}, "ineligible", "routine"),
        ({**URGENT, **EXCLUDE, **FLAG, **NOTE}, "needs_review", "urgent"),
        (URGENT, "needs_review", "urgent"),
    ],
    ids=["nothing", "note", "flag", "exclude-over-flag", "urgent-over-exclude", "urgent"],
)
def test_outcome_precedence(changes, outcome, priority):
    result = evaluate(document(changes))
    assert (result.outcome, result.priority) == (Outcome(outcome), Priority(priority))


def test_findings_are_ordered_by_severity_then_table_order():
    changes = {
        **URGENT,
        **EXCLUDE,
        **FLAG,
        **NOTE,
        "logistics.ride_home_available": False,
        "patient.date_of_birth": "2010-01-01",
        "medical_history.heart_disease": True,
        "phq9": [0, 0, 0, 0, 0, 0, 0, 0, 3],
        "medications": [{"name": "kratom"}, {"name": "Xanax"}, {"name": "lithium"}],
    }
    codes = [f.code for f in evaluate(document(changes)).findings]
    assert codes == [
        "SUICIDE_RISK_HIGH",
        "AGE_UNDER_MIN",
        "PREGNANT",
        "DEPRESSION_MILD",
        "HEART_DISEASE",
        "SEIZURE_DISORDER",
        "BENZODIAZEPINE_USE",
        "PHQ9_ITEM9_POSITIVE",
        "ANTIPSYCHOTIC_USE",
        "MEDICATION_UNRECOGNISED",
        "CANNABIS_USE",
        "NO_RIDE_HOME",
    ]
    assert [rule.code for rule in REPORT_ORDER if rule.code in codes] == codes


def test_each_code_fires_once():
    changes = {
        "medical_history.heart_disease": True,
        "medical_history.arrhythmia": True,
        "medications": [{"name": n} for n in ("Toprol-XL", "lisinopril", "Percocet", "Norco", "Xanax", "Ativan")],
        "substance_use.opioids_nonprescribed": True,
        "diagnoses": ["bipolar_disorder"],
        "psychiatric_history.mania_or_hypomania": True,
        "suicide_screen.intent": True,
        "suicide_screen.plan": True,
        "suicide_screen.behavior": "within_3_months",
    }
    codes = [f.code for f in evaluate(document(changes)).findings]
    assert len(codes) == len(set(codes))
    assert {"HEART_DISEASE", "CARDIAC_MEDICATION", "OPIOID_USE", "BENZODIAZEPINE_USE", "BIPOLAR_OR_MANIA"} <= set(codes)


def test_only_the_strongest_suicide_finding():
    result = evaluate(document({"suicide_screen.plan": True, "suicide_screen.wish_to_be_dead": True}))
    codes = [f.code for f in result.findings]
    assert codes == ["SUICIDE_RISK_HIGH"]


def test_summaries():
    changes = {
        "phq9": [3, 3, 3, 3, 3, 3, 2, 0, 2],
        "suicide_screen.wish_to_be_dead": True,
        "medications": [{"name": "Toprol-XL 50 mg"}, {"name": "kratom"}, {"name": "atorvastatin"}],
    }
    result = evaluate(document(changes))
    assert result.phq9.total == 22
    assert result.phq9.severity == "severe"
    assert result.suicide_risk == "low"
    assert [m.to_dict() for m in result.medications] == [
        {"name": "Toprol-XL 50 mg", "generic": "metoprolol", "classes": ["cardiovascular"]},
        {"name": "kratom", "generic": None, "classes": []},
        {"name": "atorvastatin", "generic": "atorvastatin", "classes": ["lipid_lowering"]},
    ]


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total, band):
    items = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    items += [0] * (9 - len(items))
    assert evaluate(document({"phq9": items})).phq9.severity == band


def test_result_json_shape():
    result = screen(document({"antidepressant_trials[0].weeks_at_dose": 2, **NOTE}))
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        *("ruleset", "outcome", "priority", "findings", "trd", "phq9", "suicide_risk", "medications"),
        "maudsley",  # informational, 2027.01
    ]
    assert data["ruleset"] == RULESET == "2027.01"
    assert [list(f) for f in data["findings"]] == [["code", "severity", "message", "source"]] * len(data["findings"])
    assert list(data["trd"]) == ["met", "adequate_failed_trials", "classes", "trials"]
    assert list(data["trd"]["trials"][0]) == ["drug", "generic", "class", "adequate", "failed", "reasons"]
    assert list(data["phq9"]) == ["total", "severity"]
    assert list(data["medications"][0]) == ["name", "generic", "classes"]
    assert data["findings"][0]["severity"] in {s.value for s in Severity}


def test_result_round_trips_through_json():
    result = evaluate(document({**URGENT, **FLAG, "medications": [{"name": "kratom"}]}))
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_evaluate_takes_a_dict_or_a_document():
    from screening.rules import IntakeDocument

    doc = document(FLAG)
    assert evaluate(doc) == evaluate(IntakeDocument.from_dict(doc))
    assert IntakeDocument.from_dict(IntakeDocument.from_dict(doc).to_dict()) == IntakeDocument.from_dict(doc)
