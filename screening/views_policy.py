"""The clinic's screening policy: psychiatrists and admins read it, admins publish new versions.

Before a new version takes effect the admin sees what it would do to the open cases (screened in memory,
nothing saved); publishing then re-screens them in the background, with progress on this page.
"""

import hashlib
import json
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinics.access import clinic_role_required
from clinics.forms import POLICY_LABELS, POLICY_ORDER, PolicyForm
from clinics.models import Role
from clinics.selectors import policy_diff, policy_flatten, policy_history_with_changes, policy_version_with_previous
from core.audit import audit_record

from .selectors import Impact, policy_impact, rescreen_runs_recent
from .services import policy_publish_and_rescreen

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


_PREVIEW_SALT = "clinics.policy.preview"
NOTHING_CHANGED = "Nothing changed: the new values are the same as the current policy."


def _preview_token(values: dict[str, Any], impact: Impact) -> str:
    """Binds a publish to the values previewed and to what the preview said would move."""
    moves = hashlib.sha256(json.dumps(impact.fingerprint()).encode()).hexdigest()
    return signing.dumps({"values": values, "moves": moves}, salt=_PREVIEW_SALT, compress=True)


def _previewed(token: str, values: dict[str, Any], impact: Impact) -> bool:
    try:
        seen = signing.loads(token, salt=_PREVIEW_SALT, max_age=3600)
    except signing.BadSignature:
        return False
    return seen == signing.loads(_preview_token(values, impact), salt=_PREVIEW_SALT)


@require_http_methods(["GET", "POST"])
@readers
def policy(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """GET: the current values (a form for admins) and the history. POST: preview or publish.

    "Preview" screens the open submissions under the new values in memory and shows who would move. "Save"
    publishes at once when no open case would move; otherwise it shows the preview first and publishes only
    when the admin confirms what they saw (a signed token of the values and the moves).
    """
    clinic = request.clinic
    can_edit = request.membership.role == Role.CLINIC_ADMIN
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only a clinic admin can change the screening policy.")
    history = policy_history_with_changes(clinic)
    current = history[0].policy if history else None
    form = None
    preview: Impact | None = None
    preview_token = ""
    if can_edit:
        if request.method == "POST":
            form = PolicyForm(request.POST)
            action = request.POST.get("action", "publish")
            if form.is_valid():
                values = form.normalised
                if current is not None and current.values == values:
                    form.add_error(None, NOTHING_CHANGED)
                else:
                    impact = policy_impact(clinic=clinic, values=values)
                    confirmed = _previewed(request.POST.get("preview_token", ""), values, impact)
                    if action == "preview" or ((impact.moved or impact.findings_changed) and not confirmed):
                        preview, preview_token = impact, _preview_token(values, impact)
                        _audit_preview(request, impact)
                        if action != "preview":
                            messages.warning(
                                request,
                                "This change moves open cases or changes their findings. Check what it would do "
                                "below, then save again to publish it.",
                            )
                    else:
                        try:
                            published, run = policy_publish_and_rescreen(
                                clinic=clinic,
                                values=values,
                                actor=request.user,
                                note=form.cleaned_data["note"],
                                request=request,
                            )
                        except ValidationError as exc:
                            form.add_engine_errors(exc)
                        else:
                            messages.success(
                                request,
                                f"Saved as version {published.version}. It applies to new screenings from now on; "
                                f"the {run.total} open submission{'s' if run.total != 1 else ''} "
                                f"{'are' if run.total != 1 else 'is'} being re-screened under it.",
                            )
                            return redirect("screening:policy", clinic_slug=clinic_slug)
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
        "preview": preview,
        "preview_token": preview_token,
        "preview_rows": preview.changed[: preview.listed] if preview else [],
        "runs": rescreen_runs_recent(clinic=clinic),
    }
    return render(request, "screening/policy.html", context)


def _audit_preview(request: HttpRequest, impact: Impact) -> None:
    """The preview lists patients by name: a staff view of patient data, so it is audited (counts only)."""
    audit_record(
        action="policy.preview",
        actor=request.user,
        clinic=request.clinic,
        request=request,
        detail={"open": impact.open_submissions, "moved": impact.moved, "findings_changed": impact.findings_changed},
    )


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
    return render(request, "screening/policy_version.html", context)
