"""Medication vocabulary (§6): names as people write them -> one known drug, loaded once from vocabulary.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .dictionary import canonical as dictionary_canonical

__all__ = ["ANTIDEPRESSANT_CLASSES", "Drug", "all_drugs", "lookup", "normalise", "suggestion_names"]

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.json")


@dataclass(frozen=True, slots=True)
class Drug:
    generic: str
    classes: tuple[str, ...]
    min_dose_mg: float | None = None
    brands: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    dose_source: str | None = None

    @property
    def antidepressant(self) -> bool:
        """Only drugs with an MGH-ATRQ minimum dose count as antidepressant trials."""
        return self.min_dose_mg is not None

    @property
    def drug_class(self) -> str | None:
        return self.classes[0] if self.classes else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.generic, *self.brands, *self.aliases)


_SPACES = re.compile(r"\s+")
_SLASH = re.compile(r"\s*/\s*")
_TRAILING = re.compile(r"[\s.,;:!]+$")
_AMOUNT = r"(?:\d+(?:[.,]\d+)?|[.,]\d+)"
# A unit is required: "Tylenol 3" is Tylenol with codeine, not Tylenol, so a bare number stays in the name.
_UNIT = r"(?:mg|mcg|µg|μg|ug|g|gm|grams?|milligrams?|micrograms?|ml|cc|l|iu|units?|meq|mmol|%)"
_STRENGTH = re.compile(rf"\s*\b{_AMOUNT}(?:/{_AMOUNT})*\s*{_UNIT}(?:/(?:{_AMOUNT}\s*)?[a-z]+)?$")
_PARENTHESIS = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
FUZZY_MIN_LETTERS = 6


def _clean(name: str) -> str:
    return _TRAILING.sub("", _SLASH.sub("/", _SPACES.sub(" ", name.casefold()).strip()))


def _load() -> tuple[
    tuple[Drug, ...], dict[str, Drug], frozenset[str], re.Pattern[str], frozenset[str], frozenset[str]
]:
    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    antidepressant = frozenset(data["classes"]["antidepressant"])
    declared = antidepressant | set(data["classes"]["flagged"]) | set(data["classes"]["informational"])
    # Longest first, so "orally disintegrating tablet" goes before "tablet".
    forms = sorted((re.escape(f.casefold()) for f in data["forms"]), key=len, reverse=True)
    form_pattern = re.compile(rf"[\s-]+(?:{'|'.join(forms)})$")
    drugs = tuple(
        Drug(
            generic=entry["generic"],
            classes=tuple(entry["classes"]),
            min_dose_mg=entry.get("min_dose_mg"),
            brands=tuple(b["name"] if isinstance(b, dict) else b for b in entry.get("brands", ())),
            aliases=tuple(entry.get("aliases", ())),
            dose_source=entry.get("dose_source"),
        )
        for entry in data["drugs"]
    )
    by_name: dict[str, Drug] = {}
    for drug in drugs:
        # Fail at import rather than screen with a broken vocabulary.
        if not set(drug.classes) <= declared:
            raise ValueError(f"vocabulary: {drug.generic} has an undeclared class {drug.classes}")
        # maoi is also a class of non-antidepressants (selegiline for Parkinson's); the others are not.
        if drug.antidepressant != bool(set(drug.classes) & antidepressant - {"maoi"}) and "maoi" not in drug.classes:
            raise ValueError(f"vocabulary: {drug.generic} needs min_dose_mg exactly when it is an antidepressant")
        for name in drug.names:
            if by_name.setdefault(_clean(name), drug) is not drug:
                raise ValueError(f"vocabulary: {name!r} names two drugs")
    salts = frozenset(s.casefold() for s in data["salts"])
    return drugs, by_name, antidepressant, form_pattern, salts, frozenset(data["classes"]["flagged"])


_DRUGS, _BY_NAME, ANTIDEPRESSANT_CLASSES, _FORM, _SALTS, FLAGGED_CLASSES = _load()
_SUGGESTIONS = tuple(sorted({name for drug in _DRUGS for name in drug.names}, key=str.casefold))


def _strippings(key: str) -> list[str]:
    """The name, then the name without each trailing strength or dosage-form word in turn ("zoloft 50 mg tablet",
    "zoloft 50 mg", "zoloft")."""
    steps = [key]
    while True:
        stripped = _STRENGTH.sub("", key)
        if stripped == key:
            stripped = _FORM.sub("", key)
        stripped = _TRAILING.sub("", stripped)
        if stripped == key or not stripped:
            return steps
        key = stripped
        steps.append(key)


@lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    """Case-folded, trimmed, without trailing strengths ("150 mg") and dosage-form words ("XR", "SolTab")."""
    return _strippings(_clean(name))[-1]


def _osa_distance_at_most_one(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours (or none)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[i:] == long_[i + 1 :]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


def _fuzzy_index() -> dict[str, frozenset[str]]:
    """Every name of 6+ letters, and each of its one-letter deletions -> those names (a symmetric-delete index)."""
    index: dict[str, set[str]] = {}
    for key in _BY_NAME:
        if _letters(key) >= FUZZY_MIN_LETTERS:
            for variant in {key, *_deletes(key)}:
                index.setdefault(variant, set()).add(key)
    return {variant: frozenset(keys) for variant, keys in index.items()}


_FUZZY: dict[str, frozenset[str]] = {}  # built on the first name that needs it, not at import


def _fuzzy(key: str) -> Drug | None:
    """The one drug a name one typing mistake away points to; None if none does, or more than one."""
    if _letters(key) < FUZZY_MIN_LETTERS - 1:
        return None
    if not _FUZZY:
        _FUZZY.update(_fuzzy_index())
    near: set[str] = set()
    for variant in {key, *_deletes(key)}:
        near |= _FUZZY.get(variant, frozenset())
    drugs = {_BY_NAME[name] for name in near if _osa_distance_at_most_one(key, name)}
    return drugs.pop() if len(drugs) == 1 else None


def _exact(key: str) -> Drug | None:
    for step in _strippings(key):
        if (drug := _BY_NAME.get(step)) is not None:
            return drug
        words = step.rsplit(" ", 1)
        if len(words) == 2 and words[1] in _SALTS and (drug := _BY_NAME.get(words[0])) is not None:
            return drug  # "escitalopram oxalate", "bupropion hcl"
    return None


_COMPONENT = re.compile(r"\s*(?:/|,\s*and\s|,|\band\b|\bwith\b)\s*")
_by_canonical: dict[str, Drug] | None = None


def _our_drug_by_canonical() -> dict[str, Drug]:
    """The dictionary's canonical name of each of our names -> our drug, so our table classifies its hits.

    A canonical two of our drugs would claim is left out (and reported by `conflicts`): none is, in the pinned
    release."""
    global _by_canonical
    if _by_canonical is None:
        claims: dict[str, set[Drug]] = {}
        for key, drug in _BY_NAME.items():
            if (found := dictionary_canonical(key)) is not None:
                claims.setdefault(found, set()).add(drug)
        _by_canonical = {found: drugs.pop() for found, drugs in claims.items() if len(drugs) == 1}
    return _by_canonical


def conflicts() -> dict[str, set[str]]:
    """Dictionary canonicals that two of our drugs claim (must be empty)."""
    claims: dict[str, set[str]] = {}
    for key, drug in _BY_NAME.items():
        if (found := dictionary_canonical(key)) is not None:
            claims.setdefault(found, set()).add(drug.generic)
    return {found: generics for found, generics in claims.items() if len(generics) > 1}


def _from_canonical(found: str) -> Drug:
    """Our drug for a dictionary canonical; for a combination, its component of a flagged class (then an
    antidepressant, then any of ours); else the dictionary's drug, known but in no class of ours."""
    ours = _our_drug_by_canonical()
    if (drug := ours.get(found)) is not None:
        return drug
    parts = [p for p in _COMPONENT.split(found) if p]
    if len(parts) > 1:
        components = [d for p in parts if (d := ours.get(p) or _BY_NAME.get(p)) is not None]
        for wanted in (lambda d: bool(set(d.classes) & FLAGGED_CLASSES), lambda d: d.antidepressant, bool):
            if chosen := next((d for d in components if wanted(d)), None):
                return chosen
    return _dictionary_drug(found)


