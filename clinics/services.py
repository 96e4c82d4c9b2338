"""Writes about clinics, staff and policy. Views, admin and commands call these."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core.audit import audit_record
from core.outbox import outbox_add
from core.services import user_end_all_sessions, user_sign_in
from core.site import public_url

from .models import ApiToken, Clinic, Invitation, Membership, Role, ScreeningPolicy, ServedState

INVITATION_TTL = timedelta(days=7)
_INVITATION_SALT = "clinics.invitation"


@transaction.atomic
def clinic_create(*, states: list[str], actor: Any = None, **fields: Any) -> Clinic:
    """A clinic with its served states and policy version 1 (the defaults)."""
    from screening.rules import Policy

    clinic = Clinic(**fields)
    clinic.full_clean()
    clinic.save()
    ServedState.objects.bulk_create([ServedState(clinic=clinic, state=s) for s in sorted(set(states))])
    ScreeningPolicy.objects.create(
        clinic=clinic, version=1, values=Policy().to_dict(), created_by=actor, note="Defaults"
    )
    return clinic


# --- staff ----------------------------------------------------------------------------------


def _ensure_another_admin(membership: Membership) -> None:
    """Refuse a change that would leave the clinic without an active admin (rows locked by the caller)."""
    if membership.role != Role.CLINIC_ADMIN or not membership.is_active:
        return
    others = (
        Membership.objects.select_for_update()
        .filter(clinic=membership.clinic, role=Role.CLINIC_ADMIN, is_active=True)
        .exclude(pk=membership.pk)
    )
    if not list(others):
        raise ValidationError("A clinic needs at least one active clinic admin. Make someone else an admin first.")


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, actor: Any, request: HttpRequest | None = None
) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role not in Role.values:
        raise ValidationError("Choose a role from the list.")
    if role == membership.role:
        return
    if role != Role.CLINIC_ADMIN:
        _ensure_another_admin(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        action="membership.role_change",
        actor=actor,
        clinic=membership.clinic,
        obj=membership,
        request=request,
        detail={"from": old, "to": role, "user_id": str(membership.user_id)},
    )


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: Any, request: HttpRequest | None = None) -> None:
    """The member loses access to this clinic at once; their sessions end."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        return
    _ensure_another_admin(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    user_end_all_sessions(user=membership.user)
    audit_record(
        action="membership.deactivate",
        actor=actor,
        clinic=membership.clinic,
        obj=membership,
        request=request,
        detail={"user_id": str(membership.user_id), "role": membership.role},
    )


@transaction.atomic
def membership_reactivate(*, membership: Membership, actor: Any, request: HttpRequest | None = None) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active:
        return
    membership.is_active = True
    membership.save(update_fields=["is_active", "updated_at"])
    audit_record(
        action="membership.reactivate",
        actor=actor,
        clinic=membership.clinic,
        obj=membership,
        request=request,
        detail={"user_id": str(membership.user_id)},
    )


# --- invitations ----------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.id), salt=_INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation | None:
    """The open invitation behind a link, or None when the link is forged, expired, used or revoked."""
    try:
        invitation_id = signing.loads(token, salt=_INVITATION_SALT, max_age=INVITATION_TTL)
    except signing.BadSignature:
        return None
    invitation = Invitation.objects.select_related("clinic").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_create(
    *, clinic: Clinic, email: str, role: str, invited_by: Any, request: HttpRequest | None = None
) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(clinic=clinic, user__email__iexact=email).exists():
        raise ValidationError("This person is already a member of the clinic.")
    # A new invitation replaces an open one for the same address.
    Invitation.objects.filter(
        clinic=clinic, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        clinic=clinic, email=email, role=role, invited_by=invited_by, expires_at=timezone.now() + INVITATION_TTL
    )
    audit_record(
        action="invitation.create",
        actor=invited_by,
        clinic=clinic,
        obj=invitation,
        request=request,
        detail={"role": role},
    )
    # To the invited address, which may have no account yet: the kind reads it from the invitation.
    outbox_add(kind="clinic.invitation", recipient=None, obj=invitation, clinic=clinic)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, full_name: str, request: HttpRequest | None = None):
    """Create (or reuse) the invitee's account and membership; the link cannot be used again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise ValidationError(
            "This invitation has already been used or has expired. Ask your clinic admin for a new one."
        )
    User = get_user_model()
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    else:
        user.full_name = user.full_name or full_name
        user.set_password(password)
        user.save()
    user.email_verified = True  # the link was delivered to this address
    user.save(update_fields=["email_verified"])
    Membership.objects.update_or_create(
        user=user, clinic=invitation.clinic, defaults={"role": invitation.role, "is_active": True}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        action="invitation.accept",
        actor=user,
        clinic=invitation.clinic,
        obj=invitation,
        request=request,
        detail={"role": invitation.role},
    )
    return user


@transaction.atomic
def invitation_accept_and_sign_in(
    *, request: HttpRequest, invitation: Invitation, password: str, full_name: str
) -> Any:
    """Accept a staff invitation and sign the new member in; the second factor comes next."""
    user = invitation_accept(invitation=invitation, password=password, full_name=full_name, request=request)
    user_sign_in(request=request, user=user, method="invitation")
    return user


# --- screening policy -----------------------------------------------------------------------


def policy_validate(values: dict[str, Any]) -> dict[str, Any]:
    """The engine's own validation; returns the normalised values or raises ValidationError by field."""
    from screening.rules import Policy, PolicyError

    try:
        return Policy.from_dict(values).to_dict()
    except PolicyError as exc:
        raise ValidationError({e.path or "__all__": e.message for e in exc.errors}) from exc


