"""The two validated questionnaires, word for word, in English and (through the catalogue) Spanish.

Their Spanish is not ours to write: locale/es/LC_MESSAGES/django.po holds the published versions.
- PHQ-9: "Cuestionario sobre la salud del paciente-9 (PHQ-9)", Spanish for the USA, the official translation
  by Pfizer Inc. from the PHQ Screeners site (phqscreeners.com); free to reproduce and translate.
- C-SSRS: "Escala de Columbia para evaluar el riesgo de suicidio", the Screener (since last visit / recent),
  Spanish for the USA, the Columbia Lighthouse Project (cssrs.columbia.edu); free for clinical use.
Each entry carries the context "PHQ-9" or "C-SSRS", so a translator sees it is not to be paraphrased, and a
change to the English wording here marks the Spanish fuzzy (the catalogue test then fails).
"""

from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy

PHQ9_ITEMS = [
    pgettext_lazy("PHQ-9", "Little interest or pleasure in doing things"),
    pgettext_lazy("PHQ-9", "Feeling down, depressed, or hopeless"),
    pgettext_lazy("PHQ-9", "Trouble falling or staying asleep, or sleeping too much"),
    pgettext_lazy("PHQ-9", "Feeling tired or having little energy"),
    pgettext_lazy("PHQ-9", "Poor appetite or overeating"),
    pgettext_lazy(
        "PHQ-9", "Feeling bad about yourself — or that you are a failure or have let yourself or your family down"
    ),
    pgettext_lazy("PHQ-9", "Trouble concentrating on things, such as reading the newspaper or watching television"),
    pgettext_lazy(
        "PHQ-9",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
    ),
    pgettext_lazy("PHQ-9", "Thoughts that you would be better off dead or of hurting yourself in some way"),
]
PHQ9_SCALE = [
    (0, pgettext_lazy("PHQ-9", "Not at all")),
    (1, pgettext_lazy("PHQ-9", "Several days")),
    (2, pgettext_lazy("PHQ-9", "More than half the days")),
    (3, pgettext_lazy("PHQ-9", "Nearly every day")),
]
PHQ9_QUESTION = pgettext_lazy(
    "PHQ-9", "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_NOTICE = pgettext_lazy(
    "PHQ-9",
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
)


def numbered(number: int, text) -> str:
    """ "3. Trouble falling asleep…", translated when shown."""
    return format_lazy("{}. {}", number, text)


CSSRS = {
    "wish_dead": pgettext_lazy(
        "C-SSRS", "Have you wished you were dead or wished you could go to sleep and not wake up?"
    ),
    "thoughts": pgettext_lazy("C-SSRS", "Have you actually had any thoughts of killing yourself?"),
    "method": pgettext_lazy("C-SSRS", "Have you been thinking about how you might do this?"),
    "intent": pgettext_lazy("C-SSRS", "Have you had these thoughts and had some intention of acting on them?"),
    "plan": pgettext_lazy(
        "C-SSRS",
        "Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?",
    ),
    "behavior": pgettext_lazy(
        "C-SSRS", "Have you ever done anything, started to do anything, or prepared to do anything to end your life?"
    ),
    "behavior_examples": pgettext_lazy(
        "C-SSRS",
        "For example: collected pills, got a gun, gave away valuables, wrote a will or suicide note, "
        "took out pills but did not swallow any, held a gun but changed your mind, went to the roof but did "
        "not jump, or actually took pills or tried to shoot or hurt yourself.",
    ),
    "behavior_recent": pgettext_lazy("C-SSRS", "Was this within the past 3 months?"),
}
