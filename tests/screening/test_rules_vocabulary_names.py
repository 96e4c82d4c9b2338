"""Medication names as patients type them (ruleset 2026.12 and on): every listed brand, current or discontinued, maps to
its generic and class; dosage-form words, strengths and salt names are ignored; one typing mistake in a name of
six or more letters is forgiven, but never towards another drug."""

from __future__ import annotations

import json
import string

import pytest

from screening.rules import RULESET, dictionary, evaluate, lookup
from screening.rules.vocabulary import FUZZY_MIN_LETTERS, VOCABULARY_PATH
from tests.screening.strategies import document, trial

DATA = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
CLASSES = sorted({c for entry in DATA["drugs"] for c in entry["classes"]})


def test_the_ruleset_was_bumped_for_the_new_vocabulary():
    assert RULESET == "2027.01"
    assert "ruleset 2027.01" in DATA["description"]


@pytest.mark.parametrize("drug_class", CLASSES)
def test_every_listed_brand_has_a_source_and_maps_to_its_generic_and_class(drug_class):
    entries = [e for e in DATA["drugs"] if drug_class in e["classes"]]
    assert entries
    for entry in entries:
        drug = lookup(entry["generic"])
        assert drug.generic == entry["generic"] and drug_class in drug.classes
        for brand in entry["brands"]:
            assert brand["source"] in DATA["sources"], brand
            found = lookup(brand["name"])
            assert found is not None, brand["name"]
            assert (found.generic, drug_class in found.classes) == (entry["generic"], True), brand["name"]


@pytest.mark.parametrize(
    ("typed", "generic", "drug_class"),
    [
        ("Brintellix", "vortioxetine", "serotonin_modulator"),
        ("Brintellix 10 mg", "vortioxetine", "serotonin_modulator"),
        ("Serzone", "nefazodone", "sari"),
        ("Remeron SolTab", "mirtazapine", "nassa"),
        ("Remeron SolTab 15 mg", "mirtazapine", "nassa"),
        ("mirtazapine orally disintegrating tablet", "mirtazapine", "nassa"),
        ("Xanax XR", "alprazolam", "benzodiazepine"),
        ("Niravam", "alprazolam", "benzodiazepine"),
        ("Klonopin Wafers", "clonazepam", "benzodiazepine"),
        ("Valtoco", "diazepam", "benzodiazepine"),
        ("Diastat", "diazepam", "benzodiazepine"),
        ("Loreev XR", "lorazepam", "benzodiazepine"),
        ("Serax", "oxazepam", "benzodiazepine"),
        ("ProSom", "estazolam", "benzodiazepine"),
        ("Dalmane", "flurazepam", "benzodiazepine"),
        ("Doral", "quazepam", "benzodiazepine"),
        ("Tranxene T-Tab", "clorazepate", "benzodiazepine"),
        ("Alprazolam Intensol", "alprazolam", "benzodiazepine"),
        ("Librax", "chlordiazepoxide", "benzodiazepine"),
        ("Prozac Weekly", "fluoxetine", "ssri"),
        ("Paxil CR 25 mg", "paroxetine", "ssri"),
        ("Effexor XR 150 mg capsule", "venlafaxine", "snri"),
        ("Wellbutrin SR", "bupropion", "ndri"),
        ("Budeprion XL", "bupropion", "ndri"),
        ("Tofranil-PM", "imipramine", "tca"),
        ("Ritalin LA", "methylphenidate", "stimulant"),
        ("Cardizem LA", "diltiazem", "cardiovascular"),
        ("Cartia XT", "diltiazem", "cardiovascular"),
        ("Metadate CD", "methylphenidate", "stimulant"),
        ("Dexedrine Spansule", "dextroamphetamine", "stimulant"),
        ("Zyprexa Zydis", "olanzapine", "antipsychotic"),
        ("Risperdal M-Tab", "risperidone", "antipsychotic"),
        ("Abilify Maintena", "aripiprazole", "antipsychotic"),
        ("Invega Sustenna", "paliperidone", "antipsychotic"),
        ("Lamictal ODT", "lamotrigine", "anticonvulsant"),
        ("Eskalith", "lithium", "mood_stabilizer"),
        ("Tylenol with Codeine", "codeine", "opioid"),
        ("Kapspargo Sprinkle", "metoprolol", "cardiovascular"),
    ],
)
def test_real_names_patients_write(typed, generic, drug_class):
    drug = lookup(typed)
    assert drug is not None, typed
    assert drug.generic == generic and drug_class in drug.classes


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("escitalopram oxalate", "escitalopram"),
        ("escitalopram oxalate 10 mg", "escitalopram"),
        ("bupropion hydrochloride", "bupropion"),
        ("bupropion HCl XL 300 mg", "bupropion"),
        ("sertraline HCl 50mg tablets", "sertraline"),
        ("citalopram hydrobromide", "citalopram"),
        ("desvenlafaxine succinate ER", "desvenlafaxine"),
        ("vortioxetine hydrobromide", "vortioxetine"),
        ("lisdexamfetamine dimesylate", "lisdexamfetamine"),
        ("metoprolol succinate ER 50 mg", "metoprolol"),
        ("metoprolol tartrate", "metoprolol"),
        ("quetiapine fumarate", "quetiapine"),
        ("levothyroxine sodium 88 mcg", "levothyroxine"),
        ("lithium carbonate", "lithium"),
        ("Lexapro (escitalopram)", "escitalopram"),
        ("escitalopram (Lexapro) 10 mg", "escitalopram"),
        ("Zoloft.", "sertraline"),
    ],
)
def test_salts_strengths_and_forms_are_ignored(typed, generic):
    assert lookup(typed).generic == generic


