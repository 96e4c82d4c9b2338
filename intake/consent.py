"""The privacy notice and consent the patient signs, per language; the exact text, its version and its language
are stored with each submission.

Legal text is versioned, not run through the translation catalogue: change a language's text only together
with its version, so every submission records what the person agreed to, in the words they read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation


@dataclass(frozen=True)
class Consent:
    language: str
    version: str
    privacy_points: tuple[str, ...]
    contact: str
    accuracy: str
    headings: tuple[str, str, str, str, str]  # version, privacy notice, contact, declaration, how signed

    @property
    def privacy_notice(self) -> str:
        return " ".join(self.privacy_points)

    @property
    def text(self) -> str:
        version, privacy, contact, declaration, signed = self.headings
        return "\n\n".join(
            [
                f"{version} {self.version}",
                f"{privacy} {self.privacy_notice}",
                f"{contact} {self.contact}",
                f"{declaration} {self.accuracy}",
                signed,
            ]
        )


ENGLISH = Consent(
    language="en",
    version="2026-11-1",
    privacy_points=(
        "Your answers go only to the clinic you chose.",
        "They are used to decide whether ketamine treatment might suit you, and what your next step should be.",
        "The clinic's psychiatrists and care coordinators read them. Each time a member of staff opens your "
        "record, it is logged.",
        "Your answers are stored securely. They are never sold or used for advertising.",
        "E-mails and text messages never contain your health details: they only tell you there is news and ask "
        "you to sign in.",
        "You can ask the clinic for a copy of your answers, to correct them, or to delete your account, at any time.",
    ),
    contact=(
        "I agree that the clinic may contact me by phone or e-mail about my intake, including to arrange a "
        "psychiatric evaluation, and that it may contact me straight away if my answers suggest I may be at risk."
    ),
    accuracy=(
        "The answers I have given are true to the best of my knowledge. I understand that this intake is not a "
        "diagnosis or a treatment decision, and that a psychiatrist will evaluate me before any treatment."
    ),
    headings=(
        "Consent version",
        "Privacy notice.",
        "Consent to be contacted.",
        "Declaration.",
        "Signed by typing my full name.",
    ),
)

SPANISH = Consent(
    language="es",
    version="2026-12-1-es",
    privacy_points=(
        "Sus respuestas van solamente a la clínica que usted eligió.",
        "Se usan para decidir si el tratamiento con ketamina podría ser adecuado para usted y cuál debe ser su "
        "siguiente paso.",
        "Los psiquiatras y los coordinadores de atención de la clínica las leen. Cada vez que alguien del "
        "personal abre su expediente, queda registrado.",
        "Sus respuestas se guardan de forma segura. Nunca se venden ni se usan para publicidad.",
        "Los correos electrónicos y los mensajes de texto nunca contienen datos de su salud: solo le avisan que "
        "hay novedades y le piden que inicie sesión.",
        "Puede pedirle a la clínica una copia de sus respuestas, corregirlas o eliminar su cuenta en cualquier "
        "momento.",
    ),
    contact=(
        "Acepto que la clínica se comunique conmigo por teléfono o correo electrónico sobre mi cuestionario, "
        "también para programar una evaluación psiquiátrica, y que se comunique conmigo de inmediato si mis "
        "respuestas indican que podría estar en riesgo."
    ),
    accuracy=(
        "Las respuestas que he dado son verdaderas según mi leal saber y entender. Entiendo que este cuestionario "
        "no es un diagnóstico ni una decisión de tratamiento, y que un psiquiatra me evaluará antes de cualquier "
        "tratamiento."
    ),
    headings=(
        "Versión del consentimiento",
        "Aviso de privacidad.",
        "Consentimiento para que me contacten.",
        "Declaración.",
        "Firmado al escribir mi nombre completo.",
    ),
)

CONSENTS = {consent.language: consent for consent in (ENGLISH, SPANISH)}


def consent_for(language: str | None = None) -> Consent:
    """The consent in `language` (default: the active one), English when there is none in that language."""
    code = (language or translation.get_language() or "en").split("-")[0]
    return CONSENTS.get(code, ENGLISH)


# The English text under its old names (what earlier submissions and tests refer to).
CONSENT_VERSION = ENGLISH.version
CONTACT_CONSENT = ENGLISH.contact
CONSENT_TEXT = ENGLISH.text
