"""Writes about accounts: sign-up, sign-in and sign-out, second factor, e-mail verification, resets.

Every security-relevant event is written to the audit log with codes and ids only (never a typed
e-mail address, a name or anything a patient entered).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import PatientProfile
from .outbox import outbox_add, outbox_add_many

EMAIL_VERIFY_SALT = "core.email_verify"
EMAIL_VERIFY_MAX_AGE = 3 * 24 * 60 * 60  # seconds: the link works for 3 days

# Session keys for the timeout middleware; set at sign-in, read on every request.
SESSION_STARTED_KEY = "_auth_started_at"
SESSION_LAST_ACTIVITY_KEY = "_auth_last_activity"

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _user_id_for_email(email: str) -> str | None:
    """The account behind a typed address, as an id for the audit log (the address itself is not stored)."""
    if not email:
        return None
    user_id = get_user_model().objects.filter(email__iexact=email.strip()).values_list("pk", flat=True).first()
    return str(user_id) if user_id else None


def _stamp_session(request: HttpRequest) -> None:
    now = timezone.now().timestamp()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_LAST_ACTIVITY_KEY] = now


# --- sign-in and sign-out ---------------------------------------------------------------------


def contact_details_save(*, user: Any, phone: str, call_time: str, voicemail_ok: bool, texts_ok: bool) -> None:
    """The patient's phone (E.164, already checked by the form) and how they like to be called."""
    fields = {"phone": phone, "call_time": call_time, "voicemail_ok": voicemail_ok, "texts_ok": texts_ok}
    get_user_model().objects.filter(pk=user.pk).update(**fields)
    for name, value in fields.items():
        setattr(user, name, value)


# --- per-account throttling (any address) ------------------------------------------------------

ACCOUNT_UNLOCK_SALT = "core.account_unlock"


def account_locked_until(*, email: str) -> Any | None:
    """When signing in to the account behind this address may resume; None when it is not paused."""
    from .models import AccountThrottle

    user_id = _user_id_for_email(email)
    if not user_id:
        return None
    until = AccountThrottle.objects.filter(user_id=user_id).values_list("locked_until", flat=True).first()
    return until if until is not None and until > timezone.now() else None


@transaction.atomic
def account_sign_in_failed(*, request: HttpRequest, email: str) -> bool:
    """Count a failed sign-in against the account, from whatever address; True when this one paused it.

    The pause lasts ACCOUNT_LOCK_TIME from the moment it starts and further failures do not extend it, so a
    stranger can never keep the owner out longer than that; the owner is e-mailed a one-click unlock, and the
    clinic's admins are told when it is a staff account.
    """
    from .models import AccountThrottle

    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        return False
    now = timezone.now()
    throttle, _created = AccountThrottle.objects.select_for_update().get_or_create(user=user)
    if throttle.locked_until is not None and throttle.locked_until > now:
        return False  # already paused: the pause is not extended
    if throttle.window_started_at <= now - settings.ACCOUNT_FAILURE_WINDOW or throttle.locked_until is not None:
        throttle.window_started_at, throttle.failures, throttle.locked_until = now, 0, None
    throttle.failures += 1
    locked = throttle.failures >= settings.ACCOUNT_FAILURE_LIMIT
    if locked:
        throttle.locked_until = now + settings.ACCOUNT_LOCK_TIME
    throttle.save()
    if locked:
        audit_record(
            action="auth.account_locked",
            request=request,
            obj=user,
            detail={"user_id": str(user.pk), "failures": throttle.failures},
        )
        _account_email("account.unlock", user)
        from . import hooks

        for clinic, admins in hooks.ask("clinic_admins_of_staff", user):
            outbox_add_many(
                kind="account.staff_locked",
                recipients=admins,
                clinic=clinic,
                obj=user,
                event_key=throttle.locked_until.isoformat(),
            )
    return locked


