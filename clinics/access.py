"""The one place that decides whether a user may act at a clinic, and in which role; and who works there.

Every membership query of the project is here (tests/test_architecture.py fails on one elsewhere): a member
counts only while both the membership and the account are active. A clinic or record the user may not see
answers 404, exactly like a missing one.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import Clinic, Membership, Role

ALL_STAFF_ROLES = tuple(Role.values)


def _active(**filters: Any):
    return Membership.objects.filter(is_active=True, user__is_active=True, **filters)


def _clinic_filter(clinic: Clinic | Any) -> dict[str, Any]:
    return {"clinic": clinic} if isinstance(clinic, Clinic) else {"clinic_id": clinic}


def membership(user: Any, clinic: Clinic | Any, roles: Iterable[str] = ALL_STAFF_ROLES) -> Membership | None:
    """The user's active membership at the clinic (a Clinic or its id) in one of `roles`, else None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return _active(user=user, role__in=list(roles), **_clinic_filter(clinic)).first()


def role_at(user: Any, clinic: Clinic | Any) -> str | None:
    found = membership(user, clinic)
    return found.role if found else None


def require_role(user: Any, clinic: Clinic | Any, roles: Iterable[str], message: str) -> str:
    """The user's role at the clinic when it is one of `roles`; else PermissionDenied(message)."""
    role = role_at(user, clinic)
    if role not in set(roles):
        raise PermissionDenied(message)
    return role


def is_clinic_staff(user: Any) -> bool:
    """Staff are users with at least one active membership; everyone else is a patient."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _active(user=user).exists()


def clinic_staff_exists(user_ref: Any) -> Exists:
    """`is_clinic_staff` as an expression (`user_ref` an OuterRef): core counts the unread badge in the same query
    (the signed-in user is active, so only the membership is asked)."""
    return Exists(Membership.objects.filter(user=user_ref, is_active=True))


def is_staff_at(user: Any, clinic: Clinic | Any) -> bool:
    """An active membership at this clinic (an e-mail to staff is not sent to someone who has left)."""
    return membership(user, clinic) is not None


def staff_clinic_ids(user: Any) -> set[Any]:
    """The clinics where the user works now."""
    return set(_active(user=user).values_list("clinic_id", flat=True))


def staff_memberships(user: Any) -> list[Membership]:
    """The user's active memberships with their clinics, by clinic name (the staff home)."""
    return list(_active(user=user).select_related("clinic").order_by("clinic__name"))


def members(clinic: Clinic | Any, roles: Iterable[str], *, by_name: bool = False) -> list[Membership]:
    """The clinic's active members in these roles, by name or oldest membership first."""
    order = ("user__full_name", "user__email") if by_name else ("created_at",)
    return list(_active(role__in=list(roles), **_clinic_filter(clinic)).select_related("user").order_by(*order))


def member_users(clinic: Clinic | Any, roles: Iterable[str], *, by_name: bool = True) -> list[Any]:
    """The users of `members`, each with `clinic_role` set (what they do at this clinic)."""
    users = []
    for found in members(clinic, roles, by_name=by_name):
        found.user.clinic_role = found.role
        users.append(found.user)
    return users


def member_user(clinic: Clinic | Any, user_id: Any, roles: Iterable[str]) -> Any | None:
    """One active member of the clinic in these roles, by user id (a clinician picked on a form), else None."""
    found = _active(user_id=user_id, role__in=list(roles), **_clinic_filter(clinic)).select_related("user").first()
    if found is None:
        return None
    found.user.clinic_role = found.role
    return found.user


def review_recipients(clinic: Clinic | Any) -> list[Any]:
    """Who is alerted about a case: active psychiatrists, or the clinic admins when there is none
    (a human must always be alerted)."""
    found = members(clinic, [Role.PSYCHIATRIST, Role.CLINIC_ADMIN])
    psychiatrists = [m.user for m in found if m.role == Role.PSYCHIATRIST]
    return psychiatrists or [m.user for m in found]


def clinic_admins_of_staff(user: Any) -> list[tuple[Clinic, list[Any]]]:
    """Each clinic where the user is active staff, with its active clinic admins other than the user (core asks
    this when a staff account's sign-in is paused after failures from many addresses)."""
    found = []
    for own in staff_memberships(user):
        admins = [m.user for m in members(own.clinic, [Role.CLINIC_ADMIN]) if m.user_id != user.pk]
        if admins:
            found.append((own.clinic, admins))
    return found


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
            found = (
                _active(user=request.user, clinic__slug=clinic_slug, role__in=allowed).select_related("clinic").first()
            )
            if found is None:
                raise Http404("No such page.")
            if (response := _second_factor_redirect(request)) is not None:
                return response
            request.clinic = found.clinic
            request.membership = found
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
