"""Sign-in, sign-up, second factor, password reset and session pages; thin, services do the work.

A staff invitation's link is a clinics page (clinics.views.invitations).
"""

from base64 import b32encode
from datetime import UTC, datetime
from urllib.parse import urlencode

from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import (
    ContactForm,
    ResetRequestForm,
    ResetSetPasswordForm,
    SignInForm,
    SignUpForm,
    TokenForm,
)
from .hooks import clinic_public, is_clinic_staff
from .phone import phone_display

CHOSEN_CLINIC_SESSION_KEY = "chosen_clinic"


# --- where people go ----------------------------------------------------------------------------


def patient_home_url() -> str:
    """Where a patient lands after signing up or in: their intake dashboard."""
    return reverse("patients:dashboard")


def staff_home_url() -> str:
    """Where staff land after the second factor: their clinic home."""
    return reverse("clinics:staff_home")


def safe_next(request: HttpRequest) -> str:
    """The `next` page from the form or query string, only when it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would take anything else for a view name (and fail on it).
    if (
        candidate.startswith("/")
        and "\x00" not in candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return ""


def _verified_home_url(user) -> str:
    """Clinic staff go to the staff home; a site admin with no clinic goes to the Django admin."""
    return staff_home_url() if is_clinic_staff(user) else reverse("admin:index")


def needs_second_factor(user) -> bool:
    """Clinic staff and site admins (Django admin access); patients never need one."""
    return bool(user.is_staff or user.is_superuser or is_clinic_staff(user))


def two_factor_url(next_url: str) -> str:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return reverse("account:two_factor") + query


def _home_for(request: HttpRequest, user) -> HttpResponse:
    """After the password step: staff go through the second factor; patients go on at once."""
    next_url = safe_next(request)
    if needs_second_factor(user):
        verified = getattr(user, "is_verified", None)
        if callable(verified) and verified():
            return redirect(next_url or _verified_home_url(user))
        return redirect(two_factor_url(next_url))
    return redirect(next_url or patient_home_url())


def _remember_chosen_clinic(request: HttpRequest):
    """`?clinic=<slug>` from a clinic's page: remember it for the intake, when such a clinic exists."""
    slug = request.GET.get("clinic", "").strip()
    if slug and slug_re.fullmatch(slug):  # not a slug (NUL bytes, unicode): no such clinic, no query
        clinic = clinic_public(slug)
        if clinic is not None:
            request.session[CHOSEN_CLINIC_SESSION_KEY] = clinic.slug
            return clinic
    chosen = request.session.get(CHOSEN_CLINIC_SESSION_KEY)
    return clinic_public(chosen) if chosen else None


def _require_second_factor(request: HttpRequest) -> HttpResponse | None:
    """Staff pages of the account area need the second factor too, like every other staff page."""
    user = request.user
    if needs_second_factor(user) and not user.is_verified():
        return redirect(two_factor_url(request.get_full_path()))
    return None


# --- sign-in and sign-out -----------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return _home_for(request, request.user)
    clinic = _remember_chosen_clinic(request)
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and (paused := services.account_locked_until(email=request.POST.get("username", ""))):
        # Paused for this account from every address: the password is not even checked.
        services.user_sign_in_failed(
            request=request, email=request.POST.get("username", ""), locked_out=True, newly_locked=False
        )
        return _account_paused(request, paused, clinic)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            services.user_sign_in(request=request, user=user)
            return _home_for(request, user)
        if form.cleaned_data.get("username") and form.cleaned_data.get("password"):
            # Wrong password, unknown address or a locked account: audited; AxesMiddleware shows the lockout page.
            locked_out = bool(getattr(request, "axes_locked_out", False))
            credentials = {"username": form.cleaned_data["username"]}
            failures = getattr(request, "axes_failures_since_start", None)
            services.user_sign_in_failed(
                request=request,
                email=credentials["username"],
                locked_out=locked_out,
                newly_locked=locked_out and failures == get_failure_limit(request, credentials),
            )
            if not locked_out and services.account_sign_in_failed(request=request, email=credentials["username"]):
                return _account_paused(request, services.account_locked_until(email=credentials["username"]), clinic)
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": safe_next(request), "clinic": clinic},
    )


