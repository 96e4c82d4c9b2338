"""The rules of ruleset 2027.01 as data (§4), and the evaluation of one intake document against them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .document import AntidepressantTrial, IntakeDocument
from .errors import FieldError
from .maudsley import maudsley_stage
from .policy import Policy
from .result import Finding, MedicationSummary, Outcome, Phq9, Priority, Result, Severity, Trd, TrialAssessment
from .validation import validate_document
from .vocabulary import ANTIDEPRESSANT_CLASSES, lookup, normalise

RULESET = "2027.01"
DEFAULT_POLICY = Policy()

URGENT, EXCLUDE, FLAG, NOTE = Severity.URGENT, Severity.EXCLUDE, Severity.FLAG, Severity.NOTE

# Short citations (§7).
SEEDS = "Seed articles"
SPRAVATO = "SPRAVATO prescribing information"
KETALAR = "Ketalar labeling; ASRA/AAPM/ASA 2018 consensus"
SWISS = "Swiss ketamine label"
ACEP = "ACEP ketamine sedation guideline (2011)"
APA = "APA 2017 consensus statement (Sanacora et al.)"
ATRQ = "MGH-ATRQ"
PHQ9 = "PHQ-9 (Kroenke et al. 2001)"
CSSRS = "C-SSRS screener (Columbia)"
DIFFERENT_DRUGS = "FDA MDD draft guidance (2018); EMA depression guideline (2013)"
KETAMINE_CLASS = "ketamine"  # esketamine or ketamine written as a trial: prior ketamine treatment

DEPRESSION_PATHWAY = frozenset({"major_depressive_disorder", "bipolar_disorder"})
FAILED_IMPROVEMENT = frozenset({"none", "partial"})  # < 50 % improvement is non-response (MGH-ATRQ)
PHQ9_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe"), (27, "severe"))

DIAGNOSIS_LABELS = {
    "major_depressive_disorder": "major depressive disorder",
    "bipolar_disorder": "bipolar disorder",
    "ptsd": "PTSD",
    "generalized_anxiety_disorder": "generalized anxiety disorder",
    "ocd": "OCD",
    "chronic_pain": "chronic pain",
    "substance_use_disorder": "substance use disorder",
    "eating_disorder": "eating disorder",
    "other": "another condition",
}
CLASS_LABELS = {
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "tricyclic",
    "maoi": "MAOI",
    "ndri": "NDRI",
    "nassa": "NaSSA",
    "sari": "SARI",
    "serotonin_modulator": "serotonin modulator",
    "nmda_ndri": "NMDA antagonist with NDRI",
    "azapirone": "5-HT1A agonist (azapirone)",
}


def age_on(born: date, day: date) -> int:
    """Whole years on `day`; a 29 February birthday is reached on 1 March in other years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def phq9_band(total: int) -> str:
    return next(band for top, band in PHQ9_BANDS if total <= top)


def assess_trial(trial: AntidepressantTrial, policy: Policy) -> TrialAssessment:
    """Adequacy and failure of one trial, with every reason that applies in the order of §3."""
    drug = lookup(trial.drug)
    reasons: list[str] = []
    if drug is None:
        reasons.append("drug_unrecognised")
    elif not drug.antidepressant:
        reasons.append("not_an_antidepressant")
    if trial.daily_dose_mg is None:
        reasons.append("dose_unknown")
    elif drug is not None and drug.min_dose_mg is not None and trial.daily_dose_mg < drug.min_dose_mg:
        reasons.append("dose_below_minimum")
    if trial.weeks_at_dose < policy.min_trial_weeks:
        reasons.append("too_short")
    if not trial.took_as_prescribed:
        reasons.append("not_taken_as_prescribed")
    if not trial.current_episode:
        reasons.append("previous_episode")
    adequate = not reasons
    failed = trial.improvement in FAILED_IMPROVEMENT
    if not failed:
        reasons.append("responded")
    return TrialAssessment(
        drug=trial.drug,
        generic=drug.generic if drug else None,
        drug_class=drug.drug_class if drug else None,
        adequate=adequate,
        failed=failed,
        reasons=tuple(reasons),
    )


