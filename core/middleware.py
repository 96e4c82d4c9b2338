"""Automatic sign-out: after inactivity (staff 15 minutes, patients 30) and after an absolute lifetime.

HIPAA §164.312(a)(2)(iii) automatic logoff; OWASP ASVS 3.3. The browser warns a minute before
(static/js/session.js) and offers to stay signed in; this middleware is what actually enforces it.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext

from . import hooks, services
from .notifications import clinic_staff_and_unread


def idle_timeout_for(user, clinic_staff: bool | None = None) -> tuple[bool, timedelta]:
    """(is clinic staff, idle timeout). Clinic staff hold an active membership; site admins (Django admin
    access) get the staff timeout too, since they can see more than anyone."""
    if clinic_staff is None:
        clinic_staff = hooks.is_clinic_staff(user)
    privileged = clinic_staff or user.is_staff or user.is_superuser
    return clinic_staff, settings.STAFF_IDLE_TIMEOUT if privileged else settings.PATIENT_IDLE_TIMEOUT


def activity_resolution(idle: timedelta) -> float:
    """Seconds of activity the session may leave unrecorded: writing it back on every request was the largest
    common cost of a page (an UPDATE per request). A session ends at most this much early: 30 s of 15
    minutes, less than the browser's minute of warning (static/js/session.js), so "stay signed in" works."""
    return min(30.0, idle.total_seconds() / 30)


def _minutes(delta: timedelta) -> int:
    return max(int(delta.total_seconds() // 60), 1)


def expiry_message(reason: str, idle: timedelta) -> str:
    if reason == "absolute":
        hours = max(int(settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() // 3600), 1)
        return ngettext(
            "You were signed out because you had been signed in for %(count)d hour. "
            "Sign in to continue; nothing you saved is lost.",
            "You were signed out because you had been signed in for %(count)d hours. "
            "Sign in to continue; nothing you saved is lost.",
            hours,
        ) % {"count": hours}
    minutes = _minutes(idle)
    return ngettext(
        "You were signed out after %(count)d minute without activity. Sign in to continue; nothing you saved is lost.",
        "You were signed out after %(count)d minutes without activity. Sign in to continue; nothing you saved is lost.",
        minutes,
    ) % {"count": minutes}


def _staff_and_unread(request: HttpRequest, user) -> tuple[bool, int | None]:
    """Clinic staff or not and, for a page (GET), the unread count of the menu's badge: one query where the
    clinics app offers the membership check as an expression, instead of two on every signed-in page. A POST
    may change what is unread before its page is drawn: its badge is counted when drawn, as before."""
    staff_exists = hooks.answer("clinic_staff_exists")
    if staff_exists is None:
        return hooks.is_clinic_staff(user), None
    staff, unread = clinic_staff_and_unread(user, staff_exists)  # compiled once: cheaper than the ORM's EXISTS
    return staff, unread if request.method in ("GET", "HEAD") else None


class SessionTimeoutMiddleware:
    """Ends a signed-in session that was idle too long or is older than SESSION_ABSOLUTE_LIFETIME.

    Sits after AuthenticationMiddleware, OTPMiddleware and MessageMiddleware. Sets
    `request.is_clinic_staff` and `request.session_idle_timeout` for the views and templates.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            staff, unread = _staff_and_unread(request, user)
            staff, idle = idle_timeout_for(user, staff)
            request.is_clinic_staff = staff
            request.session_idle_timeout = idle
            if unread is not None:
                request.unread_notifications = unread
            response = self._check(request, idle)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest, idle: timedelta) -> HttpResponse | None:
        session = request.session
        now = timezone.now().timestamp()
        started = session.get(services.SESSION_STARTED_KEY)
        last = session.get(services.SESSION_LAST_ACTIVITY_KEY)
        if started is None or last is None:
            # Signed in some other way (the admin, a test's force_login): start the clocks now.
            session[services.SESSION_STARTED_KEY] = now
            session[services.SESSION_LAST_ACTIVITY_KEY] = now
            return None
        reason = None
        if now - last >= idle.total_seconds():
            reason = "idle"
        elif now - started >= settings.SESSION_ABSOLUTE_LIFETIME.total_seconds():
            reason = "absolute"
        if reason is None:
            if now - last >= activity_resolution(idle):
                session[services.SESSION_LAST_ACTIVITY_KEY] = now
            return None
        return self._expire(request, reason, idle)

    def _expire(self, request: HttpRequest, reason: str, idle: timedelta) -> HttpResponse | None:
        minutes = _minutes(idle if reason == "idle" else settings.SESSION_ABSOLUTE_LIFETIME)
        services.session_expire(request=request, reason=reason, minutes=minutes)
        request.is_clinic_staff = False
        request.session_idle_timeout = None
        request.unread_notifications = None
        messages.info(request, expiry_message(reason, idle))
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"signed_in": False}, status=401)
        login_url = reverse("account:login")
        if request.path == login_url:
            return self.get_response(request)  # the sign-in page itself: show it, now signed out
        next_url = request.get_full_path() if request.method == "GET" else request.path
        return redirect_to_login(next_url, login_url=login_url)


class UserLanguageMiddleware:
    """A signed-in user reads the site in the language saved on their account, on every device.

    After AuthenticationMiddleware; LocaleMiddleware has already chosen from the cookie or the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class NoStoreMiddleware:
    """Every response to a signed-in person is sent `Cache-Control: no-store`: a shared computer's browser
    (or a proxy) keeps no page with patient data. After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        before = getattr(request, "user", None)
        signed_in = before is not None and before.is_authenticated  # signing out: the page was still theirs
        response = self.get_response(request)
        after = getattr(request, "user", None)
        # A view that marks its response public (the same for everyone: the translation catalogue) keeps it.
        # A view that already said no-store keeps its own header as it is.
        decided = any(word in response.get("Cache-Control", "") for word in ("public", "no-store"))
        if (signed_in or (after is not None and after.is_authenticated)) and not decided:
            add_never_cache_headers(response)
        return response


def allow_body_size(limit: int | Callable[[], int]) -> Callable:
    """Let one view take a bigger request body than REQUEST_MAX_BODY_BYTES (an upload form)."""

    def decorate(view: Callable) -> Callable:
        view.max_body_bytes = limit
        return view

    return decorate


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than its view allows (413), before anything reads or spools it.

    The limit is REQUEST_MAX_BODY_BYTES unless the view says otherwise (`allow_body_size`). A body sent
    without a Content-Length (chunked) is still held to DATA_UPLOAD_MAX_MEMORY_SIZE by Django; gunicorn and
    the proxy in front bound the rest (docs/security.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The request's Content-Length is not a number.", status=400, content_type="text/plain")
        limit = getattr(view_func, "max_body_bytes", None) or settings.REQUEST_MAX_BODY_BYTES
        if callable(limit):
            limit = limit()
        if length > limit:
            return _too_large(request)
        return None


def _too_large(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    return render(request, "413.html", status=413)


class DatabaseBusyMiddleware:
    """SQLite (the embedded default): a write lock still held after the busy timeout refuses the request
    with "try again" (503), as a person on PostgreSQL would simply have waited their turn, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import OperationalError
        from django.shortcuts import render

        if isinstance(exception, OperationalError) and is_lock_error(exception):
            response = render(request, "503_busy.html", status=503)
            response["Retry-After"] = "2"
            return response
        return None


def is_lock_error(exception: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked" (PostgreSQL waits instead)."""
    return "locked" in str(exception).lower() and "database" in str(exception).lower()
