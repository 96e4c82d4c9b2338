"""The transactional outbox: queue a notification inside the caller's transaction, send it after commit.

outbox_add writes the row with the event and, once the transaction commits, asks Celery to send it. When
the broker is down or slow that request is dropped (never the web request): the row stays unsent and the
beat task outbox_resend_due sends it. Sending claims the row with a conditional UPDATE and a lease, so two
workers, a redelivered task and the beat never send the same row twice while the lease holds.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import is_dataclass, replace
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import hooks
from .models import Notification
from .notifications import Kind, kind_for

logger = logging.getLogger(__name__)

# Longer than one send can take (EMAIL_TIMEOUT bounds the SMTP conversation, outbox_send's time limit the
# task); a sender that crashed holding a lease gives the row back when it ends.
LEASE = timedelta(minutes=5)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# A worker whose clock is a little behind the web server's still sends a row at once.
CLOCK_SLACK = timedelta(seconds=5)
# After a failed enqueue, this process stops asking the broker for a while (the beat resends the rows).
BREAKER_SECONDS = 30.0


def outbox_add(
    *,
    kind: str,
    recipient: Any,
    obj: models.Model | None = None,
    clinic: Any = None,
    channel: str = Notification.Channel.EMAIL,
    event_key: str = "",
) -> Notification:
    """One message for one recipient about one event; idempotent for the same event, recipient and channel."""
    return outbox_add_many(
        kind=kind, recipients=[recipient], obj=obj, clinic=clinic, channel=channel, event_key=event_key
    )[0]


def outbox_add_many(
    *,
    kind: str,
    recipients: Sequence[Any],
    obj: models.Model | None = None,
    clinic: Any = None,
    channel: str = Notification.Channel.EMAIL,
    event_key: str = "",
) -> list[Notification]:
    """One message per recipient about one event, in one INSERT and one SELECT whatever their number; rows that
    already exist for the same event, recipient and channel are returned as they are, never queued twice.

    In-app rows are delivered by being written. E-mail rows are sent after the caller's transaction commits,
    all in one task (a digest kind waits for its window, NOTIFICATION_DIGEST_WINDOW).
    """
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    now = timezone.now()
    definition = kind_for(kind)
    digest = channel == Notification.Channel.EMAIL and definition is not None and definition.digest is not None
    wanted: dict[str, Notification] = {}
    for recipient in recipients:
        key = f"{kind}:{object_type}:{object_id}:{event_key}:{recipient.pk if recipient else '-'}:{channel}"
        wanted.setdefault(
            key,
            Notification(
                kind=kind,
                recipient=recipient,
                clinic=clinic,
                channel=channel,
                object_type=object_type,
                object_id=object_id,
                dedupe_key=key,
                created_at=now,
                next_attempt_at=now + settings.NOTIFICATION_DIGEST_WINDOW if digest else now,
                sent_at=now if channel == Notification.Channel.IN_APP else None,
                read_at=now if definition is not None and not definition.inbox else None,
            ),
        )
    if not wanted:
        return []
    Notification.objects.bulk_create(wanted.values(), ignore_conflicts=True)
    stored = {row.dedupe_key: row for row in Notification.objects.filter(dedupe_key__in=list(wanted))}
    rows = []
    created = []
    for key, new in wanted.items():
        row = stored[key]
        row.recipient = new.recipient  # the caller's objects: no query to read them back
        if row.pk == new.pk:
            created.append(str(row.pk))
        rows.append(row)
    if created and channel == Notification.Channel.EMAIL and not digest:
        transaction.on_commit(partial(outbox_enqueue, *created), robust=True)
    return rows


# --- enqueueing after commit --------------------------------------------------------------------------

_breaker_lock = threading.Lock()
_broker_down_until = 0.0


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, OSError, TimeoutError)


def outbox_enqueue(*notification_ids: str) -> bool:
    """Ask Celery to send these rows now, in one task. Never raises: a row that was not queued is sent by
    the beat."""
    if len(notification_ids) == 1:
        return delay_safely("core.tasks.outbox_send", notification_ids[0])
    return delay_safely("core.tasks.outbox_send_many", list(notification_ids))


def delay_safely(task: Any, *args: Any) -> bool:
    """task.delay(*args), or False (logged, never raised) when the broker is down, slow or refusing.

    `task` is a task or its dotted name ("screening.tasks.rescreen_clinic"): services name the tasks that
    call them back rather than import them, so a services module and its tasks module never import each other.

    For work queued from a web request after commit: the request has already succeeded and must not fail
    or wait now. Give such tasks ignore_result=True: a result backend that is down fails them otherwise.
    """
    global _broker_down_until
    if isinstance(task, str):
        task = import_string(task)
    if time.monotonic() < _broker_down_until:
        return False
    try:
        task.delay(*args)
    except _broker_errors() as exc:
        with _breaker_lock:
            _broker_down_until = time.monotonic() + BREAKER_SECONDS
        logger.warning(
            "outbox: broker unavailable (%s); %s %s not queued (the resend task sends outbox rows)",
            type(exc).__name__,
            task.name,
            ", ".join(str(a) for a in args),
        )
        return False
    except Exception as exc:  # noqa: BLE001 - after commit nothing may fail the request
        logger.error(
            "outbox: could not queue %s %s (%s)", task.name, ", ".join(str(a) for a in args), type(exc).__name__
        )
        return False
    return True


def delay_on_commit_safely(task: Any, *args: Any) -> None:
    """delay_safely(task, *args) once the current transaction commits (ids only in args)."""
    transaction.on_commit(partial(delay_safely, task, *args), robust=True)


def outbox_breaker_reset() -> None:
    """Forget an earlier broker failure (tests; a process that knows the broker is back)."""
    global _broker_down_until
    with _breaker_lock:
        _broker_down_until = 0.0


# --- sending ------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd, 4th ... failed attempt, at most 6 hours."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _unsent_email(now: datetime) -> models.QuerySet[Notification]:
    """E-mail rows nobody has sent and nobody is sending (no lease, or an expired one)."""
    return Notification.objects.filter(sent_at__isnull=True, channel=Notification.Channel.EMAIL).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )


def outbox_due_ids(*, limit: int, now: datetime | None = None) -> list[Any]:
    """Unsent e-mail rows whose time has come, oldest due first (the partial index outbox_unsent)."""
    now = now or timezone.now()
    return list(
        _unsent_email(now)
        .filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _finish(ids: Sequence[Any], lease: uuid.UUID, **fields: Any) -> int:
    """Write the outcome, only if our lease still holds (a sender that lost it writes nothing)."""
    return Notification.objects.filter(pk__in=ids, lease=lease).update(locked_until=None, lease=None, **fields)


def _skip_reason(notification: Notification, kind: Kind) -> str:
    recipient = notification.recipient
    if recipient is None:
        return "" if kind.audience == "account" else "no recipient"
    if not recipient.is_active or not recipient.email:
        return "recipient inactive"
    staff = kind.audience == "staff" and notification.clinic_id is not None
    if staff and not hooks.is_staff_at(recipient, notification.clinic_id):
        return "recipient no longer staff at the clinic"
    return ""


def _language(notification: Notification) -> str:
    """The recipient's language (saved on the account by the language switch); the site's for an address."""
    language = getattr(notification.recipient, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# What a patient's lock screen shows: never the care, the drug or the clinic's name (which may say "ketamine").
DISCREET_SUBJECT = gettext_noop("A new message from your clinic")


def discreet_subject(kind: Kind, subject: str) -> str:
    """Patients' e-mails all carry the one discreet subject (in their language); staff and account e-mails
    (sign-in, reset, confirm an address) keep theirs, which say nothing about the care."""
    return _(DISCREET_SUBJECT) if kind.audience == "patient" else subject


def sender(notification: Notification) -> str:
    """DEFAULT_FROM_EMAIL's address, under the clinic's discreet sender name when it has set one."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    clinic_name = getattr(notification.clinic, "email_sender_name", "") if notification.clinic_id else ""
    return formataddr((clinic_name or name, address)) if (clinic_name or name) else address


