"""Validate an intake document: fastjsonschema answers "valid?" fast; jsonschema explains every error."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .errors import FieldError
from .schema import BP_RANGES, SCHEMA, SCHEMA_ID, has_date_shape, is_date, parse_date

__all__ = ["format_path", "validate_document"]

_fast_validate = fastjsonschema.compile(SCHEMA, formats={"date": is_date})
# The same schema narrowed to version 1 (no other_treatments, no conditions): what most stored documents are,
# checked about 15 % faster than through the conditional schema. It accepts exactly the version 1 documents
# the full schema accepts.
_SCHEMA_V1 = {
    **{key: value for key, value in SCHEMA.items() if key != "allOf"},
    "properties": {
        **{key: value for key, value in SCHEMA["properties"].items() if key != "other_treatments"},
        "schema": {"const": "intake-document/1"},
    },
}
_fast_v1: list[Any] = []  # compiled on the first version 1 document, not at import


def _fast_validate_v1(doc: object) -> None:
    if not _fast_v1:
        _fast_v1.append(fastjsonschema.compile(_SCHEMA_V1, formats={"date": is_date}))
    _fast_v1[0](doc)


def fast_accepts(doc: object) -> bool:
    """True when the compiled schema accepts the document."""
    try:
        if isinstance(doc, dict) and doc.get("schema") == "intake-document/1":
            _fast_validate_v1(doc)
        else:
            _fast_validate(doc)
    except Exception:  # noqa: BLE001 - a rejection, or input the generated code cannot handle: explain slowly
        return False
    return True


# --- Describing what a field must be, in plain words -------------------------------------------

_PATTERN_WORDS = {"^[A-Z]{2}$": "a two-letter state code in capitals, like NY"}


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _range(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    above = schema.get("exclusiveMinimum")
    if low is not None and high is not None:
        return f" between {_num(low)} and {_num(high)}"
    if above is not None and high is not None:
        return f" above {_num(above)} and at most {_num(high)}"
    if low is not None:
        return f" of at least {_num(low)}"
    if above is not None:
        return f" above {_num(above)}"
    if high is not None:
        return f" of at most {_num(high)}"
    return ""


def _join(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _describe_type(kind: str, schema: dict[str, Any]) -> str:
    if kind == "integer":
        return "a whole number" + _range(schema)
    if kind == "number":
        return "a number" + _range(schema)
    if kind == "boolean":
        return "true or false"
    if kind == "null":
        return "null"
    if kind == "string":
        if schema.get("format") == "date":
            return "a date in the form YYYY-MM-DD"
        if "pattern" in schema:
            return _PATTERN_WORDS.get(schema["pattern"], f"text matching {schema['pattern']}")
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if high is not None:
            return f"text of {low} to {high} characters" if low else f"text of at most {high} characters"
        return "text"
    if kind == "array":
        low, high = schema.get("minItems"), schema.get("maxItems")
        words = "a list"
        if low is not None and low == high:
            words += f" of exactly {low} entries"
        elif high is not None:
            words += f" of at most {high} entries"
        if isinstance(schema.get("items"), dict):
            words += f", each {describe(schema['items'])}"
        return words
    if kind == "object":
        required = schema.get("required", [])
        return f"an object with {_join(required)}" if 0 < len(required) <= 4 else "an object"
    return kind


def describe(schema: dict[str, Any]) -> str:
    """A noun phrase for the values a schema allows, e.g. "a whole number between 0 and 1040"."""
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "oneOf" in schema:
        return _join([describe(branch) for branch in schema["oneOf"]], "or")
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    words = [_describe_type(kind, schema) for kind in kinds if kind != "null"]
    if not words:
        return "null" if kinds else "a valid value"
    phrase = _join(words, "or")
    return f"{phrase}, or null" if "null" in kinds else phrase


def _must_be(schema: dict[str, Any]) -> str:
    return "must be " + describe(schema)


# --- jsonschema keywords that report in plain words -------------------------------------------
# The stock keywords put repr(instance) in every message: that is unreadable for patients and staff,
# and raises on some inputs (an int over 4300 digits, very deep nesting). These never repr the instance.


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - e.g. a signalling Decimal NaN
        return False


def _type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    types = [types] if isinstance(types, str) else types
    if not any(validator.is_type(instance, kind) for kind in types):
        if schema.get("$id") == SCHEMA_ID:
            yield ValidationError("must be an intake document (a JSON object)")
        else:
            yield ValidationError(_must_be(schema))


def _enum(validator: Any, enums: list[Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not any(_same(instance, value) for value in enums):
        yield ValidationError(_must_be(schema))


def _const(validator: Any, const: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not _same(instance, const):
        yield ValidationError(f"must be {json.dumps(const)}")


def _bound(fails: Any) -> Any:
    def keyword(validator: Any, limit: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "number"):
            return
        try:
            failed = fails(instance, limit)
        except Exception:  # noqa: BLE001 - e.g. Decimal("NaN") refuses to compare
            failed = True
        if failed:
            yield ValidationError(_must_be(schema))

    return keyword


def _min_length(validator: Any, low: int, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and len(instance) < low:
        yield ValidationError("must not be empty" if low == 1 else f"must be at least {low} characters")


def _max_length(validator: Any, high: int, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and len(instance) > high:
        yield ValidationError(f"must be at most {high} characters")


def _min_items(validator: Any, low: int, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "array") and len(instance) < low:
        exact = schema.get("maxItems") == low
        yield ValidationError(f"must have exactly {low} entries" if exact else f"must have at least {low} entries")


def _max_items(validator: Any, high: int, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "array") and len(instance) > high:
        exact = schema.get("minItems") == high
        yield ValidationError(f"must have exactly {high} entries" if exact else f"must have at most {high} entries")


def _unique_key(item: Any) -> Any:
    if isinstance(item, bool):
        return ("bool", item)
    if item is None or isinstance(item, str):
        return ("scalar", item)
    if isinstance(item, (int, float, Decimal)):
        # 1 and 1.0 are the same JSON number; NaN never equals itself, so it is never a duplicate.
        return ("scalar", item) if _same(item, item) else ("other", id(item))
    return ("other", id(item))  # containers: this schema only asks for unique enum strings


def _unique_items(validator: Any, unique: bool, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _unique_key(item)
        if key in seen:
            yield ValidationError("must not list the same value twice")
            return
        seen.add(key)


@lru_cache(maxsize=64)
def _schema_regex(pattern: str) -> re.Pattern[str]:
    # In JSON Schema (ECMA-262) "$" ends the text; in Python it also matches before a final newline.
    # fastjsonschema makes the same substitution, so both paths refuse "CA\n" for ^[A-Z]{2}$.
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _schema_regex(pattern).search(instance):
        yield ValidationError(_must_be(schema))


def _format(validator: Any, fmt: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.format_checker is None or validator.format_checker.conforms(instance, fmt):
        return
    if fmt == "date":
        shaped = isinstance(instance, str) and has_date_shape(instance)
        yield ValidationError("is not a real calendar date" if shaped else "must be a date in the form YYYY-MM-DD")
    else:
        yield ValidationError(f"is not a valid {fmt}")


def _required(validator: Any, required: list[str], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "object"):
        for name in required:
            if name not in instance:
                yield ValidationError("is required", path=[name])  # reported at the field's own path


def _additional(validator: Any, allowed: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    for name in instance:
        if name in known:
            continue
        if allowed is False:
            yield ValidationError("is not an expected field", path=[_key(name)])
        elif isinstance(allowed, dict):
            yield from validator.descend(instance[name], allowed, path=_key(name))


def _properties(validator: Any, properties: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name not in instance:
            continue
        if subschema is False:  # a field of another version of the document
            yield ValidationError(f"is not a field of {instance.get('schema')}", path=[name])
        else:
            yield from validator.descend(instance[name], subschema, path=name, schema_path=name)


def _one_of(validator: Any, branches: list[Any], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    results = [list(validator.descend(instance, branch, schema_path=i)) for i, branch in enumerate(branches)]
    passed = sum(1 for errors in results if not errors)
    if passed == 1:
        return
    if passed > 1:
        yield ValidationError("matches more than one allowed form")
        return
    # The branch whose type fits tells the most (recent_bp.systolic out of range, not "null or an object").
    fitting = [errors for errors in results if not any(e.validator == "type" and not e.relative_path for e in errors)]
    if len(fitting) == 1:
        yield from fitting[0]
    else:
        yield ValidationError(_must_be(schema))


def _key(name: Any) -> str:
    if isinstance(name, str):
        return name
    try:
        return str(name)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        return "?"


def _is_array(checker: Any, instance: Any) -> bool:
    return isinstance(instance, (list, tuple))


def _is_number(checker: Any, instance: Any) -> bool:
    return isinstance(instance, (int, float, Decimal)) and not isinstance(instance, bool)


def _is_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


# Types as fastjsonschema sees them, so the fast path never accepts what this one refuses.
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"array": _is_array, "number": _is_number, "integer": _is_integer}
)
_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date")(is_date)

PlainValidator = validators.extend(
    Draft202012Validator,
    validators={
        "type": _type,
        "enum": _enum,
        "const": _const,
        "minimum": _bound(lambda value, limit: value < limit),
        "maximum": _bound(lambda value, limit: value > limit),
        "exclusiveMinimum": _bound(lambda value, limit: value <= limit),
        "exclusiveMaximum": _bound(lambda value, limit: value >= limit),
        "minLength": _min_length,
        "maxLength": _max_length,
        "minItems": _min_items,
        "maxItems": _max_items,
        "uniqueItems": _unique_items,
        "pattern": _pattern,
        "format": _format,
        "required": _required,
        "additionalProperties": _additional,
        "oneOf": _one_of,
        "properties": _properties,
    },
    type_checker=_TYPES,
    format_checker=_FORMATS,
)
_slow_validator = PlainValidator(SCHEMA, format_checker=_FORMATS)

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_path(parts: Iterable[str | int]) -> str:
    """`["antidepressant_trials", 1, "weeks_at_dose"]` -> `antidepressant_trials[1].weeks_at_dose`."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def schema_errors(doc: object) -> list[FieldError]:
    """Every schema error, each at its own path, in plain words."""
    return [FieldError(format_path(error.absolute_path), error.message) for error in _slow_validator.iter_errors(doc)]