def assess_trd(trials: Iterable[AntidepressantTrial], policy: Policy) -> Trd:
    """Every trial assessed; of two adequate failed trials of one antidepressant only the first counts (§3)."""
    assessed: list[TrialAssessment] = []
    counted: set[str] = set()
    for trial in trials:
        assessment = assess_trial(trial, policy)
        if assessment.adequate and assessment.failed and assessment.generic is not None:
            if assessment.generic in counted:
                assessment = replace(assessment, reasons=(*assessment.reasons, "repeated"))
            counted.add(assessment.generic)
        assessed.append(assessment)
    counting = [t for t in assessed if t.counts]
    classes = tuple(dict.fromkeys(t.drug_class for t in counting if t.drug_class))
    met = len(counting) >= policy.min_failed_trials and (not policy.require_distinct_classes or len(classes) >= 2)
    return Trd(met=met, adequate_failed_trials=len(counting), classes=classes, trials=tuple(assessed))


def repeated_generics(trd: Trd) -> dict[str, list[str]]:
    """Antidepressant generics written in two or more trials (any adequacy) -> the names as written."""
    by_generic: dict[str, list[str]] = {}
    for trial in trd.trials:
        if trial.generic is not None and trial.drug_class in ANTIDEPRESSANT_CLASSES:
            by_generic.setdefault(trial.generic, []).append(trial.drug.strip())
    return {generic: names for generic, names in by_generic.items() if len(names) > 1}


def suicide_risk(doc: IntakeDocument) -> str:
    """C-SSRS screener triage: high, moderate, low or none."""
    s = doc.suicide_screen
    if s.intent or s.plan or s.behavior == "within_3_months":
        return "high"
    if s.suicidal_thoughts or s.thoughts_with_method or s.behavior == "over_3_months_ago":
        return "moderate"
    return "low" if s.wish_to_be_dead else "none"


