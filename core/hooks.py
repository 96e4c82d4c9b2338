"""The few questions core asks of the apps above it, answered by whichever app registers in AppConfig.ready().

Core is the foundation and imports no app (tests/test_architecture.py). Where it needs to know something
only an app above it knows (is this user clinic staff?), it asks here; clinics answers. Notification kinds and
audit actions register the same way (core.notifications, core.audit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# name → what the function answers
QUESTIONS = {
    "is_clinic_staff": "(user) → bool: the user holds an active membership at some clinic",
    "is_staff_at": "(user, clinic_id) → bool: the user holds an active membership at this clinic",
    "clinic_public": "(slug) → clinic or None: a clinic the public directory shows",
}
_answers: dict[str, Callable[..., Any]] = {}


def provide(name: str, func: Callable[..., Any]) -> None:
    if name not in QUESTIONS:
        raise ImproperlyConfigured(f"core.hooks has no question {name!r}; it asks {sorted(QUESTIONS)}")
    _answers[name] = func


def _ask(name: str, *args: Any) -> Any:
    try:
        func = _answers[name]
    except KeyError:
        raise ImproperlyConfigured(f"no installed app answers core.hooks {name!r} ({QUESTIONS[name]})") from None
    return func(*args)


def is_clinic_staff(user: Any) -> bool:
    return bool(_ask("is_clinic_staff", user))


def is_staff_at(user: Any, clinic_id: Any) -> bool:
    return bool(_ask("is_staff_at", user, clinic_id))


def clinic_public(slug: str) -> Any | None:
    return _ask("clinic_public", slug)
