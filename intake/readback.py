"""How a typed medicine name was read, said back to the patient beside its row (issue 21).

Rendered by the server with the page (no JavaScript needed, no request per keystroke); the names to choose
from are already in the page's <datalist>. Uses the pure screening engine's lookup, so the patient reads
exactly what screening will read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from screening.rules import Drug, lookup
from screening.rules.vocabulary import ANTIDEPRESSANT_CLASSES

KETAMINE = "ketamine"
# What a class is, in a patient's words (the first class of a drug decides).
CLASS_WORDS = {
    "antipsychotic": _("an antipsychotic"),
    "benzodiazepine": _("a benzodiazepine (for anxiety or sleep)"),
    "sedative_hypnotic": _("a sleep medicine"),
    "opioid": _("an opioid pain medicine"),
    "stimulant": _("a stimulant"),
    "cardiovascular": _("a heart or blood-pressure medicine"),
    "mood_stabilizer": _("a mood stabiliser"),
    "anticonvulsant": _("an anti-seizure medicine"),
    "thyroid_hormone": _("a thyroid hormone"),
}


@dataclass(frozen=True)
class ReadBack:
    written: str
    read_as: str  # "sertraline (Zoloft)", or "" when not recognised
    what: str  # "an antidepressant", or what to do when not recognised
    recognised: bool


def _name(drug: Drug, written: str) -> str:
    brand = next((b for b in drug.brands if b.casefold() != written.casefold()), None)
    typed_brand = next((b for b in drug.brands if b.casefold() == written.strip().casefold()), None)
    shown = typed_brand or brand
    return f"{drug.generic} ({shown})" if shown else drug.generic


def _what(drug: Drug, *, trial: bool) -> str:
    if KETAMINE in drug.classes:
        return str(_("ketamine treatment: we count it as ketamine treatment before, not as an antidepressant"))
    if set(drug.classes) & ANTIDEPRESSANT_CLASSES and (drug.antidepressant or not trial):
        return str(_("an antidepressant"))
    if trial:
        return str(_("not an antidepressant, so it does not count as an antidepressant you tried"))
    words = next((CLASS_WORDS[c] for c in drug.classes if c in CLASS_WORDS), _("a medicine we know"))
    return str(words)


def read_back(written: str | None, *, trial: bool) -> ReadBack | None:
    """None for an empty row; otherwise what the name was read as, or that it was not recognised."""
    if not written or not written.strip():
        return None
    drug = lookup(written)
    if drug is None:
        return ReadBack(
            written.strip(), "", str(_("not recognised: check the spelling; we will ask you if needed")), False
        )
    return ReadBack(written.strip(), _name(drug, written), _what(drug, trial=trial), True)


def sentence(read: ReadBack) -> str:
    """The words beside the row (the same as templates/intake/_row_readback.html draws)."""
    if read.recognised:
        return gettext("“%(written)s” → %(read_as)s, %(what)s") % {
            "written": read.written,
            "read_as": read.read_as,
            "what": read.what,
        }
    return gettext("“%(written)s”: %(what)s") % {"written": read.written, "what": read.what}


def repeated_rows(names: list[str]) -> dict[str, list[int]]:
    """Antidepressant generics written in two or more rows -> their row numbers (from 1)."""
    rows: dict[str, list[int]] = {}
    for number, written in enumerate(names, start=1):
        drug = lookup(written) if written else None
        if drug is not None and drug.antidepressant:
            rows.setdefault(drug.generic, []).append(number)
    return {generic: numbers for generic, numbers in rows.items() if len(numbers) > 1}
