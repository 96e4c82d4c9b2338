"""Runtime and development dependencies stay apart: the production image gets what the app imports, nothing else.

pyproject.toml declares the runtime dependencies and a dev group; requirements.txt pins the runtime set (with
everything it pulls in), requirements-dev.txt adds the dev tools; the Dockerfile installs requirements.txt only.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "pytest-django", "pytest-xdist", "playwright", "hypothesis", "ruff", "factory-boy", "faker"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """Package name -> pinned version, from a pip requirements file (includes and comments skipped)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: {line!r} is not pinned with =="
        found[canonical(name)] = version.strip()
    return found


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def runtime_declared() -> set[str]:
    return {canonical(Requirement(r).name) for r in pyproject()["project"]["dependencies"]}


def dev_declared() -> set[str]:
    return {canonical(Requirement(r).name) for r in pyproject()["dependency-groups"]["dev"]}


def closure(names: set[str]) -> set[str]:
    """The names and every distribution they require on this interpreter (installed metadata, markers applied)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # the pin tests below name it
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonical(requirement.name))
    return seen


def app_packages() -> list[Path]:
    """config and every top-level directory that is a Django app (has apps.py)."""
    return [ROOT / "config", *sorted(p.parent for p in ROOT.glob("*/apps.py"))]


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> files of the app packages that import it, for modules outside the stdlib and project."""
    first_party = {p.name for p in ROOT.iterdir() if p.is_dir()} | {"manage"}
    found: dict[str, set[str]] = {}
    for package in app_packages():
        for path in package.rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in first_party:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_app_import_is_a_pinned_runtime_distribution():
    runtime = pins(ROOT / "requirements.txt")
    by_module = importlib.metadata.packages_distributions()
    # What settings and the image name as strings (INSTALLED_APPS, middleware, the database driver, the server).
    modules = third_party_imports()
    for dotted in [*settings.INSTALLED_APPS, *settings.MIDDLEWARE]:
        modules.setdefault(dotted.split(".")[0], set()).add("config/settings.py")
    modules.setdefault("psycopg2", set()).add("PostgreSQL (DATABASE_URL)")
    modules.setdefault("gunicorn", set()).add("Dockerfile CMD")
    first_party = {p.name for p in app_packages()}
    problems = []
    for module, where in sorted(modules.items()):
        if module in first_party:
            continue
        distributions = {canonical(d) for d in by_module.get(module, [])}
        if not distributions:
            problems.append(f"{module} (imported in {', '.join(sorted(where))}) is not installed")
        elif not distributions & runtime.keys():
            problems.append(
                f"{module} (imported in {', '.join(sorted(where))}) comes from {', '.join(sorted(distributions))}, "
                "which requirements.txt does not pin: the production image would not have it"
            )
    assert problems == []


def test_no_dev_tool_in_the_runtime_pins_or_the_image():
    runtime = pins(ROOT / "requirements.txt")
    assert sorted(DEV_TOOLS & runtime.keys()) == []
    assert sorted(dev_declared() & runtime.keys()) == []
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    dockerfile = "\n".join(line for line in lines if not line.lstrip().startswith("#"))  # instructions only
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs == ["RUN pip install --no-cache-dir -r requirements.txt"]
    assert "requirements-dev" not in dockerfile
    assert [tool for tool in sorted(DEV_TOOLS) if re.search(rf"\b{tool}\b", dockerfile, re.IGNORECASE)] == []
    assert "playwright install" not in dockerfile


def test_pyproject_runtime_dependencies_and_requirements_txt_agree():
    runtime = pins(ROOT / "requirements.txt")
    declared = runtime_declared()
    assert sorted(declared - runtime.keys()) == [], "declared in pyproject.toml but not pinned in requirements.txt"
    needed = closure(declared)
    assert sorted(runtime.keys() - needed) == [], (
        "pinned in requirements.txt but neither declared in [project] dependencies nor required by one: "
        "add it to pyproject.toml (or move a dev tool to requirements-dev.txt)"
    )
    assert sorted(needed - runtime.keys()) == [], "required by a runtime dependency but not pinned"


def test_every_dev_group_entry_is_pinned_in_requirements_dev_txt():
    runtime = pins(ROOT / "requirements.txt")
    dev_file = ROOT / "requirements-dev.txt"
    dev = pins(dev_file)
    assert "-r requirements.txt" in dev_file.read_text().splitlines()
    assert sorted(dev_declared() - dev.keys()) == []
    assert sorted(dev.keys() & runtime.keys()) == [], "pinned twice: keep runtime pins in requirements.txt only"
    assert sorted(closure(dev_declared()) - dev.keys() - runtime.keys()) == [], "a dev tool's dependency is not pinned"


def test_pin_files_are_sorted_plain_lists():
    for name in ("requirements.txt", "requirements-dev.txt"):
        names = list(pins(ROOT / name))
        assert names == sorted(names), f"{name} is not sorted"
