"""Account e-mails, sent by Celery after commit. Arguments are ids only; bodies carry no personal data."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from clinics.services import site_url


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def email_verification_send(user_id: str) -> bool:
    """The "confirm your e-mail address" message with a signed link that works for 3 days."""
    from .services import email_verify_token

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified:
        return False
    link = site_url(reverse("account:verify_email", kwargs={"token": email_verify_token(user)}))
    send_mail(
        subject="Confirm your e-mail address",
        message=render_to_string("registration/verify_email_email.txt", {"link": link}),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def sign_up_attempt_notice(user_id: str) -> bool:
    """Tell an account's owner that someone tried to sign up with their address (no account is created)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_mail(
        subject="Someone tried to create an account with your e-mail address",
        message=render_to_string(
            "registration/sign_up_existing_email.txt",
            {
                "login_link": site_url(reverse("account:login")),
                "reset_link": site_url(reverse("account:password_reset")),
            },
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True
