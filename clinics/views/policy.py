"""The clinic's screening policy: psychiatrists and admins read it, admins publish new versions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ..forms import POLICY_LABELS, POLICY_ORDER, PolicyForm
from ..models import Role
from ..permissions import clinic_role_required
from ..selectors import policy_diff, policy_flatten, policy_history_with_changes, policy_version_with_previous
from ..services import policy_publish

readers = clinic_role_required(Role.CLINIC_ADMIN, Role.PSYCHIATRIST)


def _value_rows(values: dict, changed: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    flat = policy_flatten(values)
    keys = POLICY_ORDER + [k for k in flat if k not in POLICY_ORDER]
    return [
        {"key": k, "label": POLICY_LABELS.get(k, k), "value": flat.get(k), "changed": k in changed}
        for k in keys
        if k in flat
    ]


def _labelled(changes: list) -> list[dict]:
    return [{"label": POLICY_LABELS.get(c.key, c.key), "before": c.before, "after": c.after} for c in changes]


@require_http_methods(["GET", "POST"])
@readers
def policy(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    can_edit = request.membership.role == Role.CLINIC_ADMIN
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only a clinic admin can change the screening policy.")
    history = policy_history_with_changes(clinic)
    current = history[0].policy if history else None
    form = None
    if can_edit:
        if request.method == "POST":
            form = PolicyForm(request.POST)
            if form.is_valid():
                try:
                    published = policy_publish(
                        clinic=clinic,
                        values=form.normalised,
                        actor=request.user,
                        note=form.cleaned_data["note"],
                        request=request,
                    )
                except ValidationError as exc:
                    form.add_engine_errors(exc)
                else:
                    messages.success(
                        request, f"Saved as version {published.version}. It applies to new screenings from now on."
                    )
                    return redirect("clinics:policy", clinic_slug=clinic_slug)
        else:
            form = PolicyForm(initial=PolicyForm.initial_from(current.values if current else {}))
    context = {
        "clinic": clinic,
        "membership": request.membership,
        "tab": "policy",
        "form": form,
        "current": current,
        "current_rows": _value_rows(current.values) if current else [],
        "history": [{"policy": row.policy, "changes": _labelled(row.changes)} for row in history],
    }
    return render(request, "clinics/policy.html", context)


@require_GET
@readers
def policy_version(request: HttpRequest, clinic_slug: str, version: int) -> HttpResponse:
    policy, previous = policy_version_with_previous(request.clinic, version)
    if policy is None:
        raise Http404("No such policy version.")
    changes = policy_diff(previous.values if previous else None, policy.values)
    context = {
        "clinic": request.clinic,
        "membership": request.membership,
        "tab": "policy",
        "policy": policy,
        "previous": previous,
        "rows": _value_rows(policy.values, {c.key for c in changes} if previous else set()),
        "changes": _labelled(changes) if previous else [],
    }
    return render(request, "clinics/policy_version.html", context)
