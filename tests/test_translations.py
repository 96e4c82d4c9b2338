"""The Spanish catalogue: complete for the patient side, and never silently behind the English source.

REDCap and OpenEMR translations drift when a question changes; here a changed English string comes back
fuzzy from `make makemessages`, and these tests fail until someone translates it again.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "es" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# What a patient meets; staff pages may stay in English.
PATIENT_SOURCES = (
    "intake/",
    "patients/",
    "templates/patients/",
    "core/forms.py",
    "core/services.py",
    "core/middleware.py",
    "core/notification_kinds.py",
    "core/notifications.py",
    "screening/notification_kinds.py",
    "clinics/forms.py",
    "clinics/notification_kinds.py",
    "clinics/models.py",
    "scheduling/appointments.py",
    "scheduling/models.py",
    "scheduling/notification_kinds.py",
    "scheduling/forms.py",
    "templates/core/notifications.html",
    "templates/scheduling/_slots.html",
    "templates/404.html",
    "templates/clinics/directory.html",
    "templates/clinics/detail.html",
    "core/models.py",
    "core/templatetags/",
    "core/views_auth.py",
    "templates/base.html",
    "templates/crisis.html",
    "templates/home.html",
    "templates/includes/",
    "templates/intake/",
    "templates/registration/",
    "static/js/",
)
# The flags and ignores of `make makemessages` (the Makefile's MAKEMESSAGES).
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "es",
    "--add-location=file",
    "--no-obsolete",
    "--no-wrap",
    *("-i", "tests/*", "-i", "benchmarks/*", "-i", "docs/*", "-i", "staticfiles/*", "-i", "test-artifacts/*"),
    *("-i", "static/vendor/*"),
]


def catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def translated(message) -> bool:
    """Every form of the translation is filled in (a plural entry has one per plural form)."""
    forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return all(forms)


def for_patients(message) -> bool:
    return any(str(place).startswith(PATIENT_SOURCES) for place, _ in message.locations)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_patient_string_has_a_spanish_translation_that_is_not_fuzzy(domain):
    messages = [m for m in catalogue(LOCALE / f"{domain}.po") if m.id and for_patients(m)]

    assert messages, "no patient strings were extracted"
    untranslated = [m.id for m in messages if not translated(m)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [], "translate these in locale/es/LC_MESSAGES"
    assert fuzzy == [], "the English changed after these were translated: check and translate them again"


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder(domain):
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(LOCALE / f"{domain}.po").check()
        if errors
    ]
    assert problems == []


def test_the_validated_questionnaires_are_the_published_spanish_versions():
    """A spot check of the entries a translator must not paraphrase (PHQ-9 and C-SSRS, Spanish for the USA)."""
    by_key = {(m.context, m.id): m.string for m in catalogue(LOCALE / "django.po") if m.id}

    assert by_key[("PHQ-9", "Little interest or pleasure in doing things")] == "Poco interés o placer en hacer cosas"
    assert by_key[("PHQ-9", "Nearly every day")] == "Casi todos los días"
    assert (
        by_key[("C-SSRS", "Have you wished you were dead or wished you could go to sleep and not wake up?")]
        == "¿Ha deseado estar muerto(a) o poder dormirse y no despertar?"
    )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (.ci/run installs it)")
def test_the_committed_catalogue_is_what_makemessages_extracts_from_the_source_today(tmp_path):
    """Extract again from a copy of the tree: a string marked since, or an English string changed since it was
    translated (msgmerge marks it fuzzy), fails here until `make makemessages` and a translation follow."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "test-artifacts", "staticfiles", "*.mo", "__pycache__", "db.sqlite3"
        ),
    )
    for domain in DOMAINS:
        result = subprocess.run(
            [sys.executable, "manage.py", *MAKEMESSAGES, "-d", domain],
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]

        committed = catalogue(LOCALE / f"{domain}.po")
        fresh = catalogue(copy / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po")
        committed_keys = {(m.context, m.id) for m in committed if m.id}
        fresh_keys = {(m.context, m.id) for m in fresh if m.id}
        assert sorted(fresh_keys - committed_keys, key=str) == [], f"new strings: run make makemessages ({domain})"
        assert sorted(committed_keys - fresh_keys, key=str) == [], f"strings gone: run make makemessages ({domain})"
        assert [m.id for m in fresh if m.id and m.fuzzy] == [], f"changed since translated ({domain})"