class Facts:
    """Everything the rules read about one document under one policy, computed once."""

    __slots__ = (
        "age",
        "bp_above_flag",
        "bp_severe",
        "by_class",
        "by_generic",
        "doc",
        "ketamine_trials_failed",
        "medications",
        "on_pathway",
        "phq9_band",
        "phq9_total",
        "policy",
        "repeated",
        "suicide_risk",
        "trd",
        "unrecognised",
    )

    def __init__(self, doc: IntakeDocument, policy: Policy) -> None:
        self.doc = doc
        self.policy = policy
        self.age = age_on(doc.patient.date_of_birth, doc.screened_on)
        self.on_pathway = not DEPRESSION_PATHWAY.isdisjoint(doc.diagnoses)
        self.trd = assess_trd(doc.antidepressant_trials, policy)
        self.repeated = repeated_generics(self.trd)
        self.ketamine_trials_failed = [
            t.drug.strip() for t in self.trd.trials if t.drug_class == KETAMINE_CLASS and t.failed
        ]
        self.phq9_total = sum(doc.phq9)
        self.phq9_band = phq9_band(self.phq9_total)
        self.suicide_risk = suicide_risk(doc)
        summaries: list[MedicationSummary] = []
        self.by_class: dict[str, list[str]] = {}
        self.by_generic: dict[str, list[str]] = {}
        unrecognised: dict[str, str] = {}
        for medication in doc.medications:
            drug = lookup(medication.name)
            name = medication.name.strip()
            if drug is None:
                summaries.append(MedicationSummary(medication.name, None, ()))
                unrecognised.setdefault(normalise(medication.name), name)
                continue
            summaries.append(MedicationSummary(medication.name, drug.generic, drug.classes))
            shown = name if normalise(name) == drug.generic else f"{name} ({drug.generic})"
            for drug_class in drug.classes:
                self.by_class.setdefault(drug_class, []).append(shown)
            self.by_generic.setdefault(drug.generic, []).append(shown)
        self.medications = tuple(summaries)
        self.unrecognised = tuple(unrecognised.values())
        bp = doc.medical_history.recent_bp
        self.bp_severe = bp is not None and bp.above(policy.bp_exclude_above)
        self.bp_above_flag = bp is not None and bp.above(policy.bp_flag_above)

    def taking(self, *generics: str) -> list[str]:
        """Display names of current medications that are any of these generics."""
        return [shown for generic in generics for shown in self.by_generic.get(generic, ())]


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the §4 table; `subjects` makes it fire once per subject (MEDICATION_UNRECOGNISED)."""

    code: str
    severity: Severity
    predicate: Callable[[Facts], bool]
    message_fn: Callable[..., str]
    source: str
    subjects: Callable[[Facts], Sequence[str]] | None = None


# --- Message helpers -----------------------------------------------------------------------------


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _sentence(parts: Sequence[str]) -> str:
    text = _and(parts)
    return text[0].upper() + text[1:] + "."


def _some(*pairs: tuple[bool, str]) -> list[str]:
    return [words for fired, words in pairs if fired]


def _off_pathway(f: Facts) -> str:
    if not f.doc.diagnoses:
        return "No diagnosis was reported; the depression pathway needs major depressive disorder or bipolar disorder."
    labels = _and([DIAGNOSIS_LABELS.get(d, d) for d in f.doc.diagnoses])
    return f"Diagnoses reported ({labels}) include neither major depressive disorder nor bipolar disorder."


def _trd_not_met(f: Facts) -> str:
    return (
        f"Adequate failed antidepressant trials: {f.trd.adequate_failed_trials} of "
        f"{len(f.doc.antidepressant_trials)} reported, fewer than the clinic minimum of {f.policy.min_failed_trials}."
    )


def _single_class(f: Facts) -> str:
    label = CLASS_LABELS.get(f.trd.classes[0], f.trd.classes[0])
    return (
        f"All {f.trd.adequate_failed_trials} adequate failed trials are in one class ({label}); "
        "the clinic requires trials from at least two classes."
    )


def _repeated(f: Facts) -> str:
    parts = []
    for generic, names in f.repeated.items():
        written = _and(['"' + name + '"' for name in names])
        parts.append(f"{generic} in {len(names)} trials ({written})")
    return (
        f"The same antidepressant was reported more than once: {_and(parts)}; it counts once. "
        "Ask whether these were separate courses."
    )


def _prior_ketamine(f: Facts) -> str:
    parts = []
    if f.doc.prior_ketamine_treatment == "did_not_respond":
        parts.append("did not respond to a previous ketamine treatment")
    if f.ketamine_trials_failed:
        names = _and(f.ketamine_trials_failed)
        parts.append(f"reported {names} as an antidepressant trial without response (read as prior ketamine treatment)")
    return f"Patient {_and(parts)}."


def _depression_mild(f: Facts) -> str:
    """Names the real band: the code says "mild" relative to the clinic's minimum, not the PHQ-9 band."""
    band = f.phq9_band.replace("_", " ")
    return (
        f"PHQ-9 total {f.phq9_total} ({band} band) is below this clinic's minimum of "
        f"{f.policy.phq9_min_total} for treatment."
    )


def _suicide_high(f: Facts) -> str:
    s = f.doc.suicide_screen
    items = _some(
        (s.intent, "suicidal intent"),
        (s.plan, "a suicide plan"),
        (s.behavior == "within_3_months", "suicidal behavior within the past 3 months"),
    )
    return f"C-SSRS screener positive for {_and(items)}: contact the patient now."


def _suicide_moderate(f: Facts) -> str:
    s = f.doc.suicide_screen
    items = _some(
        (s.suicidal_thoughts, "active suicidal thoughts"),
        (s.thoughts_with_method, "suicidal thoughts with a method"),
        (s.behavior == "over_3_months_ago", "suicidal behavior more than 3 months ago"),
    )
    return f"C-SSRS screener positive for {_and(items)}, without intent, plan or recent behavior."


def _bipolar(f: Facts) -> str:
    return _sentence(
        _some(
            ("bipolar_disorder" in f.doc.diagnoses, "bipolar disorder is among the diagnoses"),
            (f.doc.psychiatric_history.mania_or_hypomania, "a history of mania or hypomania was reported"),
        )
    )


