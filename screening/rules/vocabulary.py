"""Medication vocabulary (§6): names as people write them -> one known drug, loaded once from vocabulary.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["ANTIDEPRESSANT_CLASSES", "Drug", "all_drugs", "lookup", "normalise", "suggestion_names"]

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.json")


@dataclass(frozen=True, slots=True)
class Drug:
    generic: str
    classes: tuple[str, ...]
    min_dose_mg: float | None = None
    brands: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

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
_RELEASE = re.compile(r"[\s-]+(?:xr|er|xl|sr|cr|odt|ir)$")
_AMOUNT = r"(?:\d+(?:[.,]\d+)?|[.,]\d+)"
# A unit is required: "Tylenol 3" is Tylenol with codeine, not Tylenol, so a bare number stays in the name.
_UNIT = r"(?:mg|mcg|µg|μg|ug|g|gm|grams?|milligrams?|micrograms?|ml|cc|l|iu|units?|meq|mmol|%)"
_STRENGTH = re.compile(rf"\s+{_AMOUNT}(?:/{_AMOUNT})*\s*{_UNIT}(?:/(?:{_AMOUNT}\s*)?[a-z]+)?$")


@lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    """Case-folded, trimmed, without trailing strength ("150 mg") or release suffix ("XR", "-XL")."""
    key = _SLASH.sub("/", _SPACES.sub(" ", name.casefold()).strip())
    while True:
        stripped = _RELEASE.sub("", _STRENGTH.sub("", key))
        if stripped == key:
            return key
        key = stripped


def _load() -> tuple[tuple[Drug, ...], dict[str, Drug], frozenset[str]]:
    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    antidepressant = frozenset(data["classes"]["antidepressant"])
    declared = antidepressant | set(data["classes"]["flagged"]) | set(data["classes"]["informational"])
    drugs = tuple(
        Drug(
            generic=entry["generic"],
            classes=tuple(entry["classes"]),
            min_dose_mg=entry.get("min_dose_mg"),
            brands=tuple(entry.get("brands", ())),
            aliases=tuple(entry.get("aliases", ())),
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
            key = normalise(name)
            if key != _SPACES.sub(" ", name.casefold()).strip():
                raise ValueError(f"vocabulary: {name!r} would lose a part to normalisation")
            if by_name.setdefault(key, drug) is not drug:
                raise ValueError(f"vocabulary: {name!r} names two drugs")
    return drugs, by_name, antidepressant


_DRUGS, _BY_NAME, ANTIDEPRESSANT_CLASSES = _load()
_SUGGESTIONS = tuple(sorted({name for drug in _DRUGS for name in drug.names}, key=str.casefold))


@lru_cache(maxsize=8192)
def lookup(name: str) -> Drug | None:
    """The drug a written name means, or None when the name is not a known drug."""
    if not isinstance(name, str):
        return None
    return _BY_NAME.get(normalise(name))


def suggestion_names() -> list[str]:
    """Every generic, brand and alias, display-cased and sorted, for an autocomplete."""
    return list(_SUGGESTIONS)


def all_drugs() -> tuple[Drug, ...]:
    return _DRUGS