def test_two_different_drugs_in_one_name_are_not_guessed():
    assert lookup("Lexapro (Zoloft)") is None


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("Zolfot", "sertraline"),  # swapped letters
        ("Sertralin", "sertraline"),  # a letter missing
        ("Lexaproo", "escitalopram"),  # one too many
        ("Wellbutrn", "bupropion"),
        ("Klonopine", "clonazepam"),
        ("Lorazepan", "lorazepam"),
        ("Adderal", "amphetamine"),
        ("Vyvance", "lisdexamfetamine"),
        ("Cymbalta XR", "duloxetine"),
        ("Trintelix", "vortioxetine"),
        ("Brintelix", "vortioxetine"),
        ("Seroquil", "quetiapine"),
        ("Lamictl", "lamotrigine"),
    ],
)
def test_one_typing_mistake_is_forgiven(typed, generic):
    assert lookup(typed).generic == generic


@pytest.mark.parametrize("typed", ["Xanex", "Paxl", "Zocr", "kratom", "vitamins", "none", "birth control"])
def test_short_names_and_words_are_not_guessed(typed):
    # Xanax and Paxil have 5 letters: too short to guess safely (Xanex could be anything).
    assert lookup(typed) is None


def _one_edit_variants(word: str) -> set[str]:
    deletions = {word[:i] + word[i + 1 :] for i in range(len(word))}
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    substitutions = {word[:i] + "q" + word[i + 1 :] for i in range(len(word))}
    insertions = {word[:i] + "e" + word[i:] for i in range(len(word) + 1)}
    return (deletions | swaps | substitutions | insertions) - {word}


def test_a_typing_mistake_never_resolves_to_another_drug():
    checked = 0
    for entry in DATA["drugs"]:
        names = [entry["generic"], *(b["name"] for b in entry["brands"]), *entry.get("aliases", [])]
        for name in names:
            word = name.casefold()
            if sum(ch in string.ascii_lowercase for ch in word) < FUZZY_MIN_LETTERS:
                continue
            for variant in _one_edit_variants(word):
                drug = lookup(variant)
                # Either the same drug, or a real name of another drug (then exact), or not guessed.
                if drug is not None and drug.generic != entry["generic"] and dictionary.canonical(variant) is None:
                    assert lookup(variant) is lookup(variant.strip()), variant
                    exact = {n.casefold() for n in drug.names}
                    assert variant in exact or variant.rstrip(" -") in exact, (name, variant, drug.generic)
                checked += 1
    assert checked > 20_000


def test_the_engine_counts_a_discontinued_brand_as_an_antidepressant_trial_and_flags_a_benzodiazepine_brand():
    doc = document(
        {
            "antidepressant_trials": [trial("Brintellix", 20), trial("Serzone", 400)],
            "medications": [{"name": "Remeron SolTab 15 mg"}, {"name": "Klonopin Wafers"}],
        }
    )
    result = evaluate(doc).to_dict()
    codes = [f["code"] for f in result["findings"]]
    assert "MEDICATION_UNRECOGNISED" not in codes
    assert "BENZODIAZEPINE_USE" in codes
    assert result["trd"]["adequate_failed_trials"] == 2
    assert [m["generic"] for m in result["medications"]] == ["mirtazapine", "clonazepam"]
