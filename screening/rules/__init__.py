"""The screening engine, ruleset 2026.12: intake document + clinic policy -> result. Pure Python, no Django."""

from .document import (
    AntidepressantTrial,
    BloodPressure,
    IntakeDocument,
    Logistics,
    MedicalHistory,
    Medication,
    Patient,
    PsychiatricHistory,
    SubstanceUse,
    SuicideScreen,
)
from .engine import DEFAULT_POLICY, RULES, RULESET, Rule, age_on, evaluate, screen
from .errors import FieldError, PolicyError
from .policy import Policy
from .result import Finding, MedicationSummary, Outcome, Phq9, Priority, Result, Severity, Trd, TrialAssessment
from .validation import validate_document
from .vocabulary import Drug, lookup, normalise, suggestion_names

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "RULESET",
    "AntidepressantTrial",
    "BloodPressure",
    "Drug",
    "FieldError",
    "Finding",
    "IntakeDocument",
    "Logistics",
    "MedicalHistory",
    "Medication",
    "MedicationSummary",
    "Outcome",
    "Patient",
    "Phq9",
    "Policy",
    "PolicyError",
    "Priority",
    "PsychiatricHistory",
    "Result",
    "Rule",
    "Severity",
    "SubstanceUse",
    "SuicideScreen",
    "Trd",
    "TrialAssessment",
    "age_on",
    "evaluate",
    "lookup",
    "normalise",
    "screen",
    "suggestion_names",
    "validate_document",
]
