"""Clinics, who works there in which role, invitations, and the versioned screening policy."""

import uuid
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from localflavor.us.models import USStateField

from .validators import validate_dea_number, validate_discreet_sender_name, validate_time_zone

US_TIME_ZONES = [
    ("America/New_York", "Eastern"),
    ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"),
    ("America/Phoenix", "Mountain (Arizona, no daylight saving)"),
    ("America/Los_Angeles", "Pacific"),
    ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
]
# How a patient's page names the clinic's clock ("by 5:00 PM, Pacific time"); Spanish puts the zone after
# "hora" with its article ("hora del Pacífico"), so each is one translatable phrase.
TIME_ZONE_PHRASES = {
    "America/New_York": _("Eastern time"),
    "America/Chicago": _("Central time"),
    "America/Denver": _("Mountain time"),
    "America/Phoenix": _("Arizona time"),
    "America/Los_Angeles": _("Pacific time"),
    "America/Anchorage": _("Alaska time"),
    "Pacific/Honolulu": _("Hawaii time"),
    "America/Puerto_Rico": _("Atlantic time"),
}


def state_display(code: str) -> str:
    """What get_state_display() gives, from a dict built once: Django's own hashes the field's ~60 lazy choices
    on every call (one translation lookup each), ~1.5 ms per clinic on the directory."""
    return force_str(_state_names().get(code, code), strings_only=True)


@lru_cache(maxsize=1)
def _state_names() -> dict[str, Any]:
    return dict(USStateField().flatchoices)


