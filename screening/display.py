"""The case page's clinical summary in a clinician's words, built from the frozen intake document and the
engine's stored result (read-only use of the engine's vocabulary for minimum doses).

Pure functions over dicts: no database, so the case page's query count does not depend on them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from localflavor.us.us_states import STATE_CHOICES

from .rules import age_on, lookup

SEVERITY_HEADINGS = [
    ("urgent", "Urgent"),
    ("exclude", "Exclusions"),
    ("flag", "Flags for review"),
    ("note", "Notes"),
]

PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things",
    "Moving or speaking slowly, or being fidgety or restless",
    "Thoughts that you would be better off dead or of hurting yourself",
]
PHQ9_SCALE = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
PHQ9_BANDS = {
    "minimal": "Minimal (0-4)",
    "mild": "Mild (5-9)",
    "moderate": "Moderate (10-14)",
    "moderately_severe": "Moderately severe (15-19)",
    "severe": "Severe (20-27)",
}
SUICIDE_RISK = {"none": "None", "low": "Low", "moderate": "Moderate", "high": "High"}
CSSRS_ITEMS = [
    ("wish_to_be_dead", "1. Wish to be dead (past month)"),
    ("suicidal_thoughts", "2. Non-specific active suicidal thoughts (past month)"),
    ("thoughts_with_method", "3. Suicidal thoughts with method, no plan or intent (past month)"),
    ("intent", "4. Suicidal intent, without a specific plan (past month)"),
    ("plan", "5. Suicidal intent with a specific plan (past month)"),
    ("behavior", "6. Suicidal behaviour (lifetime)"),
]
BEHAVIOR = {
    "never": "Never",
    "over_3_months_ago": "Yes, more than 3 months ago",
    "within_3_months": "Yes, within 3 months",
}
IMPROVEMENT = {
    "none": "None (< 25 %)",
    "partial": "Partial (25-49 %)",
    "response": "Response (≥ 50 %)",
    "remission": "Remission",
}
DRUG_CLASSES = {
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "Tricyclic (TCA)",
    "maoi": "MAOI",
    "ndri": "NDRI",
    "nassa": "NaSSA",
    "sari": "SARI",
    "serotonin_modulator": "Serotonin modulator",
    "nmda_ndri": "NMDA antagonist + NDRI",
    "azapirone": "5-HT1A agonist (azapirone)",
    "ketamine": "Ketamine / esketamine",
    "benzodiazepine": "Benzodiazepine",
    "sedative_hypnotic": "Sedative-hypnotic",
    "opioid": "Opioid",
    "stimulant": "Stimulant",
    "cardiovascular": "Cardiovascular",
    "antipsychotic": "Antipsychotic",
}
DIAGNOSES = {
    "major_depressive_disorder": "Major depressive disorder",
    "bipolar_disorder": "Bipolar disorder",
    "ptsd": "PTSD",
    "generalized_anxiety_disorder": "Generalized anxiety disorder",
    "ocd": "OCD",
    "chronic_pain": "Chronic pain",
    "substance_use_disorder": "Substance use disorder",
    "eating_disorder": "Eating disorder",
    "other": "Other / unsure",
}

# Every leaf of the intake document the summary does not already show, in the order a clinician reads it.
ANSWER_SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Patient",
        [
            ("patient.date_of_birth", "Date of birth"),
            ("patient.sex_at_birth", "Sex assigned at birth"),
            ("patient.pregnancy", "Pregnant"),
            ("patient.breastfeeding", "Breastfeeding"),
            ("patient.weight_kg", "Weight (kg)"),
            ("patient.state", "State of residence"),
        ],
    ),
    (
        "Diagnoses and treatment history",
        [
            ("diagnoses", "Diagnoses reported"),
            ("prior_ketamine_treatment", "Earlier ketamine treatment"),
        ],
    ),
    (
        "Psychiatric history",
        [
            ("psychiatric_history.psychosis", "Psychosis"),
            ("psychiatric_history.schizophrenia_spectrum", "Schizophrenia-spectrum disorder"),
            ("psychiatric_history.mania_or_hypomania", "Mania or hypomania"),
        ],
    ),
    (
        "Heart and circulation",
        [
            ("medical_history.hypertension", "High blood pressure"),
            ("medical_history.recent_bp", "Recent blood pressure"),
            ("medical_history.heart_disease", "Heart disease"),
            ("medical_history.arrhythmia", "Arrhythmia"),
            ("medical_history.stroke_or_tia", "Stroke or TIA"),
            ("medical_history.aneurysm_or_avm", "Aneurysm or AVM"),
            ("medical_history.intracerebral_hemorrhage", "Intracerebral hemorrhage"),
        ],
    ),
    (
        "Other medical history",
        [
            ("medical_history.seizure_disorder", "Seizure disorder"),
            ("medical_history.brain_injury_or_mass", "Brain injury or mass"),
            ("medical_history.glaucoma_or_eye_injury", "Glaucoma or eye injury"),
            ("medical_history.liver_disease", "Liver disease"),
            ("medical_history.bladder_or_urinary_condition", "Bladder or urinary condition"),
            ("medical_history.hyperthyroidism_uncontrolled", "Uncontrolled hyperthyroidism"),
            ("medical_history.ketamine_allergy", "Ketamine allergy"),
        ],
    ),
    (
        "Substance use",
        [
            ("substance_use.alcohol_drinks_per_week", "Alcoholic drinks per week"),
            ("substance_use.substance_use_disorder", "Substance use disorder"),
            ("substance_use.ketamine_nonmedical_use", "Non-medical ketamine use"),
            ("substance_use.cannabis", "Cannabis"),
            ("substance_use.stimulants_nonprescribed", "Non-prescribed stimulants"),
            ("substance_use.opioids_nonprescribed", "Non-prescribed opioids"),
        ],
    ),
    ("Logistics", [("logistics.ride_home_available", "Ride home after treatment available")]),
]
ANSWER_LABELS = {path: label for _title, rows in ANSWER_SECTIONS for path, label in rows}
VALUE_WORDS = {
    "prior_ketamine_treatment": {
        "never": "Never",
        "responded": "Yes, it helped",
        "did_not_respond": "Yes, it did not help",
    },
    "psychiatric_history.psychosis": {"never": "Never", "past": "In the past", "current": "Current"},
    "medical_history.hypertension": {"no": "No", "controlled": "Yes, controlled", "uncontrolled": "Yes, uncontrolled"},
    "substance_use.substance_use_disorder": {"never": "Never", "in_remission": "In remission", "active": "Active"},
    "substance_use.ketamine_nonmedical_use": {"never": "Never", "past": "In the past", "current": "Current"},
    "patient.pregnancy": {"no": "No", "yes": "Yes", "unsure": "Not sure", "not_applicable": "Not asked"},
    "patient.sex_at_birth": {
        "female": "Female",
        "male": "Male",
        "intersex": "Intersex",
        "prefer_not_to_say": "Prefers not to say",
    },
}


def _get(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@cache
def _state_names() -> dict[str, Any]:
    # Built once, the names lazy (translated when shown): reading STATE_CHOICES sorts its ~60 names in the
    # active language each time, ~2.5 ms of a case page.
    return dict(STATE_CHOICES)


def words(path: str, value: Any) -> str:
    """One answer in words ("Yes", "140/90 mmHg", "Never")."""
    if value is None:
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if path in VALUE_WORDS:
        return VALUE_WORDS[path].get(str(value), str(value))
    if path == "diagnoses":
        return ", ".join(DIAGNOSES.get(d, d) for d in value) or "None"
    if path == "medical_history.recent_bp" and isinstance(value, dict):
        return f"{value.get('systolic')}/{value.get('diastolic')} mmHg"
    if path == "patient.state":
        return _state_names().get(value, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def answer_sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"title": title, "rows": [{"label": label, "value": words(path, _get(document, path))} for path, label in rows]}
        for title, rows in ANSWER_SECTIONS
    ]


def patient_summary(document: dict[str, Any], *, today: date) -> dict[str, Any]:
    patient = document.get("patient") or {}
    age = None
    with contextlib.suppress(KeyError, TypeError, ValueError):
        age = age_on(date.fromisoformat(patient["date_of_birth"]), today)
    state = patient.get("state")
    return {
        "age": age,
        "state": state,
        "state_name": _state_names().get(state, state) if state else None,
        "sex": words("patient.sex_at_birth", patient.get("sex_at_birth")),
    }


def findings_by_severity(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Non-empty severity groups, strongest first, each finding with its message and source."""
    groups = []
    for severity, heading in SEVERITY_HEADINGS:
        items = [f for f in findings if f.get("severity") == severity]
        if items:
            groups.append({"severity": severity, "heading": heading, "findings": items})
    return groups


