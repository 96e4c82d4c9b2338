"""Clinic policy (§2): the thresholds a clinic may change, validated when saved (§8)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from .document import BloodPressure
from .errors import FieldError, PolicyError
from .schema import BP_RANGES


def _whole(value: Any) -> int | None:
    """The whole number a JSON value holds, or None; bools are not numbers, 18.0 is 18."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _text(key: Any) -> str:
    try:
        return str(key)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        return "?"


DEFAULT_BP_FLAG_ABOVE = BloodPressure(140, 90)
DEFAULT_BP_EXCLUDE_ABOVE = BloodPressure(180, 100)


@dataclass(frozen=True, slots=True)
class Policy:
    """A clinic's screening thresholds (§2); `from_dict` validates them as §8 asks."""

    min_age: int = 18
    min_failed_trials: int = 2
    min_trial_weeks: int = 6
    require_distinct_classes: bool = True
    phq9_min_total: int = 10
    bp_flag_above: BloodPressure = DEFAULT_BP_FLAG_ABOVE
    bp_exclude_above: BloodPressure = DEFAULT_BP_EXCLUDE_ABOVE
    alcohol_max_drinks_per_week: int = 14

    WHOLE_RANGES: ClassVar[dict[str, tuple[int, int]]] = {
        "min_age": (0, 120),
        "min_failed_trials": (1, 10),
        "min_trial_weeks": (1, 52),
        "phq9_min_total": (0, 27),
        "alcohol_max_drinks_per_week": (0, 100),
    }
    BP_KEYS: ClassVar[tuple[str, ...]] = ("bp_flag_above", "bp_exclude_above")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every key, blood pressures as {"systolic": .., "diastolic": ..}."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = value.to_dict() if isinstance(value, BloodPressure) else value
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        """A policy from its JSON form; missing keys take the defaults. Raises PolicyError listing every problem."""
        if not isinstance(data, dict):
            raise PolicyError([FieldError("", "must be an object of policy settings")])
        known = {f.name for f in fields(cls)}
        errors = [FieldError(_text(key), "is not a policy setting") for key in data if key not in known]
        values: dict[str, Any] = {}
        for key, (low, high) in cls.WHOLE_RANGES.items():
            if key in data:
                number = _whole(data[key])
                if number is None or not low <= number <= high:
                    errors.append(FieldError(key, f"must be a whole number between {low} and {high}"))
                else:
                    values[key] = number
        if "require_distinct_classes" in data:
            if isinstance(data["require_distinct_classes"], bool):
                values["require_distinct_classes"] = data["require_distinct_classes"]
            else:
                errors.append(FieldError("require_distinct_classes", "must be true or false"))
        bp_valid = True
        for key in cls.BP_KEYS:
            if key in data:
                bp = _blood_pressure(key, data[key], errors)
                if bp is None:
                    bp_valid = False
                else:
                    values[key] = bp
        if bp_valid:
            default = cls()
            flag = values.get("bp_flag_above", default.bp_flag_above)
            exclude = values.get("bp_exclude_above", default.bp_exclude_above)
            for part in ("systolic", "diastolic"):
                if getattr(flag, part) > getattr(exclude, part):
                    errors.append(
                        FieldError(
                            f"bp_flag_above.{part}",
                            f"must not be above bp_exclude_above.{part} ({getattr(exclude, part)})",
                        )
                    )
        if errors:
            raise PolicyError(errors)
        return cls(**values)


def _blood_pressure(key: str, value: Any, errors: list[FieldError]) -> BloodPressure | None:
    if not isinstance(value, dict):
        errors.append(FieldError(key, "must be an object with systolic and diastolic"))
        return None
    found = len(errors)
    errors.extend(
        FieldError(f"{key}.{_text(name)}", "is not part of a blood pressure") for name in value if name not in BP_RANGES
    )
    numbers: dict[str, int] = {}
    for part, (low, high) in BP_RANGES.items():
        if part not in value:
            errors.append(FieldError(f"{key}.{part}", "is required"))
            continue
        number = _whole(value[part])
        if number is None or not low <= number <= high:
            errors.append(FieldError(f"{key}.{part}", f"must be a whole number between {low} and {high}"))
        else:
            numbers[part] = number
    if len(errors) > found:
        return None
    bp = BloodPressure(numbers["systolic"], numbers["diastolic"])
    if bp.diastolic >= bp.systolic:
        errors.append(FieldError(key, f"diastolic {bp.diastolic} must be below systolic {bp.systolic}"))
        return None
    return bp