def account_unlock_token(user: Any) -> str:
    """A signed link for the owner to lift the current pause; it names the pause, so it works for that one."""
    from .models import AccountThrottle

    until = AccountThrottle.objects.filter(user=user).values_list("locked_until", flat=True).first()
    return signing.dumps({"u": str(user.pk), "t": until.timestamp() if until else 0}, salt=ACCOUNT_UNLOCK_SALT)


def account_unlock_check(*, token: str) -> Any:
    """The account a still-valid unlock link is for; ValidationError when it is not valid any more."""
    from .models import AccountThrottle

    message = _(
        "This unlock link is not valid any more. If signing in is still paused, wait a few minutes or reset "
        "your password."
    )
    try:
        data = signing.loads(token, salt=ACCOUNT_UNLOCK_SALT, max_age=settings.ACCOUNT_LOCK_TIME)
    except signing.BadSignature:
        raise ValidationError(message, code="invalid") from None
    throttle = AccountThrottle.objects.filter(user_id=data.get("u")).select_related("user").first()
    if throttle is None or throttle.locked_until is None or throttle.locked_until.timestamp() != data.get("t"):
        raise ValidationError(message, code="invalid")
    return throttle.user


@transaction.atomic
def account_unlock(*, request: HttpRequest, token: str) -> Any:
    """The owner followed the e-mailed link: lift the pause, and the per-address lockouts of the account."""
    from axes.utils import reset as axes_reset

    from .models import AccountThrottle

    user = account_unlock_check(token=token)
    AccountThrottle.objects.filter(user=user).update(locked_until=None, failures=0, window_started_at=timezone.now())
    axes_reset(username=user.email.lower())
    audit_record(action="auth.account_unlocked", request=request, obj=user, detail={"user_id": str(user.pk)})
    return user


PROFILE_FIELDS = frozenset(f.name for f in PatientProfile._meta.concrete_fields if f.name not in ("user", "updated_at"))


@transaction.atomic
def patient_profile_save(*, user: Any, values: dict[str, Any]) -> PatientProfile:
    """Store part or all of the patient's record (checked by the form); the account's name follows the legal name,
    so every staff page that names a user names the patient."""
    unknown = set(values) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    profile, created = PatientProfile.objects.select_for_update().get_or_create(user_id=user.pk)
    if not created and all(getattr(profile, name) == value for name, value in values.items()):
        return profile  # the same record again (the submit re-sends what each page saved): nothing to check or write
    for name, value in values.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=[f for f in PROFILE_FIELDS if f not in values] + ["user"], validate_unique=False)
    profile.save()
    if "first_name" in values or "last_name" in values:
        full_name = profile.legal_name[:150]
        get_user_model().objects.filter(pk=user.pk).update(full_name=full_name)
        user.full_name = full_name
    return profile


@transaction.atomic
def user_sign_in(*, request: HttpRequest, user: Any, method: str = "password") -> None:
    """Start a session for an authenticated user: a new session id, fresh timeout stamps, an audit event."""
    if not hasattr(user, "backend"):
        user.backend = MODEL_BACKEND
    login(request, user)  # rotates the session key (cycle_key), or flushes another user's session
    _stamp_session(request)
    audit_record(action="auth.sign_in", actor=user, request=request, detail={"method": method})


@transaction.atomic
def user_sign_in_failed(*, request: HttpRequest, email: str, locked_out: bool, newly_locked: bool) -> None:
    """Record a failed sign-in. Only the matching account's id is kept, never the typed address."""
    user_id = _user_id_for_email(email)
    detail: dict[str, Any] = {"reason": "locked_out" if locked_out else "bad_credentials"}
    if user_id:
        detail["user_id"] = user_id
    audit_record(action="auth.sign_in_failed", request=request, detail=detail)
    if newly_locked:
        lock_detail: dict[str, Any] = {"failures": settings.AXES_FAILURE_LIMIT}
        if user_id:
            lock_detail["user_id"] = user_id
        audit_record(action="auth.locked_out", request=request, detail=lock_detail)


