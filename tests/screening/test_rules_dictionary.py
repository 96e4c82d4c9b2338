"""The general drug dictionary (§6, ruleset 2027.01): ordinary medicines are known drugs, our table classifies.

Both ways: every generic and brand of our table is the same drug to the dictionary, and the dictionary's members
of each flagged class (a reference sample from the WHO ATC classes) land in that class of our table."""

import time

import pytest

from screening.rules import dictionary, evaluate, lookup
from screening.rules.vocabulary import _from_canonical, all_drugs, conflicts
from tests.screening.strategies import document

# Names our table has that the pinned dictionary does not (yet) know: each checked by hand against its source.
NOT_IN_DICTIONARY = {
    "auvelity",
    "exxua",
    "dextromethorphan-bupropion",
    "dextromethorphan and bupropion",
    "bupropion-dextromethorphan",
    "dextromethorphan/bupropion",
    "selegiline transdermal",
    "transdermal selegiline",
    "emsam patch",
}

# WHO ATC members of each flagged class (N05A, N05BA/N05CD, N02A/N07BC, N06BA/A08AA, N06AF/N04BD, C01-C09).
FLAGGED_SAMPLE = {
    "antipsychotic": (
        "chlorpromazine Thorazine levomepromazine promazine acepromazine triflupromazine fluphenazine perphenazine "
        "prochlorperazine Compazine thioridazine mesoridazine trifluoperazine periciazine pipotiazine haloperidol "
        "Haldol droperidol bromperidol pimozide Orap penfluridol fluspirilene thiothixene Navane flupentixol "
        "zuclopenthixol chlorprothixene loxapine clozapine olanzapine quetiapine asenapine clotiapine molindone "
        "sulpiride amisulpride tiapride sertindole ziprasidone lurasidone risperidone paliperidone iloperidone "
        "aripiprazole brexpiprazole cariprazine lumateperone pimavanserin Nuplazid zotepine blonanserin melperone"
    ),
    "benzodiazepine": (
        "alprazolam lorazepam clonazepam diazepam temazepam chlordiazepoxide oxazepam triazolam clobazam clorazepate "
        "midazolam estazolam flurazepam quazepam bromazepam nitrazepam flunitrazepam Rohypnol lormetazepam prazepam "
        "halazepam medazepam ketazolam loprazolam brotizolam etizolam remimazolam cinolazepam nordazepam"
    ),
    "opioid": (
        "oxycodone hydrocodone morphine hydromorphone fentanyl codeine tramadol tapentadol methadone buprenorphine "
        "oxymorphone meperidine Demerol levorphanol pentazocine Talwin butorphanol nalbuphine sufentanil "
        "remifentanil alfentanil dihydrocodeine oliceridine propoxyphene Darvon opium heroin dezocine"
    ),
    "stimulant": (
        "amphetamine lisdexamfetamine dextroamphetamine methylphenidate dexmethylphenidate modafinil armodafinil "
        "methamphetamine phentermine solriamfetol serdexmethylphenidate benzphetamine diethylpropion "
        "phendimetrazine mazindol pemoline"
    ),
    "maoi": "phenelzine tranylcypromine isocarboxazid selegiline rasagiline safinamide moclobemide",
    "cardiovascular": (
        "metoprolol atenolol propranolol carvedilol bisoprolol nebivolol labetalol nadolol acebutolol betaxolol "
        "pindolol timolol esmolol penbutolol amlodipine diltiazem verapamil nifedipine felodipine isradipine "
        "nicardipine nisoldipine nimodipine clevidipine lisinopril enalapril ramipril benazepril quinapril captopril "
        "fosinopril moexipril perindopril trandolapril losartan valsartan olmesartan irbesartan candesartan "
        "telmisartan azilsartan eprosartan hydrochlorothiazide chlorthalidone chlorothiazide indapamide metolazone "
        "furosemide torsemide bumetanide spironolactone eplerenone finerenone amiloride triamterene digoxin "
        "amiodarone flecainide sotalol propafenone dronedarone dofetilide quinidine procainamide disopyramide "
        "mexiletine ibutilide nitroglycerin ranolazine ivabradine clonidine guanfacine methyldopa prazosin doxazosin "
        "terazosin hydralazine minoxidil aliskiren mecamylamine midodrine droxidopa reserpine"
    ),
}


