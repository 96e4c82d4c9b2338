"""Reads about clinics, staff and policy."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from core.models import AuditEvent

from .models import ApiToken, Clinic, Invitation, Membership, Role, ScreeningPolicy, ServedState, SmartClient


def clinic_directory(*, state: str | None = None) -> QuerySet[Clinic]:
    """Clinics accepting new patients, optionally only those serving `state`."""
    clinics = Clinic.objects.filter(accepting_patients=True)
    if state:
        clinics = clinics.filter(served_states__state=state)
    return clinics.prefetch_related(Prefetch("served_states", queryset=ServedState.objects.order_by("state"))).order_by(
        "name"
    )


def clinic_members(clinic: Clinic) -> QuerySet[Membership]:
    return clinic.memberships.select_related("user").order_by("-is_active", "role", "user__email")


def clinic_admin_count(clinic: Clinic) -> int:
    return clinic.memberships.filter(role=Role.CLINIC_ADMIN, is_active=True).count()


def policy_current(clinic: Clinic) -> ScreeningPolicy | None:
    return clinic.policies.order_by("-version").first()


def policy_history(clinic: Clinic) -> QuerySet[ScreeningPolicy]:
    return clinic.policies.select_related("created_by").order_by("-version")


def engine_policy(policy: ScreeningPolicy | None):
    """The engine's Policy value for a stored version (defaults when the clinic has none yet)."""
    from screening.rules import Policy

    return Policy.from_dict(policy.values) if policy is not None else Policy()


# --- added for the directory, the staff pages and the audit log -------------------------------


def clinic_public(slug: str) -> Clinic | None:
    """A clinic's public page (accepting or not), with the states it serves."""
    return (
        Clinic.objects.filter(slug=slug)
        .prefetch_related(Prefetch("served_states", queryset=ServedState.objects.order_by("state")))
        .first()
    )


def membership_in_clinic(clinic: Clinic, membership_id: int) -> Membership | None:
    """One membership of this clinic; another clinic's id gives None, like a missing one."""
    return clinic.memberships.select_related("user", "clinic").filter(pk=membership_id).first()


def invitations_open(clinic: Clinic) -> QuerySet[Invitation]:
    """Invitations that can still be accepted, newest first."""
    return (
        clinic.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_in_clinic(clinic: Clinic, invitation_id: Any) -> Invitation | None:
    return clinic.invitations.select_related("clinic").filter(pk=invitation_id).first()


def policy_flatten(values: dict[str, Any]) -> dict[str, Any]:
    """Policy values with each blood-pressure pair split: {"bp_flag_above.systolic": 140, ...}."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            for part, number in value.items():
                flat[f"{key}.{part}"] = number
        else:
            flat[key] = value
    return flat


@dataclass(frozen=True)
class PolicyChange:
    key: str
    before: Any
    after: Any


def policy_diff(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[PolicyChange]:
    """What changed from one version to the next, key by key (every key for the first version)."""
    old = policy_flatten(previous or {})
    new = policy_flatten(current)
    keys = list(new) + [k for k in old if k not in new]
    return [PolicyChange(k, old.get(k), new.get(k)) for k in keys if previous is None or old.get(k) != new.get(k)]


@dataclass(frozen=True)
class PolicyVersionRow:
    policy: ScreeningPolicy
    changes: list[PolicyChange]


def policy_history_with_changes(clinic: Clinic) -> list[PolicyVersionRow]:
    """Every version, newest first, each with its changes against the version before (one query)."""
    versions = list(policy_history(clinic))
    rows = []
    for index, policy in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        rows.append(PolicyVersionRow(policy, policy_diff(previous.values if previous else None, policy.values)))
    return rows


def policy_version_with_previous(clinic: Clinic, version: int) -> tuple[ScreeningPolicy | None, ScreeningPolicy | None]:
    """One version of this clinic's policy and the one before it (one query)."""
    found = {
        p.version: p for p in clinic.policies.filter(version__in=[version, version - 1]).select_related("created_by")
    }
    return found.get(version), found.get(version - 1)


AUDIT_PAGE_SIZE = 50


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None  # the cursor for the next (older) page, None on the last page
    users: dict[str, Any]  # user ids mentioned in the events' details -> user, for display


def audit_events_for_clinic(
    clinic: Clinic,
    *,
    action: str = "",
    actor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    before: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
    patient: Any = None,
    patient_records: list[tuple[str, list[str]]] | None = None,
) -> AuditPage:
    """One page of this clinic's audit events, newest first, keyset-paginated on id (two queries).

    With `patient`: only events about them, i.e. about one of `patient_records` ((object_type, ids), from the apps
    that hold the records) or naming them in their detail."""
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor")
    if patient is not None:
        about = models.Q(detail__patient_id=str(patient)) | models.Q(object_type="core.user", object_id=str(patient))
        for object_type, ids in patient_records or []:
            about |= models.Q(object_type=object_type, object_id__in=ids)
        events = events.filter(about)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_email__icontains=actor.strip())
    tz = clinic.zone
    if date_from:
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    if before:
        events = events.filter(id__lt=before)
    page = list(events.order_by("-id")[: limit + 1])
    next_before = page[limit - 1].id if len(page) > limit else None
    page = page[:limit]
    user_ids = {_uuid_or_none(e.detail.get("user_id")) for e in page if isinstance(e.detail, dict)} - {None}
    users = {str(u.pk): u for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    return AuditPage(page, next_before, users)


def api_tokens(clinic: Clinic) -> QuerySet[ApiToken]:
    """The clinic's keys, active first, then revoked, newest first within each."""
    return (
        ApiToken.objects.filter(clinic=clinic)
        .select_related("created_by", "revoked_by")
        .order_by(models.F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def api_token_in_clinic(clinic: Clinic, token_id: Any) -> ApiToken | None:
    return ApiToken.objects.filter(clinic=clinic, pk=token_id).first()


def smart_clients(clinic: Clinic) -> QuerySet[SmartClient]:
    """The clinic's SMART backend clients, active first, newest first within each."""
    return (
        SmartClient.objects.filter(clinic=clinic)
        .select_related("created_by", "revoked_by")
        .order_by(models.F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def smart_client_in_clinic(clinic: Clinic, client_id: Any) -> SmartClient | None:
    return SmartClient.objects.filter(clinic=clinic, pk=client_id).first()
