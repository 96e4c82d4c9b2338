"""Dependencies run one way, and no module imports itself back in a circle (docs/architecture.md).

Every import of our code counts, lazy ones inside functions too; tests and migrations do not. An app may
import the apps below it and never one above. `screening.rules` is the pure engine: it sits below everything,
imports nothing of ours and no Django, and any app may use it. Regenerate the picture after changing a
dependency: `.venv/bin/python -m tests.test_architecture > docs/dependencies.mmd`.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. Each may import its own app and those before it.
LAYERS = (
    "screening.rules",
    "core",
    "clinics",
    "scheduling",
    "intake",
    "screening",
    "patients",
    "dashboard",
    "demo",
    "config",
)
PURE = "screening.rules"
DIAGRAM = ROOT / "docs" / "dependencies.mmd"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    apps = {layer.split(".")[0] for layer in LAYERS}
    return {
        module_name(path): path
        for app in sorted(apps)
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - (node.level - 1)])
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module → our modules it imports, module → every top-level package it imports)."""
    modules = our_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    packages: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            for name in _imported(node, module, path.name == "__init__.py"):
                packages[module].add(name.split(".")[0])
                parts = name.split(".")
                for end in range(len(parts), 0, -1):  # the longest prefix that is one of our modules
                    candidate = ".".join(parts[:end])
                    if candidate in modules:
                        if candidate != module:
                            graph[module].add(candidate)
                        break
        graph.setdefault(module, set())
    return graph, packages


def layer_of(module: str) -> int:
    """The layer of a module: the longest layer name it falls under."""
    best = max((layer for layer in LAYERS if module == layer or module.startswith(layer + ".")), key=len)
    return LAYERS.index(best)


def app_of(module: str) -> str:
    return LAYERS[layer_of(module)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def app_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(app_of(a), app_of(b)) for a, targets in graph.items() for b in targets if app_of(a) != app_of(b)}


def diagram(graph: dict[str, set[str]]) -> str:
    """The app-level picture (Mermaid: GitHub draws it), lowest layer at the bottom."""
    lines = [
        "%% Generated by `python -m tests.test_architecture` from the code's imports; do not edit.",
        "flowchart BT",
    ]
    for layer in LAYERS:
        lines.append(f'    {layer.replace(".", "_")}["{layer}"]')
    for a, b in sorted(app_edges(graph), key=lambda e: (layer_of(e[0]), layer_of(e[1]), e)):
        lines.append(f"    {a.replace('.', '_')} --> {b.replace('.', '_')}")
    return "\n".join(lines) + "\n"


# --- the tests ---------------------------------------------------------------------------------------


def test_the_scan_sees_the_whole_tree():
    graph, _ = import_graph()
    assert len(graph) > 120, "too few modules found: has the layout changed? update LAYERS"
    assert sum(len(targets) for targets in graph.values()) > 250
    for app in {layer.split(".")[0] for layer in LAYERS}:
        assert any(module.split(".")[0] == app for module in graph), f"no module of {app} found"


def test_no_module_imports_an_app_above_its_own():
    graph, _ = import_graph()
    upward = sorted(
        f"{a} → {b} ({app_of(a)} may not import {app_of(b)})"
        for a, targets in graph.items()
        for b in targets
        if layer_of(b) > layer_of(a)
    )
    assert upward == [], "imports against the direction:\n" + "\n".join(upward)


def test_no_import_cycles():
    graph, _ = import_graph()
    assert cycles(graph) == []


def test_the_screening_rules_are_pure_python():
    _, packages = import_graph()
    ours = {layer.split(".")[0] for layer in LAYERS} - {"screening"}
    for module, imported in packages.items():
        if layer_of(module) == LAYERS.index(PURE):
            assert "django" not in imported, f"{module} imports Django"
            assert imported & ours == set(), f"{module} imports {sorted(imported & ours)}"


def test_core_imports_no_app():
    graph, _ = import_graph()
    assert {b for a, targets in graph.items() if app_of(a) == "core" for b in targets if app_of(b) != "core"} == set()


def test_the_layers_are_the_installed_apps():
    from django.conf import settings

    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert ours == {layer for layer in LAYERS if "." not in layer} - {"config"}


def test_the_picture_in_docs_is_the_code_today():
    graph, _ = import_graph()
    assert DIAGRAM.read_text() == diagram(graph), "regenerate: .venv/bin/python -m tests.test_architecture"


# Demo data seeds its staff directly (idempotent get_or_create, no audit): seeding, not deciding access.
MEMBERSHIP_SEEDERS = {"demo.clinics", "demo.management.commands.seed_scale"}


def _membership_queries(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id == "Membership"
    ]


def test_only_clinics_access_decides_who_works_where():
    """Who may act at a clinic, in which role, and who works there: clinics.access, nowhere else."""
    found = []
    for module, path in our_modules().items():
        if app_of(module) == "clinics" or module in MEMBERSHIP_SEEDERS:
            continue
        lines = _membership_queries(ast.parse(path.read_text(), filename=str(path)))
        found += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert not found, "query memberships through clinics.access: " + ", ".join(found)


def test_the_clinic_clock_is_clinic_zone():
    """`Clinic.zone` is the clinic's time zone; no module builds its own from `time_zone`."""
    found = []
    for module, path in our_modules().items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ZoneInfo"
                and node.args
                and isinstance(node.args[0], ast.Attribute)
                and node.args[0].attr == "time_zone"
                and module != "clinics.models"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "use clinic.zone: " + ", ".join(found)


if __name__ == "__main__":
    sys.stdout.write(diagram(import_graph()[0]))
