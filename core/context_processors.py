"""Template values every page needs about the signed-in person's session."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def account(request: HttpRequest) -> dict[str, Any]:
    """`session_idle_seconds` for the sign-out warning (base.html's <body data-idle-seconds>), whether the
    person is clinic staff (the nav's Staff link), whether to ask them to confirm their e-mail, and their
    unread notifications for the nav's badge (on a GET counted by the timeout middleware in its membership
    query; otherwise once, and only when a page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "session_idle_seconds": None,
            "user_is_clinic_staff": False,
            "show_verify_email_banner": False,
            "unread_notifications": "",
        }
    idle = getattr(request, "session_idle_timeout", None)
    staff = getattr(request, "is_clinic_staff", None)
    if idle is None or staff is None:  # the timeout middleware did not run (e.g. an error page)
        from .middleware import idle_timeout_for

        staff, idle = idle_timeout_for(user)
    return {
        "session_idle_seconds": int(idle.total_seconds()),
        "user_is_clinic_staff": staff,
        # Patients only: staff addresses were confirmed by their invitation link.
        "show_verify_email_banner": not (staff or user.is_staff) and not user.email_verified,
        "unread_notifications": _badge(unread)
        if (unread := getattr(request, "unread_notifications", None)) is not None
        else SimpleLazyObject(lambda: _unread(user)),
    }


def _unread(user) -> str:
    from .notifications import unread_count

    return _badge(unread_count(user))


def _badge(count: int) -> str:
    """ "" when nothing is unread, else the count for the badge ("3", or "99+")."""
    from .notifications import UNREAD_BADGE_CAP

    if not count:
        return ""
    return f"{UNREAD_BADGE_CAP}+" if count > UNREAD_BADGE_CAP else str(count)
