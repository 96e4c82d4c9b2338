"""Template values every page needs about the signed-in person's session."""

from typing import Any

from django.http import HttpRequest


def account(request: HttpRequest) -> dict[str, Any]:
    """`session_idle_seconds` for the sign-out warning (base.html's <body data-idle-seconds>), whether the
    person is clinic staff (the nav's Staff link) and whether to ask them to confirm their e-mail."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_idle_seconds": None, "user_is_clinic_staff": False, "show_verify_email_banner": False}
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
    }
