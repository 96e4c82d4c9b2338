"""The staff invitation e-mail: the link, to an address that may have no account yet."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from core.notifications import Message, notification_kind

from .services import site_url


@notification_kind("clinic.invitation", audience="account", in_app="You are invited to join {clinic}.", inbox=False)
def invitation_email(notification: Any) -> Message | None:
    """The invitation link, to the invited address; nothing once the invitation was used, revoked or expired."""
    from .models import Invitation
    from .services import invitation_token

    invitation = Invitation.objects.select_related("clinic").filter(pk=notification.object_id).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        return None
    link = site_url(reverse("clinics:invitation_accept", kwargs={"token": invitation_token(invitation)}))
    return Message(
        subject=f"You are invited to join {invitation.clinic.name}",
        body=(
            f"You have been invited to join {invitation.clinic.name} as {invitation.get_role_display().lower()}.\n\n"
            f"Set your password and your sign-in code here (the link works once, for 7 days):\n{link}\n\n"
            "If you did not expect this, you can ignore this e-mail."
        ),
        to=[invitation.email],
    )
