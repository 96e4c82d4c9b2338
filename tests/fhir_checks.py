"""Checks any FHIR output must pass, whatever resource types it holds (written generically, so a resource type
added later is covered too)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

RELATIVE = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(/_history/[A-Za-z0-9\-.]{1,64})?$")


def references(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every literal reference in a resource: (where, reference)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield path, item
            else:
                yield from references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, f"{path}[{index}]")


def unresolved(bundle: dict[str, Any]) -> list[str]:
    """The references of a Bundle that do not resolve to exactly one entry under FHIR's rules (a relative
    reference is read against the base of its entry's fullUrl; an absolute or urn: one matches a fullUrl)."""
    full_urls = [entry.get("fullUrl") for entry in bundle.get("entry", [])]
    problems = []
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        own = entry.get("fullUrl", "")
        for where, ref in references(resource):
            if ref.startswith("#"):
                continue
            match = RELATIVE.match(ref)
            if match:
                own_match = re.match(r"^(?P<base>.+)/[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$", own)
                target = f"{own_match['base']}/{ref}" if own_match else None
            else:
                target = ref
            hits = full_urls.count(target) if target else 0
            if hits != 1:
                problems.append(f"{resource['resourceType']}/{resource.get('id')}{where}: {ref} ({hits} entries)")
    return problems


def without_last_updated(resources: list[dict[str, Any]]) -> list[str]:
    return [f"{r['resourceType']}/{r.get('id')}" for r in resources if not (r.get("meta") or {}).get("lastUpdated")]
