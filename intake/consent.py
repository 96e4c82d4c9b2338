"""The privacy notice and consent the patient signs; the exact text and its version are stored with each submission.

Change the text only together with CONSENT_VERSION, so every submission records what the person agreed to.
"""

CONSENT_VERSION = "2026-11-1"

PRIVACY_POINTS = (
    "Your answers go only to the clinic you chose.",
    "They are used to decide whether ketamine treatment might suit you, and what your next step should be.",
    "The clinic's psychiatrists and care coordinators read them. Each time a member of staff opens your record, "
    "it is logged.",
    "Your answers are stored securely. They are never sold or used for advertising.",
    "E-mails and text messages never contain your health details: they only tell you there is news and ask you "
    "to sign in.",
    "You can ask the clinic for a copy of your answers, to correct them, or to delete your account, at any time.",
)
PRIVACY_NOTICE = " ".join(PRIVACY_POINTS)

CONTACT_CONSENT = (
    "I agree that the clinic may contact me by phone or e-mail about my intake, including to arrange a "
    "psychiatric evaluation, and that it may contact me straight away if my answers suggest I may be at risk."
)

ACCURACY_STATEMENT = (
    "The answers I have given are true to the best of my knowledge. I understand that this intake is not a "
    "diagnosis or a treatment decision, and that a psychiatrist will evaluate me before any treatment."
)

CONSENT_TEXT = "\n\n".join(
    [
        f"Consent version {CONSENT_VERSION}",
        "Privacy notice. " + PRIVACY_NOTICE,
        "Consent to be contacted. " + CONTACT_CONSENT,
        "Declaration. " + ACCURACY_STATEMENT,
        "Signed by typing my full name.",
    ]
)
