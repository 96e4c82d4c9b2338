"""Every reason the engine can give for "ineligible" has a kind explanation and what to do instead."""

import re

from intake.patient_messages import FALLBACK, INELIGIBLE_REASONS, ineligible_reasons
from screening.rules import RULES, Severity


def test_every_exclude_code_in_the_engine_has_a_kind_explanation():
    exclude_codes = {rule.code for rule in RULES if rule.severity == Severity.EXCLUDE}

    assert exclude_codes, "the engine's rule table has exclude rules"
    assert exclude_codes <= set(INELIGIBLE_REASONS), exclude_codes - set(INELIGIBLE_REASONS)


def test_explanations_are_plain_words_never_codes():
    for reason in INELIGIBLE_REASONS.values():
        for text in (str(reason.explanation), str(reason.instead)):
            assert text.endswith(".")
            assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b", text)


def test_reasons_follow_the_exclude_findings_once_each():
    findings = [
        {"code": "PREGNANT", "severity": "exclude"},
        {"code": "BP_SEVERE", "severity": "exclude"},
        {"code": "BP_ELEVATED", "severity": "flag"},
        {"code": "CANNABIS_USE", "severity": "note"},
    ]
    assert ineligible_reasons(findings) == [INELIGIBLE_REASONS["PREGNANT"], INELIGIBLE_REASONS["BP_SEVERE"]]
    assert ineligible_reasons([{"code": "SOMETHING_NEW", "severity": "exclude"}]) == [FALLBACK]
