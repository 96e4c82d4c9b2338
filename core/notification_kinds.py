"""The account e-mails (verify an address, sign-up with a known address, reset a password): e-mail only.

Each app registers its own kinds in `<app>/notification_kinds.py` (intake, screening, clinics).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .notifications import Message, notification_kind, url_or_empty

# --- the account (e-mail only: never in the inbox) -------------------------------------------------


def _account_user(notification: Any) -> Any:
    user = notification.recipient
    return user if user is not None and user.is_active else None


@notification_kind("account.verify_email", audience="account", in_app="Confirm your e-mail address.", inbox=False)
def account_verify_email(notification: Any) -> Message | None:
    """The "confirm your e-mail address" message; its signed link works for 3 days from sending."""
    from django.template.loader import render_to_string

    from .notifications import absolute_url
    from .services import email_verify_token

    user = _account_user(notification)
    if user is None or user.email_verified:
        return None
    link = absolute_url(url_or_empty("account:verify_email", token=email_verify_token(user)))
    return Message(
        subject=_("Confirm your e-mail address"),
        body=render_to_string("registration/verify_email_email.txt", {"link": link}),
    )


@notification_kind(
    "account.sign_up_existing", audience="account", in_app="Someone tried to sign up with your address.", inbox=False
)
def account_sign_up_existing(notification: Any) -> Message | None:
    """Someone tried to sign up with the address of this account (no account was created)."""
    from django.template.loader import render_to_string

    from .notifications import absolute_url

    if _account_user(notification) is None:
        return None
    return Message(
        subject=_("Someone tried to create an account with your e-mail address"),
        body=render_to_string(
            "registration/sign_up_existing_email.txt",
            {
                "login_link": absolute_url(url_or_empty("account:login")),
                "reset_link": absolute_url(url_or_empty("account:password_reset")),
            },
        ),
    )


@notification_kind("account.password_reset", audience="account", in_app="Reset your password.", inbox=False)
def account_password_reset(notification: Any) -> Message | None:
    """Django's reset link, made when the e-mail goes out (it works once, for PASSWORD_RESET_TIMEOUT)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = _account_user(notification)
    if user is None or not user.has_usable_password():
        return None
    context = {
        "site_url": settings.SITE_URL.rstrip("/"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    return Message(
        subject=render_to_string("registration/password_reset_subject.txt").strip(),
        body=render_to_string("registration/password_reset_email.txt", context),
    )


@notification_kind("account.unlock", audience="account", in_app="Signing in to your account was paused.", inbox=False)
def account_unlock(notification: Any) -> Message | None:
    """Many wrong passwords for this account from anywhere: the pause, and a link that lifts it at once."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from .notifications import absolute_url
    from .services import account_unlock_token

    user = _account_user(notification)
    if user is None:
        return None
    return Message(
        subject=_("Signing in to your account was paused"),
        body=render_to_string(
            "registration/account_unlock_email.txt",
            {
                "unlock_link": absolute_url(url_or_empty("account:unlock", token=account_unlock_token(user))),
                "reset_link": absolute_url(url_or_empty("account:password_reset")),
                "minutes": int(settings.ACCOUNT_LOCK_TIME.total_seconds() // 60),
                "failures": settings.ACCOUNT_FAILURE_LIMIT,
            },
        ),
    )


@notification_kind(
    "account.staff_locked",
    audience="staff",
    in_app="Signing in to a staff account at {clinic} was paused after many wrong passwords.",
    link=lambda notification: (
        url_or_empty("clinics:audit_log", clinic_slug=notification.clinic.slug)
        if notification.clinic is not None
        else ""
    ),
)
def account_staff_locked(notification: Any) -> Message | None:
    """A clinic admin is told when a colleague's account is being guessed at from many addresses."""
    from django.conf import settings

    from .models import User
    from .notifications import staff_body

    member = User.objects.filter(pk=notification.object_id).first()
    if member is None:
        return None
    minutes = int(settings.ACCOUNT_LOCK_TIME.total_seconds() // 60)
    return Message(
        subject="A staff account's sign-in was paused",
        body=staff_body(
            notification,
            f"Signing in to {member.get_full_name() or member.email}'s account was paused for {minutes} minutes after "
            f"{settings.ACCOUNT_FAILURE_LIMIT} wrong passwords from one or more addresses. Nobody got in.",
            "They have been e-mailed a link to unlock it. If they did not type those passwords, someone may be "
            "guessing: the audit log shows the addresses the attempts came from.",
        ),
    )