@transaction.atomic
def policy_publish(
    *, clinic: Clinic, values: dict[str, Any], actor: Any, note: str = "", request: HttpRequest | None = None
) -> ScreeningPolicy:
    """Save a new version; it applies to screenings from now on, old results keep theirs."""
    normalised = policy_validate(values)
    # NO KEY: serialises policy writers without blocking the rows that point at the clinic (submissions).
    Clinic.objects.select_for_update(no_key=True).filter(pk=clinic.pk).first()
    current = clinic.policies.order_by("-version").first()
    if current is not None and current.values == normalised:
        raise ValidationError("Nothing changed: the new values are the same as the current policy.")
    policy = ScreeningPolicy.objects.create(
        clinic=clinic,
        version=(current.version + 1) if current else 1,
        values=normalised,
        created_by=actor,
        note=note,
    )
    changed = sorted(k for k in normalised if current is None or current.values.get(k) != normalised[k])
    audit_record(
        action="policy.change",
        actor=actor,
        clinic=clinic,
        obj=policy,
        request=request,
        detail={"version": policy.version, "changed": changed},
    )
    return policy


def site_url(path: str, request: HttpRequest | None = None) -> str:
    """An absolute link: SITE_URL, or in development the address the request came in on (core.site)."""
    return public_url(path, request)


# --- added for the staff pages and the Django admin -------------------------------------------


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Any, request: HttpRequest | None = None) -> None:
    """The e-mailed link stops working at once; an accepted invitation cannot be revoked."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.revoked_at:
        return
    if invitation.accepted_at:
        raise ValidationError("This invitation has already been accepted; deactivate the member instead.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoke",
        actor=actor,
        clinic=invitation.clinic,
        obj=invitation,
        request=request,
        detail={"role": invitation.role},
    )


@transaction.atomic
def membership_add(
    *, clinic: Clinic, user: Any, role: str, actor: Any, request: HttpRequest | None = None
) -> Membership:
    """Give an existing account a role at a clinic (the site admin's way to seat a clinic's first admin)."""
    if role not in Role.values:
        raise ValidationError("Choose a role from the list.")
    if Membership.objects.filter(clinic=clinic, user=user).exists():
        raise ValidationError("This person is already a member of the clinic.")
    membership = Membership.objects.create(clinic=clinic, user=user, role=role)
    audit_record(
        action="membership.create",
        actor=actor,
        clinic=clinic,
        obj=membership,
        request=request,
        detail={"user_id": str(user.pk), "role": role},
    )
    return membership


# --- API keys for the read-only FHIR endpoint ---------------------------------------------------

API_TOKEN_PREFIX = "kci_"  # noqa: S105 (marks our keys, not a secret)
# last_used_at is written at most this often, so a busy integration does not write on every read.
API_TOKEN_TOUCH_EVERY = timedelta(minutes=5)


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, clinic: Clinic, name: str, created_by: Any, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new key for the clinic; returns the row and the key itself, which is not stored and not shown again."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the key a name, such as the system that will use it.")
    if ApiToken.objects.filter(clinic=clinic, name__iexact=name, revoked_at__isnull=True).exists():
        raise ValidationError("An active key already has this name. Pick another name or revoke that key first.")
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        clinic=clinic, name=name, prefix=key[:10], digest=api_token_digest(key), created_by=created_by
    )
    audit_record(
        action="api_token.create",
        actor=created_by,
        clinic=clinic,
        obj=token,
        request=request,
        detail={"prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any, request: HttpRequest | None = None) -> None:
    """The key stops working on its next request; the row stays for the audit log."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at:
        return
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action="api_token.revoke",
        actor=actor,
        clinic=token.clinic,
        obj=token,
        request=request,
        detail={"prefix": token.prefix},
    )


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active key with this value, or None; notes when it was last used."""
    if not key.startswith(API_TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("clinic").filter(digest=api_token_digest(key), revoked_at__isnull=True).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > API_TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
