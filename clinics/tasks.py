"""E-mail for staff invitations. Arguments are ids only."""

from celery import shared_task
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from .models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(invitation_id: str) -> bool:
    from .services import invitation_token, site_url

    invitation = Invitation.objects.select_related("clinic").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        return False
    link = site_url(reverse("account:invitation_accept", kwargs={"token": invitation_token(invitation)}))
    send_mail(
        subject=f"You are invited to join {invitation.clinic.name}",
        message=(
            f"You have been invited to join {invitation.clinic.name} as {invitation.get_role_display().lower()}.\n\n"
            f"Set your password and your sign-in code here (the link works once, for 7 days):\n{link}\n\n"
            "If you did not expect this, you can ignore this e-mail."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True
