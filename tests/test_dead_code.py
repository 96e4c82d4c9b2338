"""No dead code: vulture, configured in pyproject.toml's [tool.vulture], finds no unused function, method, class,
property or import, and no unreachable code. `make lint` runs this module too (`python -m tests.test_dead_code`).

Unused variables and attributes are left out: Django reads model fields, Meta options, admin options and settings
by name, and ruff already reports unused local variables (F841).
"""

from __future__ import annotations

import sys
from pathlib import Path

from vulture import Vulture
from vulture.config import make_config

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"function", "method", "class", "property", "import", "unreachable_code"}


def dead_code() -> list[str]:
    """Each finding as vulture prints it (`path:line: unused function 'name' (60% confidence)`)."""
    with (ROOT / "pyproject.toml").open("rb") as toml:
        config = make_config(argv=[], tomlfile=toml)
    vulture = Vulture(ignore_names=config["ignore_names"], ignore_decorators=config["ignore_decorators"])
    vulture.scavenge([str(ROOT / path) for path in config["paths"]], exclude=config["exclude"])
    return [
        item.get_report(add_size=False).replace(f"{ROOT}/", "")
        for item in vulture.get_unused_code(min_confidence=config["min_confidence"])
        if item.typ in KINDS
    ]


def test_no_dead_code():
    found = dead_code()

    assert found == [], (
        f"vulture finds {len(found)} unused names: delete them, or, when Django, Celery, pytest or a template calls "
        "them, add the convention to [tool.vulture] in pyproject.toml or the name to vulture_whitelist.py:\n"
        + "\n".join(found)
    )


if __name__ == "__main__":
    found = dead_code()
    print("\n".join(found) or "vulture: no dead code")
    sys.exit(1 if found else 0)
