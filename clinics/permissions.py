"""The one place that decides whether a user may act at a clinic.

A clinic or record the user may not see answers 404, exactly like a missing one.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import Clinic, Membership, Role

ALL_STAFF_ROLES = tuple(Role.values)


def active_membership(user: Any, clinic: Clinic) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Membership.objects.filter(user=user, clinic=clinic, is_active=True).first()


def has_clinic_role(user: Any, clinic: Clinic, roles: Iterable[str] = ALL_STAFF_ROLES) -> bool:
    membership = active_membership(user, clinic)
    return membership is not None and membership.role in set(roles)


def is_clinic_staff(user: Any) -> bool:
    """Staff are users with at least one active membership; everyone else is a patient."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(user=user, is_active=True).exists()


def is_staff_at(user: Any, clinic_id: Any) -> bool:
    """An active membership at this clinic (an e-mail to staff is not sent to someone who has left)."""
    return Membership.objects.filter(user=user, clinic_id=clinic_id, is_active=True).exists()


def _second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_verified():
        return None
    return redirect(f"{reverse('account:two_factor')}?{urlencode({'next': request.get_full_path()})}")


def clinic_role_required(*roles: str) -> Callable:
    """For views taking `clinic_slug`: an active member in one of `roles`, signed in with a second factor.

    Sets request.clinic and request.membership. Anyone else signed in gets 404.
    """
    allowed = set(roles or ALL_STAFF_ROLES)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, clinic_slug: str, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = (
                Membership.objects.select_related("clinic")
                .filter(user=request.user, clinic__slug=clinic_slug, is_active=True, role__in=allowed)
                .first()
            )
            if membership is None:
                raise Http404("No such page.")
            if (response := _second_factor_redirect(request)) is not None:
                return response
            request.clinic = membership.clinic
            request.membership = membership
            return view(request, *args, clinic_slug=clinic_slug, **kwargs)

        return wrapped

    return decorator


def staff_required(view: Callable) -> Callable:
    """Any active staff member, signed in with a second factor; patients get 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_clinic_staff(request.user):
            raise Http404("No such page.")
        if (response := _second_factor_redirect(request)) is not None:
            return response
        return view(request, *args, **kwargs)

    return wrapped