def phq9_rows(items: list[int]) -> list[dict[str, Any]]:
    return [
        {"number": i + 1, "question": PHQ9_ITEMS[i], "score": score, "answer": PHQ9_SCALE.get(score, str(score))}
        for i, score in enumerate(items[: len(PHQ9_ITEMS)])
    ]


def cssrs_rows(screen: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label in CSSRS_ITEMS:
        value = screen.get(key)
        answer = BEHAVIOR.get(value, str(value)) if key == "behavior" else words(key, value)
        positive = value is True or value in ("over_3_months_ago", "within_3_months")
        rows.append({"label": label, "answer": answer, "positive": positive})
    return rows


def class_words(drug_class: str | None) -> str:
    return DRUG_CLASSES.get(drug_class or "", drug_class or "—")


def _dose(value: Any) -> str:
    if value is None:
        return "Unknown"
    return (
        f"{int(value) if float(value).is_integer() else value:g} mg" if isinstance(value, int | float) else str(value)
    )


def trial_reason_words(reason: str, *, trial: dict[str, Any], min_dose: float | None, min_weeks: int) -> str:
    """Why a trial does not count, in a clinician's words (SCREENING_RULES.md §3 reason codes)."""
    if reason == "drug_unrecognised":
        return "Drug name not recognised"
    if reason == "not_an_antidepressant":
        return "Not an antidepressant"
    if reason == "dose_unknown":
        return "Dose not known"
    if reason == "dose_below_minimum":
        return f"Dose below the minimum adequate dose ({_dose(min_dose)}/day)" if min_dose else "Dose below the minimum"
    if reason == "too_short":
        return f"Less than {min_weeks} weeks at that dose"
    if reason == "not_taken_as_prescribed":
        return "Not taken as prescribed"
    if reason == "previous_episode":
        return "Taken in an earlier episode, not the current one"
    if reason == "repeated":
        return "Same antidepressant as an earlier counted trial (counted once)"
    if reason == "responded":
        improvement = trial.get("improvement")
        return (
            "Remission (not a failed trial)" if improvement == "remission" else "Responded, ≥ 50 % (not a failed trial)"
        )
    return reason.replace("_", " ").capitalize()


@dataclass
class TrialRow:
    number: int
    drug: str
    generic: str | None
    drug_class: str
    dose: str
    min_dose: str
    dose_ok: bool | None
    weeks: Any
    weeks_ok: bool
    as_prescribed: bool
    improvement: str
    current_episode: bool
    counts: bool
    reasons: list[str] = field(default_factory=list)
    min_dose_source: str = ""


def trial_rows(document: dict[str, Any], trd: dict[str, Any], *, min_weeks: int) -> list[TrialRow]:
    """The treatment-resistance table: each reported trial as the patient gave it, against the minimum dose
    and weeks, and whether it counts towards TRD or why not."""
    rows = []
    reported = document.get("antidepressant_trials") or []
    for index, assessed in enumerate(trd.get("trials") or []):
        trial = reported[index] if index < len(reported) else {}
        drug = lookup(assessed.get("generic") or "") if assessed.get("generic") else None
        min_dose = drug.min_dose_mg if drug is not None else None
        dose = trial.get("daily_dose_mg")
        weeks = trial.get("weeks_at_dose")
        rows.append(
            TrialRow(
                number=index + 1,
                drug=assessed.get("drug") or trial.get("drug", ""),
                generic=assessed.get("generic"),
                drug_class=class_words(assessed.get("class")),
                dose=_dose(dose),
                min_dose=_dose(min_dose) if min_dose is not None else "—",
                dose_ok=None if dose is None or min_dose is None else dose >= min_dose,
                weeks=weeks,
                weeks_ok=weeks is not None and weeks >= min_weeks,
                as_prescribed=bool(trial.get("took_as_prescribed")),
                improvement=IMPROVEMENT.get(trial.get("improvement"), trial.get("improvement") or "—"),
                current_episode=bool(trial.get("current_episode")),
                counts=bool(assessed.get("adequate") and assessed.get("failed"))
                and "repeated" not in (assessed.get("reasons") or []),
                min_dose_source=(drug.dose_source or "") if drug is not None and min_dose is not None else "",
                reasons=[
                    trial_reason_words(r, trial=trial, min_dose=min_dose, min_weeks=min_weeks)
                    for r in assessed.get("reasons") or []
                ],
            )
        )
    return rows


MAUDSLEY_PARTS = {
    "duration": "Duration of the current episode",
    "severity": "Severity",
    "failed_antidepressants": "Failed antidepressants",
    "augmentation": "Augmentation",
    "ect": "ECT",
}


def maudsley_block(maudsley: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Maudsley Staging Method score with its parts; None for results of rulesets before 2027.01."""
    if not maudsley:
        return None
    return {
        **maudsley,
        "parts": [
            {
                "label": MAUDSLEY_PARTS.get(part["name"], part["name"]),
                "value": part["value"] or "Not asked in this version of the intake",
                "points": "—" if part["points"] is None else part["points"],
            }
            for part in maudsley.get("parts") or []
        ],
    }


PSYCHOTHERAPY_KINDS = {
    "cbt": "Cognitive behavioural therapy (CBT)",
    "ipt": "Interpersonal therapy (IPT)",
    "behavioral_activation": "Behavioural activation",
    "psychodynamic": "Psychodynamic therapy",
    "dbt": "Dialectical behaviour therapy (DBT)",
    "counselling": "Counselling",
    "other": "Another talking therapy",
}
HELPED = {"yes": "helped", "partly": "helped a little", "no": "did not help", "unsure": "not sure if it helped"}


def other_treatment_rows(document: dict[str, Any]) -> list[tuple[str, str]] | None:
    """Treatments besides antidepressants (intake-document/2) as (label, words); None for a version 1 intake."""
    other = document.get("other_treatments")
    if other is None:
        return None

    def course(value: dict[str, Any] | None, count: str, unit: str) -> str:
        if value is None:
            return "Not tried"
        number = value.get(count)
        how_many = f"{number} {unit}{'s' if number != 1 else ''}" if number else f"number of {unit}s not known"
        return f"{how_many}, {HELPED.get(value.get('helped'), value.get('helped'))}"

    months = other.get("episode_months")
    therapy = other.get("psychotherapy")
    therapy_words = (
        "None"
        if not therapy
        else ", ".join(PSYCHOTHERAPY_KINDS.get(k, k) for k in therapy.get("kinds") or [])
        + (f"; about {therapy['months']} months altogether" if therapy.get("months") is not None else "")
    )
    augmentation = [
        f"{a['medicine']} added to {a['antidepressant']}"
        + (f", {a['weeks']} weeks" if a.get("weeks") is not None else "")
        for a in other.get("augmentation") or []
    ]
    return [
        ("Current episode", "not known" if months is None else f"about {months} months"),
        ("Psychotherapy", therapy_words),
        ("ECT", course(other.get("ect"), "sessions", "session")),
        ("TMS", course(other.get("tms"), "sessions", "session")),
        ("Esketamine or ketamine", course(other.get("ketamine"), "treatments", "treatment")),
        ("Augmentation", "; ".join(augmentation) or "None"),
    ]


def medication_rows(document: dict[str, Any], medications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reported = document.get("medications") or []
    rows = []
    for index, medication in enumerate(medications):
        dose = reported[index].get("daily_dose") if index < len(reported) else None
        rows.append(
            {
                "name": medication.get("name"),
                "generic": medication.get("generic"),
                "classes": [class_words(c) for c in medication.get("classes") or []],
                "dose": dose or "",
                "recognised": medication.get("generic") is not None,
            }
        )
    return rows


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "recent_bp" or not isinstance(inner, dict | list) or key in ("diagnoses", "phq9"):
                flat[f"{prefix}{key}"] = inner
            else:
                flat.update(_flatten(inner, f"{prefix}{key}."))
        return flat
    if isinstance(value, list):
        flat = {}
        for index, inner in enumerate(value):
            flat.update(_flatten(inner, f"{prefix[:-1]}[{index + 1}].") if isinstance(inner, dict) else {})
        return flat
    return {prefix[:-1]: value}


CHANGE_LABELS = {
    **ANSWER_LABELS,
    "phq9": "PHQ-9 item scores",
    "suicide_screen.wish_to_be_dead": "C-SSRS 1: wish to be dead",
    "suicide_screen.suicidal_thoughts": "C-SSRS 2: suicidal thoughts",
    "suicide_screen.thoughts_with_method": "C-SSRS 3: thoughts with method",
    "suicide_screen.intent": "C-SSRS 4: intent",
    "suicide_screen.plan": "C-SSRS 5: plan",
    "suicide_screen.behavior": "C-SSRS 6: behaviour",
}


def _change_label(path: str) -> str:
    if path in CHANGE_LABELS:
        return CHANGE_LABELS[path]
    if path.startswith("antidepressant_trials["):
        head, _, leaf = path.partition("].")
        return f"Antidepressant trial {head.split('[')[1]}: {leaf.replace('_', ' ')}"
    if path.startswith("medications["):
        head, _, leaf = path.partition("].")
        return f"Medication {head.split('[')[1]}: {leaf.replace('_', ' ')}"
    return path.replace("_", " ").replace(".", ": ")


def _change_value(path: str, value: Any) -> str:
    if path == "phq9" and isinstance(value, list):
        return " ".join(str(v) for v in value) + f" (total {sum(value)})"
    if path == "suicide_screen.behavior":
        return BEHAVIOR.get(value, str(value))
    if path.endswith("improvement"):
        return IMPROVEMENT.get(value, str(value))
    if path.endswith("daily_dose_mg"):
        return _dose(value)
    return words(path, value) if value is not None else "—"


def document_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, str]]:
    """What the patient changed between two versions, answer by answer (the submission date aside)."""
    old, new = _flatten(before), _flatten(after)
    changes = []
    for path in list(new) + [p for p in old if p not in new]:
        if path in ("screened_on", "schema") or old.get(path) == new.get(path):
            continue
        changes.append(
            {
                "label": _change_label(path),
                "before": _change_value(path, old.get(path)) if path in old else "—",
                "after": _change_value(path, new.get(path)) if path in new else "—",
            }
        )
    return changes