def _bp_elevated(f: Facts) -> str:
    return _sentence(
        _some(
            (
                f.bp_above_flag,
                f"blood pressure {f.doc.medical_history.recent_bp} is above the review limit "
                f"of {f.policy.bp_flag_above}",
            ),
            (f.doc.medical_history.hypertension == "uncontrolled", "hypertension is reported as uncontrolled"),
        )
    )


def _heart(f: Facts) -> str:
    mh = f.doc.medical_history
    parts = _some((mh.heart_disease, "heart disease"), (mh.arrhythmia, "an arrhythmia"))
    return f"Patient reports {_and(parts)}."


def _with_use(f: Facts, drug_class: str, kind: str, nonprescribed: bool, why: str = "") -> str:
    names = f.by_class.get(drug_class)
    use = f"non-prescribed {drug_class} use"
    if names and nonprescribed:
        return f"Patient takes {kind}: {_and(names)}, and reports {use}{why}."
    if names:
        return f"Patient takes {kind}: {_and(names)}{why}."
    return f"Patient reports {use}{why}."


def _unrecognised(f: Facts, name: str) -> str:
    return f'Medication "{name}" is not in the screening vocabulary; check it by hand.'


def _meds(f: Facts, drug_class: str, kind: str, why: str = "") -> str:
    return f"Patient takes {kind}: {_and(f.by_class[drug_class])}{why}."


def _antipsychotics(f: Facts) -> list[str]:
    return f.by_class.get("antipsychotic", []) + f.taking("lithium")


def _has(f: Facts, drug_class: str) -> bool:
    return drug_class in f.by_class


def _flag(name: str) -> Callable[[Facts], bool]:
    return lambda f: getattr(f.doc.medical_history, name)


