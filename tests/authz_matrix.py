"""What each kind of visitor must get at each named URL: the entries of tests/authz/<area>.py, gathered, and the
named URLs from the URL configuration itself."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.authz.helpers import Expect
from tests.authz_world import area_modules

# Namespaces left to their own framework's checks: Django admin requires is_staff superusers.
SKIPPED_NAMESPACES = {"admin"}


# Each app's entries live beside its world records in tests/authz/<area>.py; a URL named twice is a mistake.
EXPECTED: dict[str, Expect | tuple[Expect, ...]] = {}
for _module in area_modules():
    _entries = getattr(_module, "EXPECTED", {})
    _twice = set(_entries) & set(EXPECTED)
    assert not _twice, f"{_module.__name__} repeats matrix entries: {sorted(_twice)}"
    EXPECTED.update(_entries)


def _named_patterns(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _named_patterns(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, pattern


def named_urls() -> dict[str, URLPattern]:
    return dict(_named_patterns(get_resolver().url_patterns))


def expectations(name: str) -> tuple[Expect, ...]:
    entry = EXPECTED[name]
    return entry if isinstance(entry, tuple) else (entry,)
