"""What a patient reads about their result: kind, plain explanations, never the clinicians' messages or codes.

Every finding code that can make a patient ineligible (severity "exclude") has an explanation and what to
do instead; a test checks this against the engine's rule table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PatientReason:
    explanation: Any  # lazy translations: read in the patient's language
    instead: Any


SEE_YOUR_DOCTOR = _("Your own doctor can talk with you about other treatments for depression that are safe for you.")

INELIGIBLE_REASONS: dict[str, PatientReason] = {
    "AGE_UNDER_MIN": PatientReason(
        _("This clinic offers ketamine treatment only to adults above its minimum age."),
        _(
            "Please talk to your doctor about other treatments for depression. If you are a young person and "
            "struggling, a parent, a school counselor or your doctor can help you find support."
        ),
    ),
    "NO_ANTIDEPRESSANT_TRIAL": PatientReason(
        _(
            "Ketamine is not a first treatment for depression. Clinics offer it to people who have already tried "
            "antidepressants that did not help enough."
        ),
        _(
            "Talk to your doctor about starting an antidepressant or talking therapy: many people feel better with "
            "them. If they do not help enough, you are welcome to come back."
        ),
    ),
    "SCHIZOPHRENIA_SPECTRUM": PatientReason(
        _(
            "Ketamine can make the symptoms of schizophrenia and related conditions worse, so it is not offered to "
            "people with these diagnoses."
        ),
        _("Your psychiatrist or mental-health team is the best place to talk about other options for depression."),
    ),
    "PSYCHOSIS_CURRENT": PatientReason(
        _("Ketamine can make psychosis worse, so it cannot be offered while psychosis is happening now."),
        _(
            "Please talk to your doctor or mental-health team soon about what you are going through: good help is "
            "available. Once things have settled, you can ask about ketamine again."
        ),
    ),
    "ANEURYSM_OR_AVM": PatientReason(
        _(
            "Ketamine raises blood pressure for a while after each treatment. That is not safe with an aneurysm or "
            "an arteriovenous malformation (AVM)."
        ),
        SEE_YOUR_DOCTOR,
    ),
    "INTRACEREBRAL_HEMORRHAGE": PatientReason(
        _(
            "Ketamine raises blood pressure for a while after each treatment. That is not safe for someone who has "
            "had bleeding in the brain."
        ),
        SEE_YOUR_DOCTOR,
    ),
    "KETAMINE_HYPERSENSITIVITY": PatientReason(
        _(
            "You told us you have had an allergic reaction to ketamine or esketamine, so it would not be safe to "
            "give it to you."
        ),
        SEE_YOUR_DOCTOR,
    ),
    "BP_SEVERE": PatientReason(
        _(
            "The blood pressure reading you gave is very high. Ketamine raises blood pressure further, so it is not "
            "safe while your blood pressure is this high."
        ),
        _(
            "Please see your doctor soon about your blood pressure: it needs care in its own right. If it comes down "
            "with treatment, you can apply again. If you have chest pain, a severe headache, or trouble seeing or "
            "speaking, call 911 now."
        ),
    ),
    "PREGNANT": PatientReason(
        _("Ketamine is not given during pregnancy, because it is not known to be safe for the baby."),
        _(
            "Talk to your obstetrician or doctor about treatments for depression that are safe in pregnancy. "
            "Depression in pregnancy is common, and it can be treated."
        ),
    ),
}

FALLBACK = PatientReason(
    _("One of your answers means this clinic cannot offer ketamine treatment at the moment."),
    SEE_YOUR_DOCTOR,
)


def ineligible_reasons(findings: list[dict]) -> list[PatientReason]:
    """One kind explanation per reason the patient cannot be treated (the exclude findings), in order."""
    reasons: list[PatientReason] = []
    for finding in findings:
        if finding.get("severity") != "exclude":
            continue
        reason = INELIGIBLE_REASONS.get(finding.get("code", ""), FALLBACK)
        if reason not in reasons:
            reasons.append(reason)
    return reasons or [FALLBACK]