@lru_cache(maxsize=4096)
def _dictionary_drug(found: str) -> Drug:
    return Drug(generic=found, classes=())


def _in_dictionary(key: str) -> Drug | None:
    """The name (or, in turn, without its strength, dosage form and salt) as the general dictionary knows it."""
    for step in _strippings(key):
        words = step.rsplit(" ", 1)
        for candidate in (step, words[0]) if len(words) == 2 and words[1] in _SALTS else (step,):
            if (found := dictionary_canonical(candidate)) is not None:
                return _from_canonical(found)
    return None


@lru_cache(maxsize=8192)
def lookup(name: str) -> Drug | None:
    """The drug a written name means, or None when the name is not a known drug.

    In order: our table by the name as written, then without its trailing strength, dosage form and salt;
    "Brand (generic)" by either part; then the general dictionary (§6) the same ways; then one typing mistake
    of a name of our table, when it points to one drug only."""
    if not isinstance(name, str):
        return None
    key = _clean(name)
    if not key:
        return None
    if (drug := _exact(key)) is not None:
        return drug
    for step in _strippings(key):
        if (parts := _PARENTHESIS.match(step)) is not None:
            outer, inner = _exact(parts["outer"]), _exact(parts["inner"])
            if outer is not None and inner is not None and inner is not outer:
                return None  # two different drugs named: not a guess to make
            return outer or inner
    written = _SPACES.sub(" ", name.casefold()).strip()  # "Nexium I.V.": the dictionary keeps the dots
    drug = _from_canonical(found) if (found := dictionary_canonical(written)) is not None else _in_dictionary(key)
    if drug is not None:
        if not drug.classes and (near := _fuzzy(normalise(key))) is not None and FLAGGED_CLASSES & set(near.classes):
            # One letter from a drug we flag, and only a drug of no class of ours in the dictionary ("prosom",
            # a MeSH protein, or ProSom, estazolam): read the flagged one; a psychiatrist checks either way.
            return near
        return drug
    for step in _strippings(key):
        if (parts := _PARENTHESIS.match(step)) is not None:
            outer, inner = _in_dictionary(parts["outer"]), _in_dictionary(parts["inner"])
            if outer is not None and inner is not None and inner != outer:
                return None
            return outer or inner
    return _fuzzy_steps(key)


def _fuzzy_steps(key: str) -> Drug | None:
    # The longest form first, so "selegiline patsh" stays the patch and does not become oral selegiline.
    for step in _strippings(key):
        words = step.rsplit(" ", 1)
        for candidate in (step, words[0]) if len(words) == 2 and words[1] in _SALTS else (step,):
            if (drug := _fuzzy(candidate)) is not None:
                return drug
    return None


def suggestion_names() -> list[str]:
    """Every generic, brand and alias, display-cased and sorted, for an autocomplete."""
    return list(_SUGGESTIONS)


def all_drugs() -> tuple[Drug, ...]:
    return _DRUGS
