"""The intake document schema (the project's copy beside this file) and facts read from it."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("intake-document.schema.json")
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SCHEMA_ID: str = SCHEMA["$id"]

_BP_SCHEMA: dict[str, Any] = next(
    branch
    for branch in SCHEMA["properties"]["medical_history"]["properties"]["recent_bp"]["oneOf"]
    if branch.get("type") == "object"
)
# (minimum, maximum) of each blood-pressure number; clinic policies are held to the same ranges.
BP_RANGES: dict[str, tuple[int, int]] = {
    name: (field["minimum"], field["maximum"]) for name, field in _BP_SCHEMA["properties"].items()
}

# ASCII digits only: \d would accept other scripts' digits, and fullmatch refuses a trailing newline.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def has_date_shape(value: str) -> bool:
    return _DATE_SHAPE.fullmatch(value) is not None


def parse_date(value: object) -> date | None:
    """The date of a strict YYYY-MM-DD string, or None when it is not one or not a real calendar date."""
    if not isinstance(value, str) or _DATE_SHAPE.fullmatch(value) is None:
        return None
    try:
        return date(int(value[:4]), int(value[5:7]), int(value[8:]))
    except ValueError:
        return None


def is_date(value: object) -> bool:
    """The `format: date` check; like every format, it only applies to strings."""
    return not isinstance(value, str) or parse_date(value) is not None