def _account_paused(request: HttpRequest, until: datetime, clinic) -> HttpResponse:
    form = SignInForm(request, initial={"username": request.POST.get("username", "")})
    minutes = max(int((until - timezone.now()).total_seconds() // 60) + 1, 1)
    context = {"form": form, "next": safe_next(request), "clinic": clinic, "paused_minutes": minutes}
    return render(request, "registration/login.html", context, status=429)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The owner's one-click unlock from the e-mail: a page with one button (a GET changes nothing, so a mail
    scanner that opens links cannot use it up)."""
    try:
        services.account_unlock_check(token=token)
    except ValidationError as error:
        return render(request, "registration/account_unlock.html", {"message": error.messages[0]}, status=400)
    if request.method == "POST":
        services.account_unlock(request=request, token=token)
        messages.success(request, _("Your account is unlocked. You can sign in now."))
        return redirect("account:login")
    return render(request, "registration/account_unlock.html", {})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.user_sign_out(request=request)
    messages.success(request, _("You have signed out."))
    return redirect("home")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account:login")
    if (response := _require_second_factor(request)) is not None:
        return response
    services.user_sign_out_everywhere(request=request)
    messages.success(request, _("You have been signed out on every device and browser, this one included."))
    return redirect("account:login")


@login_required
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    if (response := _require_second_factor(request)) is not None:
        return response
    idle = getattr(request, "session_idle_timeout", None)
    started = request.session.get(services.SESSION_STARTED_KEY)
    return render(
        request,
        "registration/security.html",
        {
            "idle_minutes": int(idle.total_seconds() // 60) if idle else None,
            "absolute_hours": int(settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() // 3600),
            "session_started": _from_timestamp(started),
            "has_second_factor": services.totp_device_confirmed(user=request.user) is not None,
            "is_staff_member": needs_second_factor(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The patient's phone number and how they like to be called; coordinators use them."""
    if (response := _require_second_factor(request)) is not None:
        return response
    user = request.user
    initial = {
        "phone": phone_display(user.phone),
        "call_time": user.call_time,
        "voicemail_ok": ("yes" if user.voicemail_ok else "no") if user.phone else "",
        "texts_ok": ("yes" if user.texts_ok else "no") if user.phone else "",
    }
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        services.contact_details_save(
            user=user,
            phone=data["phone"],
            call_time=data["call_time"],
            voicemail_ok=data["voicemail_ok"] == "yes",
            texts_ok=data["texts_ok"] == "yes",
        )
        messages.success(request, _("Your contact details are saved."))
        return redirect("account:security")
    return render(request, "registration/contact.html", {"form": form})


def _from_timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": the request itself counts as activity (the timeout middleware notes it)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    idle = getattr(request, "session_idle_timeout", None) or settings.PATIENT_IDLE_TIMEOUT
    return JsonResponse({"signed_in": True, "idle_seconds": int(idle.total_seconds())})


# --- second factor ------------------------------------------------------------------------------

WRONG_CODE = "That code is not right. Enter the 6-digit code your app shows now (codes change every 30 seconds)."


def _throttled(wait_seconds: int) -> str:
    return (
        f"Too many wrong codes in a row. Wait {wait_seconds} second{'s' if wait_seconds != 1 else ''}, "
        "then enter the code your app shows at that moment."
    )


@sensitive_post_parameters("token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator when the staff member has none yet; otherwise check a code from it."""
    next_url = safe_next(request)
    user = request.user
    if not needs_second_factor(user):
        return redirect(next_url or patient_home_url())  # patients never need a second factor
    if user.is_verified():
        return redirect(next_url or _verified_home_url(user))
    confirmed = services.totp_device_confirmed(user=user)
    device = confirmed or services.totp_device_for_enrolment(user=user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if confirmed is None:
                services.second_factor_enrol(request=request, device=device, token=form.cleaned_data["token"])
                messages.success(request, "Your authenticator app is set up. You will need a code from it each time.")
            else:
                services.second_factor_verify(request=request, token=form.cleaned_data["token"])
            return redirect(next_url or _verified_home_url(user))
        except services.SecondFactorError as error:
            form.add_error("token", _throttled(error.wait_seconds) if error.code == "throttled" else WRONG_CODE)
    context = {"form": form, "next": next_url, "enrol": confirmed is None}
    if confirmed is None:
        context.update(_enrolment_context(device))
    return render(request, "registration/two_factor.html", context)


def _enrolment_context(device) -> dict:
    import segno

    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    # Rendered here, as inline SVG: the secret never leaves the site. No style attributes (CSP).
    svg = qr.svg_inline(scale=4, omitsize=True, light="white", title="QR code for your authenticator app")
    return {
        "qr_svg": mark_safe(svg),  # noqa: S308 - generated by segno from our own otpauth URL
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


# --- patient sign-up and e-mail verification ----------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return _home_for(request, request.user)
    clinic = _remember_chosen_clinic(request)
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_sign_up(
            request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        # Same page whether or not the address already had an account (no account enumeration).
        return redirect("account:verify_email_sent")
    return render(request, "registration/signup.html", {"form": form, "clinic": clinic})


@require_http_methods(["GET"])
def verify_email_sent(request: HttpRequest) -> HttpResponse:
    # The page itself says to check the e-mail; the banner would repeat it.
    context = {"continue_url": patient_home_url(), "show_verify_email_banner": False}
    return render(request, "registration/verify_email_sent.html", context)


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.email_verify(token=token, request=request)
    except ValidationError as error:
        return render(
            request,
            "registration/verify_email_failed.html",
            {"message": error.messages[0], "expired": error.code == "expired"},
            status=400,
        )
    if request.user.is_authenticated and request.user.pk == user.pk:
        request.user.email_verified = True  # this page already shows no "please confirm" banner
    return render(request, "registration/verify_email_done.html", {"continue_url": patient_home_url()})


@login_required
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    services.email_verification_resend(user=request.user)
    messages.success(request, _("We have sent a new confirmation link. It works for 3 days."))
    return redirect(safe_next(request) or patient_home_url())


# --- password reset -----------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("account:password_reset_done")

    def form_valid(self, form):
        # Not form.save(), which sends in the request: the e-mail goes through the outbox (core.notification_kinds).
        email = form.cleaned_data["email"]
        services.password_reset_requested(request=self.request, email=email, users=list(form.get_users(email)))
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(request=self.request, user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
