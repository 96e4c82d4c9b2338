"""What the staff scheduling pages share: the page context, the clinic's today, a service's refusal on a form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from clinics.models import Role

ALL_STAFF = (Role.COORDINATOR, Role.PSYCHIATRIST, Role.CLINIC_ADMIN)


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"clinic": request.clinic, "membership": request.membership, "tab": "schedule", **extra}


def clinic_today(request: HttpRequest) -> date:
    return timezone.now().astimezone(request.clinic.zone).date()


def is_admin(request: HttpRequest) -> bool:
    return request.membership.role == Role.CLINIC_ADMIN


def errors_to_form(form, exc: ValidationError, default_field: str | None = None) -> None:
    """A service's ValidationError shown on the form: by field when it names fields, else at `default_field`."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(default_field, exc)