def _our_names():
    for drug in all_drugs():
        for name in drug.names:
            yield drug, name


def test_every_name_of_our_table_is_the_same_drug_to_the_dictionary():
    known = 0
    for drug, name in _our_names():
        found = dictionary.canonical(name.casefold())
        if found is None:
            continue
        known += 1
        assert _from_canonical(found) == drug, (name, found)  # the dictionary's drug is ours again
    assert conflicts() == {}
    assert known > 700


def test_every_generic_of_our_table_is_in_the_dictionary_but_the_listed_few():
    missing = {drug.generic for drug in all_drugs() if dictionary.canonical(drug.generic) is None} - NOT_IN_DICTIONARY
    # Generics the pinned release lacks, all in no flagged class (informational names like "multivitamin").
    assert all(not set(lookup(g).classes) & {"opioid", "benzodiazepine", "antipsychotic", "stimulant"} for g in missing)


@pytest.mark.parametrize("drug_class", sorted(FLAGGED_SAMPLE))
def test_the_dictionarys_members_of_a_flagged_class_land_in_that_class(drug_class):
    names = FLAGGED_SAMPLE[drug_class].split()
    in_dictionary = [name for name in names if dictionary.canonical(name.casefold()) is not None]
    assert len(in_dictionary) >= 0.9 * len(names)
    wrong = [name for name in in_dictionary if drug_class not in (lookup(name) or all_drugs()[0]).classes]
    assert wrong == []


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("Flomax", "tamsulosin"),
        ("tamsulosin 0.4 mg capsule", "tamsulosin"),
        ("warfarin", "warfarin"),
        ("Eliquis 5 mg", "apixaban"),
        ("Xarelto", "rivaroxaban"),
        ("Plavix", "clopidogrel"),
        ("Viagra", "sildenafil"),
        ("Cialis", "tadalafil"),
        ("Flexeril", "cyclobenzaprine"),
        ("Zanaflex", "tizanidine"),
        ("baclofen", "baclofen"),
        ("methocarbamol", "methocarbamol"),
        ("ethinyl estradiol", "ethinyl estradiol"),
        ("salbutamol", "albuterol"),
        ("Imovane", "zopiclone"),
        ("atomoxetine", "atomoxetine"),
    ],
)
def test_ordinary_medicines_are_known_drugs_that_fire_nothing(written, generic):
    result = evaluate(document({"medications": [{"name": written}]}))
    assert result.medications[0].generic == generic
    assert "MEDICATION_UNRECOGNISED" not in {f.code for f in result.findings}


def test_thorazine_is_an_antipsychotic():
    result = evaluate(document({"medications": [{"name": "Thorazine 25 mg"}]}))
    note = next(f for f in result.findings if f.code == "ANTIPSYCHOTIC_USE")
    assert "Thorazine 25 mg (chlorpromazine)" in note.message


@pytest.mark.parametrize("made_up", ["Foobarex", "vitamins", "none", "herbal tea"])
def test_a_made_up_name_stays_unrecognised(made_up):
    result = evaluate(document({"medications": [{"name": made_up}]}))
    assert [f.code for f in result.findings if f.code == "MEDICATION_UNRECOGNISED"] == ["MEDICATION_UNRECOGNISED"]


def test_every_dictionary_name_resolves_and_none_is_claimed_by_two_drugs():
    """Feeds every name of the dictionary through the lookup (the benchmark prints the same counts)."""
    names = dictionary.names()
    ours = set(all_drugs())
    resolved = claimed_twice = 0
    for name, found in names.items():
        drug = lookup(name)
        resolved += drug is not None
        theirs = _from_canonical(found)
        claimed_twice += drug is not None and drug != theirs and theirs in ours  # two of our drugs
    assert resolved >= len(names) - 10  # a few are not names ("tradename =" scraped from a wiki page)
    assert claimed_twice == 0


def test_loading_the_dictionary_is_lazy_and_once_per_process():
    """Importing the engine does not load it (test_rules_import_time measures the import)."""
    start = time.perf_counter()
    first = dictionary.names()
    second = dictionary.names()
    assert first is second
    assert time.perf_counter() - start < 10