# --- Checks beyond the schema (§5) -------------------------------------------------------------

_PROPS = SCHEMA["properties"]
_WEIGHT = _PROPS["patient"]["properties"]["weight_kg"]
_DOSE = _PROPS["antidepressant_trials"]["items"]["properties"]["daily_dose_mg"]


def _is_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, Decimal) and value.is_nan()


def _whole_in(value: Any, bounds: tuple[int, int]) -> bool:
    return _is_integer(None, value) and bounds[0] <= value <= bounds[1]


def extra_errors(doc: object) -> list[FieldError]:
    """Errors the schema cannot express: birth after screening, diastolic >= systolic, NaN numbers."""
    if not isinstance(doc, dict):
        return []
    errors: list[FieldError] = []
    screened_on = parse_date(doc.get("screened_on"))
    patient = doc.get("patient")
    if isinstance(patient, dict):
        born = parse_date(patient.get("date_of_birth"))
        if screened_on and born and born > screened_on:
            errors.append(FieldError("patient.date_of_birth", f"is after the screening date ({screened_on})"))
        if _is_nan(patient.get("weight_kg")):
            errors.append(FieldError("patient.weight_kg", _must_be(_WEIGHT)))
    history = doc.get("medical_history")
    bp = history.get("recent_bp") if isinstance(history, dict) else None
    if isinstance(bp, dict):
        systolic, diastolic = bp.get("systolic"), bp.get("diastolic")
        in_range = _whole_in(systolic, BP_RANGES["systolic"]) and _whole_in(diastolic, BP_RANGES["diastolic"])
        if in_range and diastolic >= systolic:
            message = f"diastolic {_num(diastolic)} must be below systolic {_num(systolic)}"
            errors.append(FieldError("medical_history.recent_bp", message))
    trials = doc.get("antidepressant_trials")
    if isinstance(trials, (list, tuple)):
        for index, trial in enumerate(trials):
            if isinstance(trial, dict) and _is_nan(trial.get("daily_dose_mg")):
                errors.append(FieldError(f"antidepressant_trials[{index}].daily_dose_mg", _must_be(_DOSE)))
    return errors


def validate_document(doc: object) -> list[FieldError]:
    """Every reason the document cannot be screened; an empty list means it can be. Never raises."""
    try:
        errors = [] if fast_accepts(doc) else schema_errors(doc)
        errors += extra_errors(doc)
    except Exception:  # noqa: BLE001 - the promise is: no input raises
        return [FieldError("", "could not be read as an intake document")]
    return list(dict.fromkeys(errors))  # unique, in order
