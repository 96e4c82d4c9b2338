"""The general drug dictionary (§6, ruleset 2027.01): is a written name a known drug, and which one.

The names come from `drug-named-entity-recognition` (Fast Data Science; DrugBank, MeSH, MedlinePlus and NHS
names and synonyms, brand -> generic), shipped inside that package, no network. Only its name table is read,
straight from the package's data file (found, not imported), not through its module, which imports an HTTP
client and reads a cache in the home folder. The table is loaded on the first name our own vocabulary does not
know, once per process (0.5 to 2 seconds), so importing the engine costs nothing more.
"""

from __future__ import annotations

import threading

__all__ = ["PACKAGE", "canonical", "dictionary_version", "names"]

PACKAGE = "drug-named-entity-recognition"
_DATA = ("drug_named_entity_recognition", "drug_ner_dictionary.pkl.bz2")

_lock = threading.Lock()
_names: dict[str, str] | None = None


def _load() -> dict[str, str]:
    """Every name the dictionary knows (lower case) -> its one canonical (generic) name."""
    import bz2  # here, not at the top: importing the engine must stay cheap
    import importlib.util
    import pickle
    from pathlib import Path

    # Found, not imported: importing the package would load the same file again and build its own indexes.
    spec = importlib.util.find_spec(_DATA[0])
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{PACKAGE} is not installed (requirements.txt pins it)")
    raw = (Path(next(iter(spec.submodule_search_locations))) / _DATA[1]).read_bytes()
    # The package's own data file, installed from a pinned release: not untrusted input.
    data = pickle.loads(bz2.decompress(raw))  # noqa: S301
    return {
        variant: canonicals[0]
        for variant, canonicals in data["drug_variant_to_canonical"].items()
        if len(canonicals) == 1  # every name has exactly one in the pinned release; a test checks
    }


def names() -> dict[str, str]:
    """The whole name table, loaded on first use."""
    global _names
    if _names is None:
        with _lock:
            if _names is None:
                _names = _load()
    return _names


def canonical(name: str) -> str | None:
    """The dictionary's canonical name for a lower-case name, or None when it does not know it."""
    return names().get(name)


def dictionary_version() -> str:
    from importlib import metadata

    return metadata.version(PACKAGE)
