"""Medication vocabulary (§6, §8): every entry resolves however it is written; unknown names are noted."""

import json

import pytest

from screening.rules import evaluate, lookup, suggestion_names
from screening.rules.vocabulary import VOCABULARY_PATH, normalise
from tests.screening.strategies import document

DATA = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
ENTRIES = DATA["drugs"]
NAMES = [
    (entry["generic"], name)
    for entry in ENTRIES
    for name in [entry["generic"], *(b["name"] for b in entry.get("brands", [])), *entry.get("aliases", [])]
]
SUFFIXES = [" XR", " ER", " XL", " SR", " CR", " ODT", " IR", "-XL", "-xr", " xr"]
STRENGTHS = [" 150 mg", " 0.1 mcg", " 5 ml", " 150mg", " 2.5 MG", " 10/325 mg", " 25 mcg/hr", " 100 units/ml"]

# §6, as printed: generic -> (class, minimum mg/day), and the brands it lists.
SPEC_ANTIDEPRESSANTS = {
    "fluoxetine": ("ssri", 20, ["Prozac", "Sarafem"]),
    "sertraline": ("ssri", 50, ["Zoloft"]),
    "paroxetine": ("ssri", 20, ["Paxil", "Pexeva"]),
    "citalopram": ("ssri", 20, ["Celexa"]),
    "escitalopram": ("ssri", 10, ["Lexapro"]),
    "fluvoxamine": ("ssri", 50, ["Luvox"]),
    "venlafaxine": ("snri", 150, ["Effexor"]),
    "desvenlafaxine": ("snri", 50, ["Pristiq"]),
    "duloxetine": ("snri", 60, ["Cymbalta"]),
    "levomilnacipran": ("snri", 40, ["Fetzima"]),
    "milnacipran": ("snri", 100, ["Savella"]),
    "amitriptyline": ("tca", 150, ["Elavil"]),
    "nortriptyline": ("tca", 75, ["Pamelor"]),
    "imipramine": ("tca", 150, ["Tofranil"]),
    "clomipramine": ("tca", 150, ["Anafranil"]),
    "desipramine": ("tca", 150, ["Norpramin"]),
    "doxepin": ("tca", 150, ["Sinequan"]),
    "protriptyline": ("tca", 30, ["Vivactil"]),
    "phenelzine": ("maoi", 45, ["Nardil"]),
    "tranylcypromine": ("maoi", 30, ["Parnate"]),
    "isocarboxazid": ("maoi", 30, ["Marplan"]),
    "selegiline transdermal": ("maoi", 6, ["Emsam"]),
    "bupropion": ("ndri", 300, ["Wellbutrin", "Aplenzin", "Forfivo"]),
    "mirtazapine": ("nassa", 15, ["Remeron"]),
    "trazodone": ("sari", 300, ["Desyrel", "Oleptro"]),
    "nefazodone": ("sari", 300, []),
    "vilazodone": ("serotonin_modulator", 40, ["Viibryd"]),
    "vortioxetine": ("serotonin_modulator", 10, ["Trintellix"]),
}
SPEC_OTHERS = {
    "benzodiazepine": "alprazolam Xanax lorazepam Ativan clonazepam Klonopin diazepam Valium temazepam Restoril "
    "chlordiazepoxide Librium oxazepam triazolam Halcion",
    "sedative_hypnotic": "zolpidem Ambien eszopiclone Lunesta zaleplon Sonata phenobarbital butalbital",
    "opioid": "oxycodone OxyContin Roxicodone Percocet hydrocodone Vicodin Norco morphine hydromorphone Dilaudid "
    "fentanyl codeine tramadol Ultram tapentadol Nucynta methadone buprenorphine Subutex Suboxone oxymorphone",
    "stimulant": "amphetamine Adderall lisdexamfetamine Vyvanse dextroamphetamine Dexedrine methylphenidate Ritalin "
    "Concerta dexmethylphenidate Focalin modafinil Provigil armodafinil Nuvigil methamphetamine Desoxyn",
    "cardiovascular": "metoprolol Lopressor Toprol atenolol Tenormin propranolol Inderal carvedilol Coreg bisoprolol "
    "nebivolol Bystolic labetalol amlodipine Norvasc diltiazem Cardizem verapamil nifedipine lisinopril Zestril "
    "Prinivil enalapril Vasotec ramipril Altace benazepril Lotensin losartan Cozaar valsartan Diovan olmesartan "
    "Benicar irbesartan candesartan hydrochlorothiazide chlorthalidone furosemide Lasix spironolactone Aldactone "
    "digoxin Lanoxin amiodarone Pacerone flecainide sotalol nitroglycerin clonidine Catapres prazosin Minipress "
    "hydralazine Entresto sacubitril/valsartan",
    "maoi": "rasagiline Azilect selegiline Eldepryl Zelapar",
    "antipsychotic": "aripiprazole Abilify quetiapine Seroquel olanzapine Zyprexa risperidone Risperdal lurasidone "
    "Latuda brexpiprazole Rexulti cariprazine Vraylar haloperidol clozapine Clozaril ziprasidone Geodon "
    "paliperidone Invega",
}
SPEC_NAMED = {
    "lamotrigine": ["Lamictal"],
    "lithium": ["Lithobid"],
    "theophylline": [],
    "aminophylline": [],
    "levothyroxine": ["Synthroid"],
    "liothyronine": ["Cytomel"],
}


def spelled(name):
    """Other case than written."""
    return name.swapcase() if name.swapcase() != name else name.upper()


