"""Queue notifications inside the caller's transaction; issue-5 tasks send them after commit."""

from typing import Any

from django.db import models

from .models import Notification


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
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    key = f"{kind}:{object_type}:{object_id}:{event_key}:{recipient.pk}:{channel}"
    notification, _ = Notification.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "kind": kind,
            "recipient": recipient,
            "clinic": clinic,
            "channel": channel,
            "object_type": object_type,
            "object_id": object_id,
        },
    )
    return notification
