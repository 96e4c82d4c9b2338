"""Tests share set-ups through tests/factories and conftest.py files, never through each other.

A test module that imports another test module runs that module's tests' imports (and, with a star or a fixture,
its fixtures) in a place nobody looks; helpers then drift into `test_*_support.py` files that pytest collects.
Shared factories go in the tests.factories package, shared fixtures in a conftest.py, and folder-local helpers in a
module whose name does not start with `test_` (tests/browser/pages.py, tests/intake/answers.py).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def python_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(TESTS):
        dirs[:] = [d for d in dirs if d not in {"node_modules", "__pycache__", "vendor"}]
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return sorted(found)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """(line, dotted name) of every module this file imports, relative imports resolved, lazy ones included."""
    package = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            # `from tests.core import test_outbox` imports a module by name
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_") and (ROOT.joinpath(*parts).with_suffix(".py")).exists()


def test_no_test_module_imports_another_test_module():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {dotted}"
        for path in python_files()
        for line, dotted in imported_modules(path)
        if is_test_module(dotted) and dotted != module_name(path)
    ]

    assert found == [], (
        "move what is shared into tests/factories (factories), a conftest.py (fixtures) or a helper module "
        "whose name does not start with test_:\n" + "\n".join(found)
    )


def test_no_support_module_named_like_a_test():
    support = [
        str(path.relative_to(ROOT))
        for path in python_files()
        if path.name.startswith("test_") and path.name.endswith("_support.py")
    ]

    assert support == [], f"shared helpers belong in tests/factories or a conftest.py, not in {support}"


def test_the_layout_check_sees_the_imports_it_forbids():
    """Relative, absolute, lazy and module-by-name imports of a test module are all caught; factories are not."""
    probe = TESTS / "core" / "probe.py"  # never written: its text is given
    text = (
        "from .test_outbox import FailingBackend\n"
        "import tests.core.test_outbox\n"
        "from tests.core import test_outbox\n"
        "def f():\n    from tests.core.test_outbox import FailingBackend\n"
        "from tests.factories import make_clinic\n"
        "from .conftest import world\n"
    )

    hits = [line for line, dotted in imported_modules(probe, text) if is_test_module(dotted)]

    assert (TESTS / "core" / "test_outbox.py").exists()
    assert hits == [1, 2, 3, 5]
