"""The engine stays pure: no Django, no clock, and no dependency on files outside the project."""

import ast
import json
from pathlib import Path

import pytest

import screening.rules

RULES_DIR = Path(screening.rules.__file__).parent
MODULES = sorted(RULES_DIR.rglob("*.py"))


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "__import__",
            "import_module",
        }:
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def test_there_are_modules_to_check():
    assert {"engine.py", "validation.py", "vocabulary.py", "policy.py"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_django_import(module):
    imported = _imported_modules(ast.parse(module.read_text(encoding="utf-8")))
    assert not {name for name in imported if name == "django" or name.startswith("django.")}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_clock(module):
    """The screening date comes from the document's screened_on, never from the machine."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    clock_calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if node.func.attr in {"today", "now", "utcnow", "time", "monotonic"}
    }
    assert not clock_calls


def test_the_detector_would_notice_django():
    assert "django.conf" in _imported_modules(ast.parse("from django.conf import settings"))
    assert "django" in _imported_modules(ast.parse("import django"))


def test_reads_the_projects_own_schema_copy():
    from screening.rules.schema import SCHEMA, SCHEMA_PATH

    assert SCHEMA_PATH.parent == RULES_DIR
    assert json.loads((RULES_DIR / "intake-document.schema.json").read_text(encoding="utf-8")) == SCHEMA
    for module in MODULES:
        assert "/work/shared" not in module.read_text(encoding="utf-8")
        assert "../shared" not in module.read_text(encoding="utf-8")


def test_importing_the_engine_does_not_load_the_drug_dictionary():
    """The dictionary (about 2 s) loads on the first name our table does not know exactly, once per process."""
    import subprocess
    import sys

    code = (
        "import screening.rules as r; from screening.rules import dictionary as d; "
        "r.lookup('Zoloft 50 mg'); r.lookup('escitalopram oxalate 10 mg'); print(d._names is None); "
        "r.lookup('Flomax'); print(d._names is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]  # our own names (strength, salt) do not load it; an ordinary medicine does