# --- The table (§4), in its order ---------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "AGE_UNDER_MIN",
        EXCLUDE,
        lambda f: f.age < f.policy.min_age,
        lambda f: f"Age {f.age} on {f.doc.screened_on} is below the clinic minimum of {f.policy.min_age}.",
        SEEDS,
    ),
    Rule("INDICATION_OFF_PATHWAY", FLAG, lambda f: not f.on_pathway, _off_pathway, SEEDS),
    Rule(
        "NO_ANTIDEPRESSANT_TRIAL",
        EXCLUDE,
        lambda f: f.on_pathway and not f.doc.antidepressant_trials,
        lambda f: "No antidepressant trial was reported; ketamine is not a first-line treatment.",
        f"{SEEDS}; {APA}",
    ),
    Rule(
        "TRD_NOT_MET",
        FLAG,
        lambda f: (
            f.on_pathway
            and bool(f.doc.antidepressant_trials)
            and f.trd.adequate_failed_trials < f.policy.min_failed_trials
        ),
        _trd_not_met,
        f"{ATRQ}; {SEEDS}",
    ),
    Rule(
        "TRD_SINGLE_CLASS",
        FLAG,
        lambda f: (
            f.on_pathway
            and f.trd.adequate_failed_trials >= f.policy.min_failed_trials
            and f.policy.require_distinct_classes
            and len(f.trd.classes) == 1
        ),
        _single_class,
        SEEDS,
    ),
    Rule("TRIAL_REPEATED", NOTE, lambda f: bool(f.repeated), _repeated, DIFFERENT_DRUGS),
    Rule("DEPRESSION_MILD", FLAG, lambda f: f.phq9_total < f.policy.phq9_min_total, _depression_mild, PHQ9),
    Rule(
        "PHQ9_ITEM9_POSITIVE",
        NOTE,
        lambda f: f.doc.phq9[8] >= 1,
        lambda f: f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored {f.doc.phq9[8]} of 3.",
        PHQ9,
    ),
    Rule("SUICIDE_RISK_HIGH", URGENT, lambda f: f.suicide_risk == "high", _suicide_high, CSSRS),
    Rule("SUICIDE_RISK_MODERATE", FLAG, lambda f: f.suicide_risk == "moderate", _suicide_moderate, CSSRS),
    Rule(
        "SUICIDE_RISK_LOW",
        NOTE,
        lambda f: f.suicide_risk == "low",
        lambda f: "C-SSRS screener positive for a wish to be dead, without active suicidal thoughts.",
        CSSRS,
    ),
    Rule(
        "SCHIZOPHRENIA_SPECTRUM",
        EXCLUDE,
        lambda f: f.doc.psychiatric_history.schizophrenia_spectrum,
        lambda f: "Patient reports a schizophrenia-spectrum disorder.",
        ACEP,
    ),
    Rule(
        "PSYCHOSIS_CURRENT",
        EXCLUDE,
        lambda f: f.doc.psychiatric_history.psychosis == "current",
        lambda f: "Patient reports current psychosis.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "PSYCHOSIS_HISTORY",
        FLAG,
        lambda f: f.doc.psychiatric_history.psychosis == "past",
        lambda f: "Patient reports a past episode of psychosis.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "BIPOLAR_OR_MANIA",
        FLAG,
        lambda f: "bipolar_disorder" in f.doc.diagnoses or f.doc.psychiatric_history.mania_or_hypomania,
        _bipolar,
        APA,
    ),
    Rule(
        "ANEURYSM_OR_AVM",
        EXCLUDE,
        _flag("aneurysm_or_avm"),
        lambda f: "Patient reports aneurysmal vascular disease or an arteriovenous malformation.",
        SPRAVATO,
    ),
    Rule(
        "INTRACEREBRAL_HEMORRHAGE",
        EXCLUDE,
        _flag("intracerebral_hemorrhage"),
        lambda f: "Patient reports a history of intracerebral hemorrhage.",
        SPRAVATO,
    ),
    Rule(
        "KETAMINE_HYPERSENSITIVITY",
        EXCLUDE,
        _flag("ketamine_allergy"),
        lambda f: "Patient reports hypersensitivity (allergy) to ketamine.",
        SPRAVATO,
    ),
    Rule(
        "BP_SEVERE",
        EXCLUDE,
        lambda f: f.bp_severe,
        lambda f: (
            f"Blood pressure {f.doc.medical_history.recent_bp} is above the exclusion limit "
            f"of {f.policy.bp_exclude_above}."
        ),
        f"{SWISS}; {KETALAR}",
    ),
    Rule(
        "BP_ELEVATED",
        FLAG,
        lambda f: not f.bp_severe and (f.bp_above_flag or f.doc.medical_history.hypertension == "uncontrolled"),
        _bp_elevated,
        SPRAVATO,
    ),
    Rule(
        "HEART_DISEASE",
        FLAG,
        lambda f: f.doc.medical_history.heart_disease or f.doc.medical_history.arrhythmia,
        _heart,
        f"{KETALAR}; {SEEDS}",
    ),
    Rule(
        "STROKE_HISTORY",
        FLAG,
        _flag("stroke_or_tia"),
        lambda f: "Patient reports a history of stroke or TIA.",
        f"{SEEDS}; {SPRAVATO}",
    ),
    Rule(
        "PREGNANT",
        EXCLUDE,
        lambda f: f.doc.patient.pregnancy == "yes",
        lambda f: "Patient reports being pregnant.",
        SPRAVATO,
    ),
    Rule(
        "PREGNANCY_POSSIBLE",
        FLAG,
        lambda f: f.doc.patient.pregnancy == "unsure",
        lambda f: "Patient is unsure whether they are pregnant.",
        SPRAVATO,
    ),
    Rule(
        "BREASTFEEDING",
        FLAG,
        lambda f: f.doc.patient.breastfeeding,
        lambda f: "Patient reports breastfeeding.",
        SPRAVATO,
    ),
    Rule(
        "SEIZURE_DISORDER",
        FLAG,
        _flag("seizure_disorder"),
        lambda f: "Patient reports a seizure disorder.",
        KETALAR,
    ),
    Rule(
        "RAISED_INTRACRANIAL_PRESSURE",
        FLAG,
        _flag("brain_injury_or_mass"),
        lambda f: "Patient reports a brain injury or mass, a risk of raised intracranial pressure.",
        KETALAR,
    ),
    Rule(
        "GLAUCOMA_OR_EYE_INJURY",
        FLAG,
        _flag("glaucoma_or_eye_injury"),
        lambda f: "Patient reports glaucoma or an eye injury, a risk of raised intraocular pressure.",
        KETALAR,
    ),
    Rule(
        "LIVER_DISEASE",
        FLAG,
        _flag("liver_disease"),
        lambda f: "Patient reports liver disease.",
        KETALAR,
    ),
    Rule(
        "BLADDER_CONDITION",
        FLAG,
        _flag("bladder_or_urinary_condition"),
        lambda f: "Patient reports a bladder or urinary condition.",
        KETALAR,
    ),
    Rule(
        "HYPERTHYROIDISM_UNCONTROLLED",
        FLAG,
        _flag("hyperthyroidism_uncontrolled"),
        lambda f: "Patient reports uncontrolled hyperthyroidism.",
        SWISS,
    ),
    Rule(
        "CARDIAC_MEDICATION",
        FLAG,
        lambda f: _has(f, "cardiovascular"),
        lambda f: _meds(f, "cardiovascular", "cardiovascular medication"),
        SEEDS,
    ),
    Rule(
        "OPIOID_USE",
        FLAG,
        lambda f: _has(f, "opioid") or f.doc.substance_use.opioids_nonprescribed,
        lambda f: _with_use(f, "opioid", "an opioid", f.doc.substance_use.opioids_nonprescribed),
        f"{SEEDS}; {SPRAVATO}",
    ),
    Rule(
        "BENZODIAZEPINE_USE",
        FLAG,
        lambda f: _has(f, "benzodiazepine"),
        lambda f: _meds(
            f, "benzodiazepine", "a benzodiazepine", "; benzodiazepines may blunt the response to ketamine"
        ),
        "Andrashko 2020; RAPID trial (Feeney 2023)",
    ),
    Rule(
        "SEDATIVE_HYPNOTIC_USE",
        FLAG,
        lambda f: _has(f, "sedative_hypnotic"),
        lambda f: _meds(f, "sedative_hypnotic", "a sedative-hypnotic"),
        f"{SEEDS}; {SPRAVATO}",
    ),
    Rule(
        "STIMULANT_USE",
        FLAG,
        lambda f: _has(f, "stimulant") or f.doc.substance_use.stimulants_nonprescribed,
        lambda f: _with_use(
            f,
            "stimulant",
            "a stimulant",
            f.doc.substance_use.stimulants_nonprescribed,
            "; stimulants raise blood pressure",
        ),
        f"{SEEDS}; {SPRAVATO}",
    ),
    Rule(
        "MAOI_USE",
        FLAG,
        lambda f: _has(f, "maoi"),
        lambda f: _meds(f, "maoi", "an MAOI", "; MAOIs can raise blood pressure with ketamine"),
        SPRAVATO,
    ),
    Rule(
        "LAMOTRIGINE_USE",
        NOTE,
        lambda f: "lamotrigine" in f.by_generic,
        lambda f: f"Patient takes {_and(f.taking('lamotrigine'))}; lamotrigine may attenuate the effects of ketamine.",
        "Anand 2000",
    ),
    Rule(
        "ANTIPSYCHOTIC_USE",
        NOTE,
        lambda f: _has(f, "antipsychotic") or "lithium" in f.by_generic,
        lambda f: f"Patient takes an antipsychotic or lithium: {_and(_antipsychotics(f))}.",
        APA,
    ),
    Rule(
        "THEOPHYLLINE_USE",
        NOTE,
        lambda f: "theophylline" in f.by_generic or "aminophylline" in f.by_generic,
        lambda f: (
            f"Patient takes {_and(f.taking('theophylline', 'aminophylline'))}; "
            "with ketamine it can lower the seizure threshold."
        ),
        KETALAR,
    ),
    Rule(
        "THYROID_HORMONE_USE",
        NOTE,
        lambda f: "levothyroxine" in f.by_generic or "liothyronine" in f.by_generic,
        lambda f: (
            f"Patient takes thyroid hormone: {_and(f.taking('levothyroxine', 'liothyronine'))}; "
            "with ketamine it can raise blood pressure and heart rate."
        ),
        "Ketalar labeling",
    ),
    Rule(
        "MEDICATION_UNRECOGNISED",
        NOTE,
        lambda f: bool(f.unrecognised),
        _unrecognised,
        SEEDS,
        subjects=lambda f: f.unrecognised,
    ),
    Rule(
        "ALCOHOL_HEAVY",
        FLAG,
        lambda f: f.doc.substance_use.alcohol_drinks_per_week > f.policy.alcohol_max_drinks_per_week,
        lambda f: (
            f"Patient drinks {f.doc.substance_use.alcohol_drinks_per_week} alcoholic drinks a week, above the "
            f"clinic limit of {f.policy.alcohol_max_drinks_per_week}."
        ),
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "SUBSTANCE_USE_ACTIVE",
        FLAG,
        lambda f: f.doc.substance_use.substance_use_disorder == "active",
        lambda f: "Patient reports an active substance use disorder.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "SUBSTANCE_USE_REMISSION",
        NOTE,
        lambda f: f.doc.substance_use.substance_use_disorder == "in_remission",
        lambda f: "Patient reports a substance use disorder in remission.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "KETAMINE_MISUSE",
        FLAG,
        lambda f: f.doc.substance_use.ketamine_nonmedical_use in ("past", "current"),
        lambda f: f"Patient reports {f.doc.substance_use.ketamine_nonmedical_use} non-medical use of ketamine.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "CANNABIS_USE",
        NOTE,
        lambda f: f.doc.substance_use.cannabis,
        lambda f: "Patient reports cannabis use.",
        f"{SPRAVATO}; {APA}",
    ),
    Rule(
        "PRIOR_KETAMINE_NONRESPONSE",
        FLAG,
        lambda f: f.doc.prior_ketamine_treatment == "did_not_respond" or bool(f.ketamine_trials_failed),
        _prior_ketamine,
        SEEDS,
    ),
    Rule(
        "NO_RIDE_HOME",
        NOTE,
        lambda f: not f.doc.logistics.ride_home_available,
        lambda f: "Patient has no ride home available after treatment.",
        SEEDS,
    ),
)