def _email(notification: Notification, message: Any, kind: Kind) -> EmailMessage:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return EmailMessage(
        subject=discreet_subject(kind, message.subject),
        from_email=sender(notification),
        body=message.body,
        to=getattr(message, "to", None) or [notification.recipient.email],
        attachments=list(getattr(message, "attachments", None) or []),
        # The same id on a resend lets mail systems drop a duplicate after an unlucky crash.
        headers={"Message-ID": f"<{notification.pk}@{host}>"},
    )


def outbox_deliver(notification_id: Any, rendered: dict[tuple, Any] | None = None) -> str:
    """Send one unsent e-mail row (and, for a digest kind, the rest of its group) at most once.

    `rendered`: messages already rendered by the caller's loop, for kinds that are the same for everyone.
    Returns "sent", "skipped" (settled without sending: the recipient left, or the kind has nothing to send
    any more), "failed" (backing off), or "busy" (already sent, being sent by someone else, not due, or not
    an e-mail row).
    """
    now = timezone.now()
    lease = uuid.uuid4()
    claimed = (
        _unsent_email(now)
        .filter(pk=notification_id, next_attempt_at__lte=now + CLOCK_SLACK)
        .update(locked_until=now + LEASE, lease=lease)
    )
    if not claimed:
        return "busy"
    notification = Notification.objects.select_related("recipient", "clinic").get(pk=notification_id)
    kind = kind_for(notification.kind)
    if kind is None:
        attempts = notification.attempts + 1
        _finish(
            [notification.pk],
            lease,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            last_error="unknown kind",
        )
        logger.error(
            "outbox: unknown notification kind %r (notification %s); retrying later", notification.kind, notification.pk
        )
        return "failed"

    batch = [notification]
    if kind.digest is not None:
        _unsent_email(now).filter(
            kind=notification.kind, recipient_id=notification.recipient_id, clinic_id=notification.clinic_id
        ).exclude(pk=notification.pk).update(locked_until=now + LEASE, lease=lease)
        batch = list(
            Notification.objects.filter(lease=lease).select_related("recipient", "clinic").order_by("created_at", "pk")
        )
    ids = [n.pk for n in batch]

    if reason := _skip_reason(notification, kind):
        _finish(ids, lease, sent_at=now, last_error=f"skipped: {reason}")
        logger.info("outbox: notification %s (%s) not sent: %s", notification.pk, notification.kind, reason)
        return "skipped"
    message = None
    try:
        language = _language(notification)
        with translation.override(language):
            if kind.digest is not None and len(batch) > 1:
                message = kind.digest(batch)
            elif kind.same_for_everyone and rendered is not None:
                key = (kind.name, notification.object_type, notification.object_id, notification.clinic_id, language)
                if key not in rendered:
                    rendered[key] = kind.email(notification)
                message = rendered[key]
            else:
                message = kind.email(notification)
            email = _email(notification, message, kind) if message is not None else None
        if email is not None:  # None: moot now (the address was confirmed, the invitation revoked)
            email.send()
    except Exception as exc:  # noqa: BLE001 - any failure backs off and retries; the row is never lost
        attempts = notification.attempts + 1
        retry_at = timezone.now() + backoff(attempts)
        _finish(ids, lease, attempts=F("attempts") + 1, next_attempt_at=retry_at, last_error=type(exc).__name__[:200])
        # The exception's text can hold an address; its type is enough to act on.
        logger.warning(
            "outbox: sending notification %s (%s) failed (%s); attempt %d, next at %s",
            notification.pk,
            notification.kind,
            type(exc).__name__,
            attempts,
            retry_at.isoformat(timespec="seconds"),
        )
        return "failed"
    if message is None:
        _finish(ids, lease, sent_at=now, last_error="skipped: nothing to send")
        return "skipped"
    _finish(ids, lease, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return "sent"


def email_preview(notification: Notification) -> Any:
    """The message a row would send (support and tests); None for an unknown kind."""
    kind = kind_for(notification.kind)
    if kind is None:
        return None
    with translation.override(_language(notification)):
        message = kind.email(notification)
        if message is None:
            return None
        return replace(message, subject=discreet_subject(kind, message.subject)) if is_dataclass(message) else message


# --- the inbox ----------------------------------------------------------------------------------------


def notification_mark_read(*, user: Any, notification_id: Any) -> Notification | None:
    """Mark one of the user's notifications read; None when it is not theirs (or does not exist)."""
    notification = Notification.objects.select_related("clinic").filter(pk=notification_id, recipient=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
