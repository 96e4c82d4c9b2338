"""Clinic admins manage staff: invite, change role, deactivate and reactivate (each audited by its service)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..access import clinic_role_required
from ..forms import InvitationForm, MemberRoleForm
from ..models import Membership, Role
from ..selectors import clinic_members, invitation_in_clinic, invitations_open, membership_in_clinic
from ..services import (
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_deactivate,
    membership_reactivate,
)

admin_only = clinic_role_required(Role.CLINIC_ADMIN)


def _render(
    request: HttpRequest,
    *,
    invite_form: InvitationForm | None = None,
    row_error: tuple[int, str] | None = None,
) -> HttpResponse:
    clinic = request.clinic
    context: dict[str, Any] = {
        "clinic": clinic,
        "membership": request.membership,
        "tab": "members",
        "members": list(clinic_members(clinic)),
        "invitations": list(invitations_open(clinic)),
        "invite_form": invite_form or InvitationForm(),
        "roles": Role.choices,
        "row_error_id": row_error[0] if row_error else None,
        "row_error": row_error[1] if row_error else "",
    }
    return render(request, "clinics/members.html", context)


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    membership = membership_in_clinic(request.clinic, membership_id)
    if membership is None:
        raise Http404("No such member.")
    return membership


def _name(membership: Membership) -> str:
    return membership.user.get_full_name()


@require_http_methods(["GET", "POST"])
@admin_only
def members(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            invitation_create(
                clinic=request.clinic,
                email=email,
                role=form.cleaned_data["role"],
                invited_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, f"Invitation sent to {email.strip().lower()}.")
            return redirect("clinics:members", clinic_slug=clinic_slug)
    return _render(request, invite_form=form)


@require_POST
@admin_only
def member_role(request: HttpRequest, clinic_slug: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _render(request, row_error=(membership.pk, "Choose a role from the list."))
    role = form.cleaned_data["role"]
    try:
        membership_change_role(membership=membership, role=role, actor=request.user, request=request)
    except ValidationError as exc:
        return _render(request, row_error=(membership.pk, " ".join(exc.messages)))
    messages.success(request, f"{_name(membership)} is now {Role(role).label.lower()}.")
    if membership.user_id == request.user.pk and role != Role.CLINIC_ADMIN:
        return redirect("clinics:staff_home")  # you just gave up the right to manage staff
    return redirect("clinics:members", clinic_slug=clinic_slug)


@require_POST
@admin_only
def member_deactivate(request: HttpRequest, clinic_slug: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        membership_deactivate(membership=membership, actor=request.user, request=request)
    except ValidationError as exc:
        return _render(request, row_error=(membership.pk, " ".join(exc.messages)))
    if membership.user_id == request.user.pk:
        messages.success(request, f"You no longer have access to {request.clinic.name}, and you have been signed out.")
        return redirect("home")  # your own sessions have just ended
    messages.success(request, f"{_name(membership)} can no longer sign in to {request.clinic.name}.")
    return redirect("clinics:members", clinic_slug=clinic_slug)


@require_POST
@admin_only
def member_reactivate(request: HttpRequest, clinic_slug: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    membership_reactivate(membership=membership, actor=request.user, request=request)
    messages.success(request, f"{_name(membership)} can sign in to {request.clinic.name} again.")
    return redirect("clinics:members", clinic_slug=clinic_slug)


@require_POST
@admin_only
def invitation_revoke_view(request: HttpRequest, clinic_slug: str, invitation_id: Any) -> HttpResponse:
    invitation = invitation_in_clinic(request.clinic, invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        invitation_revoke(invitation=invitation, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("clinics:members", clinic_slug=clinic_slug)