# Findings come out by severity, then table order: sort the table once instead of the findings each time.
REPORT_ORDER: tuple[Rule, ...] = tuple(sorted(RULES, key=lambda rule: rule.severity.rank))


def decide(findings: Iterable[Finding]) -> tuple[Outcome, Priority]:
    """Outcome and priority from the findings (§1): urgent, then exclude, then flag."""
    severities = {finding.severity for finding in findings}
    if URGENT in severities:
        return Outcome.NEEDS_REVIEW, Priority.URGENT
    if EXCLUDE in severities:
        return Outcome.INELIGIBLE, Priority.ROUTINE
    if FLAG in severities:
        return Outcome.NEEDS_REVIEW, Priority.ROUTINE
    return Outcome.ELIGIBLE, Priority.ROUTINE


def evaluate(document: IntakeDocument | dict[str, Any], policy: Policy = DEFAULT_POLICY) -> Result:
    """Apply every rule to a valid document (a dict must already have passed `validate_document`)."""
    doc = document if isinstance(document, IntakeDocument) else IntakeDocument.from_dict(document)
    facts = Facts(doc, policy)
    findings: list[Finding] = []
    for rule in REPORT_ORDER:
        if not rule.predicate(facts):
            continue
        if rule.subjects is None:
            findings.append(Finding(rule.code, rule.severity, rule.message_fn(facts), rule.source))
        else:
            findings += [
                Finding(rule.code, rule.severity, rule.message_fn(facts, s), rule.source) for s in rule.subjects(facts)
            ]
    outcome, priority = decide(findings)
    return Result(
        ruleset=RULESET,
        outcome=outcome,
        priority=priority,
        findings=tuple(findings),
        trd=facts.trd,
        phq9=Phq9(facts.phq9_total, facts.phq9_band),
        suicide_risk=facts.suicide_risk,
        medications=facts.medications,
        maudsley=maudsley_stage(facts.doc, facts.trd, facts.phq9_band),
    )


def screen(doc: object, policy: Policy = DEFAULT_POLICY) -> Result | list[FieldError]:
    """Validate, then evaluate: a Result, or the list of errors that kept the document from being screened."""
    errors = validate_document(doc)
    if errors:
        return errors
    return evaluate(IntakeDocument.from_dict(doc), policy)  # type: ignore[arg-type]  # validated: a dict
