"""Users: one account type for patients and staff; e-mail is the login."""

import hashlib
import hmac
import json
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a patient, or clinic staff when they hold a membership."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)

    class CallTime(models.TextChoices):
        ANY = "any", _("Any time")
        MORNING = "morning", _("Morning (9 to 12)")
        AFTERNOON = "afternoon", _("Afternoon (12 to 5)")
        EVENING = "evening", _("Evening (5 to 8)")

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Español"

    # E.164 ("+15035550123"); patients give it in the intake's first step, coordinators call it.
    phone = models.CharField("phone number", max_length=30, blank=True)
    call_time = models.CharField("best time to call", max_length=12, choices=CallTime.choices, blank=True)
    voicemail_ok = models.BooleanField("may leave a voicemail", default=False)
    texts_ok = models.BooleanField("may send a text", default=False)
    # The language of the pages and of every e-mail sent to this person.
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("Django admin access", default=False)
    email_verified = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped to end every session of this user at once ("sign out everywhere", deactivation).
    session_generation = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Sessions carry this hash; changing the password or the generation invalidates them all.
        return salted_hmac(
            "core.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class PatientProfile(models.Model):
    """Who a patient is: asked once (the intake's first step, /account/), kept on the account, editable.

    Names, the address and the contacts are PHI: never in logs, URLs, e-mails or task arguments.
    `User.full_name` mirrors the legal name ("First Last") so every staff page that names a user names the patient.
    """

    class Payment(models.TextChoices):
        SELF_PAY = "self_pay", _("I will pay myself (self-pay)")
        INSURANCE = "insurance", _("Health insurance")

    class Subscriber(models.TextChoices):
        SELF = "self", _("Me")
        SPOUSE = "spouse", _("My spouse or partner")
        PARENT = "parent", _("My parent")
        OTHER = "other", _("Someone else")

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="profile")
    first_name = models.CharField("legal first name", max_length=80)
    last_name = models.CharField("legal last name", max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    street = models.CharField("street address", max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)  # USPS code, validated by localflavor's form field
    zip_code = models.CharField("ZIP code", max_length=10)
    emergency_name = models.CharField("emergency contact's name", max_length=150)
    emergency_relationship = models.CharField("emergency contact's relationship", max_length=60)
    emergency_phone = models.CharField("emergency contact's phone", max_length=30)  # E.164
    pcp_name = models.CharField("primary care clinician", max_length=150, blank=True)
    pcp_practice = models.CharField("primary care practice", max_length=150, blank=True)
    pcp_phone = models.CharField("primary care phone", max_length=30, blank=True)
    prescriber_name = models.CharField("current prescriber or therapist", max_length=150, blank=True)
    prescriber_practice = models.CharField("prescriber's practice", max_length=150, blank=True)
    prescriber_phone = models.CharField("prescriber's phone", max_length=30, blank=True)
    referred = models.BooleanField("referred by a clinician", default=False)
    referrer_name = models.CharField("referring clinician", max_length=150, blank=True)
    payment = models.CharField(max_length=12, choices=Payment.choices, default=Payment.SELF_PAY)
    payer_name = models.CharField("insurance company", max_length=150, blank=True)
    member_id = models.CharField("member ID", max_length=60, blank=True)
    group_number = models.CharField(max_length=60, blank=True)
    subscriber_relationship = models.CharField(max_length=10, choices=Subscriber.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(payment="insurance") | (~models.Q(payer_name="") & ~models.Q(member_id="")),
                name="profile_insurance_has_payer_and_member",
            ),
            models.CheckConstraint(
                condition=models.Q(referred=True) | models.Q(referrer_name=""),
                name="profile_referrer_only_when_referred",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile {self.pk}"

    @property
    def legal_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One append-only record of who did what to which object, and when, chained to the one before it.

    `hash` is an HMAC-SHA256 (key AUDIT_KEY, named by `key_id`) over the event and the previous event's MAC:
    without the key, no one can rewrite an event and recompute the chain. The chain's head is anchored by
    signed checkpoints outside the database (core.audit_checkpoint). `detail` holds codes and ids only,
    never patient data. Written through core.audit.audit_record.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)
    clinic = models.ForeignKey("clinics.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=32)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["clinic", "-id"], name="audit_clinic_recent"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def compute_hash(self, key: bytes | None = None) -> str:
        """The event's MAC; with no key given, under the key its key_id names (the current one when blank)."""
        if key is None:
            from .audit_keys import audit_keys

            self.key_id = self.key_id or settings.AUDIT_KEY_ID
            key = audit_keys()[self.key_id]
        return audit_mac(key, audit_payload(self))


def audit_payload(event: object) -> bytes:
    """The bytes the MAC covers: every field, the key id and the link to the previous event."""
    payload = [
        event.prev_hash,
        event.key_id,
        event.created_at.isoformat(),
        str(event.actor_id or ""),
        event.actor_email,
        str(event.clinic_id or ""),
        event.action,
        event.object_type,
        event.object_id,
        event.ip_address or "",
        event.detail,
    ]
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def audit_mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


class AuditCheckpoint(models.Model):
    """A signed statement of the chain's head (last event, its MAC, how many events up to it), also appended
    to AUDIT_CHECKPOINT_FILE outside the database; the file's copy is the one verify_audit trusts."""

    created_at = models.DateTimeField(default=timezone.now)
    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    event_count = models.BigIntegerField()
    signature = models.CharField(max_length=200)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"checkpoint at event {self.last_event_id}"


class AuditVerification(models.Model):
    """The outcome of one check of the whole chain (verify_audit or the hourly beat), for the audit page."""

    checked_at = models.DateTimeField(default=timezone.now)
    intact = models.BooleanField()
    events_checked = models.BigIntegerField(default=0)
    first_bad_id = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    checkpoint_event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'broken'}"


class AccountThrottle(models.Model):
    """Failed sign-ins to one account from any address, in the current window (core.services).

    Past ACCOUNT_FAILURE_LIMIT in ACCOUNT_FAILURE_WINDOW, signing in to the account pauses until `locked_until`
    (never longer than the cool-off from the moment it locked) and its owner is e-mailed a one-click unlock.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="+")
    window_started_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} failures since {self.window_started_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """Transactional outbox: written in the same transaction as the event, sent after commit.

    Holds ids and a kind only; the text is rendered at send time and never carries patient data.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        IN_APP = "in_app", "In the app"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # None only for an e-mail to an address without an account yet (a staff invitation): its kind finds the
    # address from the object at send time, so the outbox holds no address itself.
    recipient = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    clinic = models.ForeignKey("clinics.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # One row per (event, recipient, channel): a retried event never queues the same message twice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=200, blank=True)
    # The sending lease: a sender claims the row (conditional UPDATE) until `locked_until`; `lease` names the
    # claim, so only the sender holding it can mark the row sent or failed.
    locked_until = models.DateTimeField(null=True, blank=True)
    lease = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The nav's unread badge counts these on every page.
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(channel="email"),
                name="notification_in_app_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}"
