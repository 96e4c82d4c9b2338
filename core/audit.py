"""The one way to write the audit log, its signed checkpoints, and the check that it was not tampered with.

Each event's MAC (HMAC-SHA256, AUDIT_KEY) covers the event and the previous MAC, so an edited or removed
event breaks the chain for anyone holding the key, and without the key no one can recompute it. The chain's
end is anchored by checkpoints (the last id, its MAC, the count) signed with an Ed25519 key and appended to
AUDIT_CHECKPOINT_FILE, outside the database: a trimmed tail no longer matches the last checkpoint.
"""

import base64
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .audit_keys import audit_keys
from .models import AuditCheckpoint, AuditEvent, AuditVerification

logger = logging.getLogger("audit.checkpoint")

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
    "auth.account_locked": "Account sign-in paused after failures from many addresses",
    "auth.account_unlocked": "Account unlocked from the e-mailed link",
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


# --- keys -----------------------------------------------------------------------------------------------


def _signing_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        seed = base64.b64decode(settings.AUDIT_SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as exc:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed.") from exc


def _public_key():
    return _signing_key().public_key()


# --- writing --------------------------------------------------------------------------------------------


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
        key_id=settings.AUDIT_KEY_ID,
    )
    event.hash = event.compute_hash(audit_keys()[event.key_id])
    event.save(force_insert=True)
    return event


# --- checkpoints ----------------------------------------------------------------------------------------


def _signed_bytes(fields: dict[str, Any]) -> bytes:
    signed = {k: fields[k] for k in ("created_at", "last_event_id", "last_hash", "event_count")}
    return json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()


def audit_checkpoint() -> AuditCheckpoint | None:
    """Sign the chain's head and append it to AUDIT_CHECKPOINT_FILE (and the log stream, and the database).

    None when the log is empty. Run by the beat every few minutes and by `manage.py audit_checkpoint`.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the head cannot move while it is read
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        head = AuditEvent.objects.order_by("-id").values("id", "hash").first()
        if head is None:
            return None
        count = AuditEvent.objects.filter(id__lte=head["id"]).count()
    now = timezone.now()
    fields = {
        "created_at": now.isoformat(),
        "last_event_id": head["id"],
        "last_hash": head["hash"],
        "event_count": count,
    }
    signature = base64.b64encode(_signing_key().sign(_signed_bytes(fields))).decode()
    line = json.dumps({**fields, "signature": signature}, sort_keys=True)
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: one write per line, never a rewrite of what is there.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("audit checkpoint %s", line)
    return AuditCheckpoint.objects.create(
        created_at=now,
        last_event_id=head["id"],
        last_hash=head["hash"],
        event_count=count,
        signature=signature,
    )


@dataclass(frozen=True)
class Checkpoint:
    created_at: str
    last_event_id: int
    last_hash: str
    event_count: int
    signature: str


class CheckpointError(Exception):
    pass


def checkpoints_from_file(path: str | Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the file, each signature checked; a bad line or signature raises CheckpointError."""
    from cryptography.exceptions import InvalidSignature

    path = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return []
    public_key = _public_key()
    found = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            checkpoint = Checkpoint(
                created_at=str(data["created_at"]),
                last_event_id=int(data["last_event_id"]),
                last_hash=str(data["last_hash"]),
                event_count=int(data["event_count"]),
                signature=str(data["signature"]),
            )
            public_key.verify(base64.b64decode(checkpoint.signature), _signed_bytes(data))
        except InvalidSignature as exc:
            raise CheckpointError(f"checkpoint on line {number} of the checkpoint file has a bad signature") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"line {number} of the checkpoint file is not a checkpoint") from exc
        found.append(checkpoint)
    return found


# --- verifying ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    event_id: int | None
    reason: str


@dataclass(frozen=True)
class Verification:
    events: int
    checkpoint: Checkpoint | None
    broken: BrokenLink | None


def audit_verify(batch_size: int = 2000) -> BrokenLink | None:
    """The first problem in the chain or against the latest signed checkpoint; None when intact."""
    return audit_check(batch_size).broken


def audit_check(batch_size: int = 2000, checkpoint_file: str | Path | None = None) -> Verification:
    """Walk the chain in order against the latest signed checkpoint in the file; the first problem found."""
    try:
        checkpoints = checkpoints_from_file(checkpoint_file)
    except CheckpointError as exc:
        return Verification(0, None, BrokenLink(None, str(exc)))
    checkpoint = checkpoints[-1] if checkpoints else None
    keys = audit_keys()
    expected_prev = GENESIS
    count = 0
    last_id = None
    for event in _iter_events(batch_size):
        count += 1
        if checkpoint is not None and last_id is not None and last_id < checkpoint.last_event_id < event.id:
            reason = (
                f"event {checkpoint.last_event_id}, the end of the signed checkpoint of {checkpoint.created_at}, "
                "is missing (events were removed and the log went on)"
            )
            return Verification(count, checkpoint, BrokenLink(checkpoint.last_event_id, reason))
        if event.prev_hash != expected_prev:
            reason = "its link to the previous event does not match (an event before it was removed or reordered)"
            return Verification(count, checkpoint, BrokenLink(event.id, reason))
        key = keys.get(event.key_id)
        if key is None:
            reason = f"it names key {event.key_id!r}, which is neither AUDIT_KEY_ID nor in AUDIT_PREVIOUS_KEYS"
            return Verification(count, checkpoint, BrokenLink(event.id, reason))
        if event.compute_hash(key) != event.hash:
            reason = "its contents do not match its MAC (the event was edited)"
            return Verification(count, checkpoint, BrokenLink(event.id, reason))
        at_checkpoint = checkpoint is not None and event.id == checkpoint.last_event_id
        if at_checkpoint and (event.hash != checkpoint.last_hash or count != checkpoint.event_count):
            reason = (
                f"the signed checkpoint of {checkpoint.created_at} recorded {checkpoint.event_count} events "
                f"ending here with another MAC; the log up to it was rewritten"
            )
            return Verification(count, checkpoint, BrokenLink(event.id, reason))
        expected_prev = event.hash
        last_id = event.id
    if checkpoint is not None and (last_id is None or last_id < checkpoint.last_event_id):
        reason = (
            f"the log ends at event {last_id or 'none'} ({count} events), but the signed checkpoint of "
            f"{checkpoint.created_at} recorded {checkpoint.event_count} events up to event "
            f"{checkpoint.last_event_id}: the tail was removed"
        )
        return Verification(count, checkpoint, BrokenLink((last_id or 0) + 1, reason))
    return Verification(count, checkpoint, None)


def audit_verify_and_record(checkpoint_file: str | Path | None = None) -> Verification:
    """Verify, and keep the outcome for the clinic admins' audit page."""
    result = audit_check(checkpoint_file=checkpoint_file)
    AuditVerification.objects.create(
        intact=result.broken is None,
        events_checked=result.events,
        first_bad_id=result.broken.event_id if result.broken else None,
        problem=result.broken.reason[:300] if result.broken else "",
        checkpoint_event_id=result.checkpoint.last_event_id if result.checkpoint else None,
    )
    return result


def _iter_events(batch_size: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def audit_status() -> dict[str, Any]:
    """The last verification and the last checkpoint, for the audit page (two queries)."""
    return {
        "verification": AuditVerification.objects.order_by("-id").first(),
        "checkpoint": AuditCheckpoint.objects.order_by("-id").first(),
    }