def user_end_all_sessions(*, user: Any) -> None:
    """Every session of this user stops being valid on its next request."""
    type(user).objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def user_sign_out(*, request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        audit_record(action="auth.sign_out", actor=user, request=request)
    logout(request)


@transaction.atomic
def user_sign_out_everywhere(*, request: HttpRequest) -> None:
    """End every session of the signed-in user on every device, this one included."""
    user = get_user_model().objects.get(pk=request.user.pk)  # the model instance, not request's lazy wrapper
    user_end_all_sessions(user=user)
    audit_record(action="auth.sign_out_everywhere", actor=user, request=request)
    logout(request)


def user_language_set(*, user: Any, language: str) -> None:
    """Remember the language the person reads the site and their e-mails in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError("Unknown language.")
    get_user_model().objects.filter(pk=user.pk).update(language=language)
    user.language = language


@transaction.atomic
def session_expire(*, request: HttpRequest, reason: str, minutes: int) -> None:
    """End a session the timeout middleware found idle for too long or past its absolute lifetime."""
    user = request.user
    audit_record(
        action="auth.session_expired", actor=user, request=request, detail={"reason": reason, "minutes": minutes}
    )
    logout(request)


# --- second factor (TOTP) ---------------------------------------------------------------------


def totp_device_confirmed(*, user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


@transaction.atomic
def totp_device_for_enrolment(*, user: Any) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, created once so the QR code stays the same on reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


class SecondFactorError(Exception):
    """A code was refused: `code` is "wrong_code" or "throttled"; `wait_seconds` says how long to wait."""

    def __init__(self, code: str, wait_seconds: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.wait_seconds = wait_seconds


def _check_token(*, device: TOTPDevice, token: str) -> None:
    # The error is raised after the block: a refused code must still commit the throttle's failure count.
    error = None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            locked_until = (info or {}).get("locked_until")
            wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 30
            error = SecondFactorError("throttled", max(wait, 1))
        elif not device.verify_token(token):
            error = SecondFactorError("wrong_code")
    if error is not None:
        raise error


def _second_factor_done(*, request: HttpRequest, device: TOTPDevice) -> None:
    otp_login(request, device)
    # A higher privilege level gets a new session id too (OWASP ASVS 3.2.1).
    request.session.cycle_key()


def _second_factor_failure(*, request: HttpRequest, stage: str, error: SecondFactorError) -> None:
    # Its own transaction: the failure is recorded even though the caller goes on to show an error.
    audit_record(
        action="auth.second_factor_failed",
        actor=request.user,
        request=request,
        detail={"stage": stage, "reason": error.code},
    )


def second_factor_enrol(*, request: HttpRequest, device: TOTPDevice, token: str) -> None:
    """Confirm a pending authenticator with a code it shows; the session becomes verified."""
    if device.user_id != request.user.pk or device.confirmed:
        raise SecondFactorError("wrong_code")
    try:
        _check_token(device=device, token=token)
    except SecondFactorError as error:
        _second_factor_failure(request=request, stage="enrol", error=error)
        raise
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        # Other half-finished enrolments are dropped: one authenticator per person.
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        device.refresh_from_db()
        _second_factor_done(request=request, device=device)
        audit_record(action="auth.second_factor_enrolled", actor=request.user, request=request, obj=device, detail={})


def second_factor_verify(*, request: HttpRequest, token: str) -> None:
    """Check a code against the user's authenticator; the session becomes verified."""
    device = totp_device_confirmed(user=request.user)
    if device is None:
        raise SecondFactorError("wrong_code")
    try:
        _check_token(device=device, token=token)
    except SecondFactorError as error:
        _second_factor_failure(request=request, stage="verify", error=error)
        raise
    with transaction.atomic():
        _second_factor_done(request=request, device=device)
        audit_record(action="auth.second_factor_verified", actor=request.user, request=request, obj=device)


# --- patient sign-up and e-mail verification --------------------------------------------------


def _email_fingerprint(email: str) -> str:
    # The link must not carry the address itself (no personal data in URLs), only proof of which one it was.
    return salted_hmac(EMAIL_VERIFY_SALT, email.lower(), algorithm="sha256").hexdigest()[:24]


def email_verify_token(user: Any) -> str:
    return signing.dumps({"u": str(user.pk), "e": _email_fingerprint(user.email)}, salt=EMAIL_VERIFY_SALT)


@transaction.atomic
def user_sign_up(*, request: HttpRequest, email: str, password: str) -> Any | None:
    """A new patient account, signed in, with a verification e-mail in the outbox.

    When the address already has an account, nothing is created: its owner gets an e-mail saying
    someone tried to sign up with it, and None is returned (the caller shows the same page either way).
    """
    email = email.strip().lower()
    User = get_user_model()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        audit_record(action="auth.sign_up_existing", request=request, detail={"user_id": str(existing.pk)})
        _account_email("account.sign_up_existing", existing)
        return None
    # The language they read the sign-up page in (the switch, or their browser) becomes the account's.
    language = getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    user = User.objects.create_user(email=email, password=password, language=language)
    audit_record(action="auth.sign_up", actor=user, request=request, obj=user)
    _account_email("account.verify_email", user)
    user_sign_in(request=request, user=user, method="sign_up")
    return user


def _account_email(kind: str, user: Any) -> None:
    # Through the outbox like every other e-mail: written with the event, resent by the beat when the
    # broker is down. Each request is its own event (a second "send it again" sends again).
    outbox_add(kind=kind, recipient=user, obj=user, event_key=timezone.now().isoformat())


@transaction.atomic
def email_verification_resend(*, user: Any) -> None:
    if not user.email_verified:
        _account_email("account.verify_email", user)


@transaction.atomic
def email_verify(*, token: str, request: HttpRequest | None = None) -> Any:
    """Mark the address behind a signed link as confirmed; ValidationError for a bad or expired link."""
    message = _("This confirmation link is not valid any more. Sign in and ask for a new one.")
    try:
        payload = signing.loads(token, salt=EMAIL_VERIFY_SALT, max_age=EMAIL_VERIFY_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This confirmation link has expired (links work for 3 days)."), code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(message, code="invalid") from exc
    if not isinstance(payload, dict):
        raise ValidationError(message, code="invalid")
    user = get_user_model().objects.select_for_update().filter(pk=payload.get("u"), is_active=True).first()
    if user is None or payload.get("e") != _email_fingerprint(user.email):
        raise ValidationError(message, code="invalid")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        audit_record(action="auth.email_verified", actor=user, request=request, obj=user)
    return user


# --- password reset ---------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def password_reset_requested(*, request: HttpRequest, email: str, users: Any = ()) -> None:
    """Audit a reset request and queue the reset e-mail to each of `users` (the accounts that may reset:
    PasswordResetForm.get_users); the audit keeps the account id when the address matches one, never the
    address."""
    user_id = _user_id_for_email(email)
    audit_record(
        action="auth.password_reset_requested", request=request, detail={"user_id": user_id} if user_id else {}
    )
    for user in users:
        _account_email("account.password_reset", user)


@transaction.atomic
def password_reset_completed(*, request: HttpRequest, user: Any) -> None:
    """After a reset by e-mail: every session of the account has ended (the password changed), and the
    sign-in lockout for the address is lifted, since the owner just proved they hold the mailbox."""
    from axes.utils import reset as axes_reset

    axes_reset(username=user.email.lower())
    from .models import AccountThrottle

    AccountThrottle.objects.filter(user=user).update(locked_until=None, failures=0)
    audit_record(action="auth.password_reset_completed", actor=user, request=request, obj=user)