class Clinic(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    address_line = models.CharField("street address", max_length=200)
    city = models.CharField(max_length=100)
    state = USStateField()
    postal_code = models.CharField("ZIP code", max_length=10)
    phone = models.CharField(max_length=30)
    time_zone = models.CharField(max_length=64, choices=US_TIME_ZONES, validators=[validate_time_zone])
    dea_number = models.CharField("DEA registration number", max_length=9, validators=[validate_dea_number])
    accepting_patients = models.BooleanField("accepting new patients", default=True)
    description = models.TextField("short public description", max_length=1000, blank=True)
    description_es = models.TextField(
        "short public description in Spanish",
        max_length=1000,
        blank=True,
        help_text="Shown to patients reading in Spanish; left empty, they see the English description.",
    )
    # Shown as the sender of every e-mail about this clinic (the address stays DEFAULT_FROM_EMAIL's); blank:
    # DEFAULT_FROM_EMAIL's name. Never the clinic's name when that says "ketamine": a lock screen shows it.
    email_sender_name = models.CharField(
        "e-mail sender name",
        max_length=60,
        blank=True,
        validators=[validate_discreet_sender_name],
        help_text="What patients' phones show as the sender. Say nothing about mental health or ketamine.",
    )
    urgent_ack_minutes = models.PositiveSmallIntegerField(
        "minutes to acknowledge an urgent case before clinic admins are alerted", default=30
    )
    # Up to this many hours before an appointment, the patient may cancel or move it themselves; later, they call.
    patient_change_cutoff_hours = models.PositiveSmallIntegerField(
        "hours before an appointment after which patients must call to change it",
        default=24,
        validators=[MaxValueValidator(14 * 24)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="clinic_name_not_blank"),
            models.CheckConstraint(
                condition=Q(patient_change_cutoff_hours__lte=14 * 24), name="clinic_patient_cutoff_at_most_two_weeks"
            ),
            models.CheckConstraint(
                condition=~Q(email_sender_name__icontains="ketamine")
                & ~Q(email_sender_name__icontains="psychiatr")
                & ~Q(email_sender_name__icontains="mental"),
                name="clinic_email_sender_name_discreet",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_state_display(self) -> str:
        return state_display(self.state)

    @property
    def public_description(self) -> str:
        """The description in the page's language: Spanish when the clinic gave one, else English."""
        if (get_language() or "").startswith("es") and self.description_es.strip():
            return self.description_es
        return self.description

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's clock: every local date and time of the clinic is read in it."""
        return ZoneInfo(self.time_zone)

    @property
    def time_zone_phrase(self) -> str:
        """The clinic's clock named for a patient, in the page's language ("Pacific time", "hora del Pacífico")."""
        return str(TIME_ZONE_PHRASES.get(self.time_zone, self.get_time_zone_display()))


class ServedState(models.Model):
    """A US state or territory the clinic serves (patients must live there)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="served_states")
    state = USStateField(db_index=True)

    class Meta:
        ordering = ["state"]
        constraints = [models.UniqueConstraint(fields=["clinic", "state"], name="served_state_unique")]

    def __str__(self) -> str:
        return self.state

    def get_state_display(self) -> str:
        return state_display(self.state)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


class Membership(models.Model):
    """A staff member's role at one clinic. Patients have none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "role", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="membership_unique_per_clinic")]
        indexes = [models.Index(fields=["clinic", "role", "is_active"], name="membership_clinic_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} at {self.clinic}"


class Invitation(models.Model):
    """A single-use invitation for a new staff member; the e-mailed link is signed and expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "clinic",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.clinic} as {self.get_role_display()}"


class ClinicCredential(models.Model):
    """What a clinic's API key and SMART client share: who made it, when it was last used, and its revocation
    (the row is kept, so the audit log still names it). Each keeps its own constraints, named for its table."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(ClinicCredential):
    """A read-only key an EHR integration uses on the FHIR endpoint, for one clinic's records.

    Only the SHA-256 of the key is stored (the key is random, so a fast hash is enough); the admin sees the
    key once, when it is made. Revoking keeps the row, so the audit log still names the key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)  # the key's first characters, to tell keys apart
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "clinic", condition=Q(revoked_at__isnull=True), name="api_token_one_active_name"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="api_token_revoked_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"API key {self.name} ({self.prefix}…) at {self.clinic}"


class ScreeningPolicy(models.Model):
    """One version of a clinic's screening policy (SCREENING_RULES.md §2). Never edited: saving adds a version."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="policies")
    version = models.PositiveIntegerField()
    values = models.JSONField(help_text="The engine's Policy.to_dict(): every key of §2.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField("reason for the change", max_length=300, blank=True)

    class Meta:
        ordering = ["clinic", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="policy_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="policy_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} policy v{self.version}"


class SmartClient(ClinicCredential):
    """A system (an EHR, a data warehouse) that reads one clinic's records through SMART Backend Services: it
    signs a JWT with its private key and trades it for a short-lived access token. Only its public keys (a
    JWKS) are stored; there is no shared secret. Revoking keeps the row, so the audit log still names it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="smart_clients")
    name = models.CharField(max_length=80)
    client_id = models.CharField(max_length=64, unique=True)
    jwks = models.JSONField(help_text="The client's public keys (RS384 or ES384), as a JSON Web Key Set.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "clinic", condition=Q(revoked_at__isnull=True), name="smart_client_one_active_name"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="smart_client_revoked_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"SMART client {self.name} at {self.clinic}"


class SmartAssertion(models.Model):
    """A signed JWT a client used (its jti), kept until it expires, so the same assertion is never accepted
    twice."""

    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="smart_assertion_jti_once")]
        indexes = [models.Index(fields=["expires_at"], name="smart_assertion_expiry")]

    def __str__(self) -> str:
        return f"Assertion {self.jti} of {self.client_id}"


class SmartAccessToken(models.Model):
    """A short-lived access token given to a client; only its SHA-256 is stored."""

    digest = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(SmartClient, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="smart_token_expiry")]

    def __str__(self) -> str:
        return f"Access token of {self.client_id}"


class BulkExport(models.Model):
    """One Bulk Data `$export` request: run by the worker, its files downloaded with the authorisation that asked
    for it (the same SMART client or API key), removed when cancelled or expired."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="bulk_exports")
    smart_client = models.ForeignKey(SmartClient, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    request_url = models.TextField()
    since = models.DateTimeField(null=True, blank=True)
    types = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # Progress, written after each part: the last patient written (parts restart after it) and the files so far.
    cursor = models.UUIDField(null=True, blank=True)
    patients_total = models.PositiveIntegerField(default=0)
    patients_done = models.PositiveIntegerField(default=0)
    files = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    transaction_time = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(smart_client__isnull=False, api_token__isnull=True)
                | Q(smart_client__isnull=True, api_token__isnull=False),
                name="bulk_export_one_requester",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="bulk_export_expiry")]

    def __str__(self) -> str:
        return f"Bulk export {self.pk} ({self.status})"
