"""The one way to write the audit log, and the check that it was not tampered with."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest

from .models import AuditEvent

GENESIS = "0" * 64

# Every action written to the log, with what a clinic admin reads in the filter. Code constants: the filter
# lists them without scanning the log (a DISTINCT over years of events grows with the log). Core's own here;
# each app registers its actions in AppConfig.ready() (register_actions), so core never imports an app.
ACTIONS: dict[str, str] = {
    "auth.email_verified": "E-mail address confirmed",
    "auth.locked_out": "Sign-in locked after failures",
    "auth.password_reset_completed": "Password reset completed",
    "auth.password_reset_requested": "Password reset requested",
    "auth.second_factor_enrolled": "Authenticator app set up",
    "auth.second_factor_failed": "Authenticator code refused",
    "auth.second_factor_verified": "Authenticator code accepted",
    "auth.session_expired": "Signed out after inactivity",
    "auth.sign_in": "Signed in",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_out": "Signed out",
    "auth.sign_out_everywhere": "Signed out everywhere",
    "auth.sign_up": "Account created",
    "auth.sign_up_existing": "Sign-up with an existing address",
}


def register_actions(actions: dict[str, str]) -> None:
    """Add an app's actions (name → label); a name registered twice with another label is a mistake."""
    for name, label in actions.items():
        if ACTIONS.get(name, label) != label:
            raise ValueError(f"audit action {name!r} is registered twice with different labels")
        ACTIONS[name] = label


# Serialises writers so the hash chain never forks (PostgreSQL advisory lock id).
_CHAIN_LOCK = 74_201_126


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor: Any = None,
    clinic: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `detail` must hold codes and ids only, never patient data."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        actor=actor,
        actor_email=getattr(actor, "email", "") if actor else "",
        clinic=clinic,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip_address=client_ip(request),
        detail=detail or {},
        prev_hash=last or GENESIS,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def audit_verify(batch_size: int = 2000) -> BrokenLink | None:
    """Walk the chain in order; return the first event whose hash or link does not hold."""
    expected_prev = GENESIS
    for event in _iter_events(batch_size):
        if event.prev_hash != expected_prev:
            return BrokenLink(
                event.id, "its link to the previous event does not match (an event was removed or reordered)"
            )
        if event.compute_hash() != event.hash:
            return BrokenLink(event.id, "its contents do not match its hash (the event was edited)")
        expected_prev = event.hash
    return None


def _iter_events(batch_size: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
