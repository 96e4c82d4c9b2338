"""The few questions core asks of the apps above it, answered by whichever app registers in AppConfig.ready().

Core is the foundation and imports no app (tests/test_architecture.py). Where it needs to know something
only an app above it knows (is this user clinic staff?), it asks here; clinics answers. An app may ask the apps
above it the same way (intake asks screening to screen a submission). Notification kinds and audit actions
register through core.notifications and core.audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The questions core itself asks (an app above may ask its own: intake asks screening; see each app's apps.py).
QUESTIONS = {
    "is_clinic_staff": "(user) → bool: the user holds an active membership at some clinic",
    "is_staff_at": "(user, clinic_id) → bool: the user holds an active membership at this clinic",
    "clinic_public": "(slug) → clinic or None: a clinic the public directory shows",
    "notification_patient_names": "(notifications, user) → {notification id: patient name} for a staff inbox",
    "clinic_admins_of_staff": "(user) → [(clinic, [admin users])]: each clinic the user is active staff at",
    # Optional: without it, is_clinic_staff and the unread badge are two queries instead of one.
    "clinic_staff_exists": "(user_ref) → Exists(): the user user_ref (an OuterRef) is_clinic_staff",
}
_answers: dict[str, Callable[..., Any]] = {}


def provide(name: str, func: Callable[..., Any]) -> None:
    """Answer the question `name`; one app answers each (a second answer replaces the first: tests only)."""
    _answers[name] = func


def ask(name: str, *args: Any, **kwargs: Any) -> Any:
    """The answer of the app that provides `name`; a question nobody answers is a configuration error, never a
    silent default (a submission that nobody screens must not look submitted)."""
    try:
        func = _answers[name]
    except KeyError:
        what = QUESTIONS.get(name, "")
        raise ImproperlyConfigured(f"no installed app answers core.hooks {name!r} {what}".rstrip()) from None
    return func(*args, **kwargs)


def answer(name: str) -> Callable[..., Any] | None:
    """The function answering an optional question, or None."""
    return _answers.get(name)


def is_clinic_staff(user: Any) -> bool:
    return bool(ask("is_clinic_staff", user))


def is_staff_at(user: Any, clinic_id: Any) -> bool:
    return bool(ask("is_staff_at", user, clinic_id))


def clinic_public(slug: str) -> Any | None:
    return ask("clinic_public", slug)