@pytest.mark.parametrize(("generic", "name"), NAMES, ids=[name for _, name in NAMES])
def test_every_name_resolves_however_written(generic, name):
    variants = [name, spelled(name), f"  {name}  ", name.upper(), name.lower()]
    variants += [name + suffix for suffix in SUFFIXES]
    variants += [name + strength for strength in STRENGTHS]
    variants += [f"{spelled(name)} XR 150 mg", f"{name}-XL 25mg"]
    for variant in variants:
        drug = lookup(variant)
        assert drug is not None, variant
        assert drug.generic == generic, variant


@pytest.mark.parametrize("generic", SPEC_ANTIDEPRESSANTS)
def test_spec_antidepressants(generic):
    drug_class, minimum, brands = SPEC_ANTIDEPRESSANTS[generic]
    for name in [generic, *brands]:
        drug = lookup(name)
        assert (drug.generic, drug.classes, drug.min_dose_mg, drug.antidepressant) == (
            generic,
            (drug_class,),
            minimum,
            True,
        )


@pytest.mark.parametrize("drug_class", SPEC_OTHERS)
def test_spec_other_classes(drug_class):
    for name in SPEC_OTHERS[drug_class].split():
        drug = lookup(name)
        assert drug is not None, name
        assert drug_class in drug.classes, name
        assert not drug.antidepressant, name


def test_spec_named_drugs():
    for generic, brands in SPEC_NAMED.items():
        for name in [generic, *brands]:
            assert lookup(name).generic == generic


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Percocet", "oxycodone"),
        ("Suboxone 8 mg/2 mg", "buprenorphine"),
        ("Entresto", "sacubitril/valsartan"),
        ("sacubitril / valsartan", "sacubitril/valsartan"),
        ("Toprol-XL", "metoprolol"),
        ("Toprol XL 50 mg", "metoprolol"),
        ("Synthroid 0.1 mcg", "levothyroxine"),
        ("lithium 5 ml", "lithium"),
        ("Wellbutrin XL 300mg", "bupropion"),
        ("Wellbutrin 150 mg SR", "bupropion"),
        ("Emsam", "selegiline transdermal"),
        ("selegiline transdermal 6 mg/24 hr", "selegiline transdermal"),
        ("Zelapar ODT", "selegiline"),
        ("selegiline", "selegiline"),
        ("Adzenys XR-ODT", "amphetamine"),
        ("Tylenol 3", "codeine"),  # a bare number is part of the name: Tylenol with codeine No. 3
        ("Tylenol 325 mg", "acetaminophen"),
    ],
)
def test_precise_readings(name, generic):
    assert lookup(name).generic == generic


def test_selegiline_forms_differ():
    assert lookup("selegiline").antidepressant is False
    assert lookup("Eldepryl").antidepressant is False
    assert lookup("Emsam").min_dose_mg == 6
    assert lookup("Emsam").classes == lookup("selegiline").classes == ("maoi",)


@pytest.mark.parametrize("name", ["kratom", "Zoloft 3", "sertraline-ish", "", "   ", "XR", "150 mg", "mg", "tablet"])
def test_unknown_names(name):
    assert lookup(name) is None


def test_non_text_is_not_a_drug():
    assert lookup(None) is None  # type: ignore[arg-type]
    assert lookup(42) is None  # type: ignore[arg-type]


def test_unknown_medication_is_noted_once_per_distinct_name():
    names = ["kratom", "Kratom 5 mg", " KRATOM XR ", "ashwagandha", "atorvastatin", "Lipitor"]
    result = evaluate(document({"medications": [{"name": n} for n in names]}))
    unrecognised = [f for f in result.findings if f.code == "MEDICATION_UNRECOGNISED"]
    assert [f.message for f in unrecognised] == [
        'Medication "kratom" is not in the screening vocabulary; check it by hand.',
        'Medication "ashwagandha" is not in the screening vocabulary; check it by hand.',
    ]
    assert all(f.severity == "note" for f in unrecognised)
    assert result.outcome == "eligible"


def test_recognised_drug_outside_every_class_fires_nothing():
    for name in ("atorvastatin", "metformin", "omeprazole", "ibuprofen", "acetaminophen", "gabapentin", "buspirone"):
        assert evaluate(document({"medications": [{"name": name}]})).findings == (), name


def test_current_antidepressants_fire_nothing_but_maois_do():
    result = evaluate(document({"medications": [{"name": n} for n in ("Zoloft", "Cymbalta", "Remeron", "Nardil")]}))
    assert [f.code for f in result.findings] == ["MAOI_USE"]
    assert "Nardil (phenelzine)" in result.findings[0].message


def test_suggestion_names_cover_every_generic_and_brand():
    names = suggestion_names()
    assert set(names) == {name for _, name in NAMES}
    assert names == sorted(names, key=str.casefold)
    assert "Zoloft" in names
    assert "sertraline" in names
    assert "Emsam" in names
    names.clear()  # a copy: callers cannot spoil it
    assert suggestion_names()


def test_vocabulary_size_and_informational_classes_are_never_flagged():
    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    flagged = set(data["classes"]["flagged"]) | set(data["classes"]["antidepressant"])
    assert not flagged & set(data["classes"]["informational"])
    plain = [e for e in ENTRIES if not flagged & set(e["classes"]) and e["generic"] not in SPEC_NAMED]
    assert len(plain) >= 80


def test_normalise():
    assert normalise("  Toprol-XL   50 mg ") == "toprol"
    assert normalise("sacubitril / valsartan") == "sacubitril/valsartan"
    assert normalise("Tylenol 3") == "tylenol 3"
    assert normalise("vitamin D3 1000 IU") == "vitamin d3"
