"""A patient's intake: the draft they fill in step by step, and the frozen submission."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IntakeDraft(models.Model):
    """The wizard's answers as typed, saved on every Next, Back and "Save and finish later".

    `answers` maps a step name to that step's form data (field name -> list of values), exactly as
    posted, so that nothing is lost, even answers that do not validate yet. Frozen once submitted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_drafts")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="intake_drafts")
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set when the patient updates answers they already sent (a psychiatrist asked for more information):
    # the draft starts as a copy of that submission's answers and its submission becomes the next version.
    amends = models.OneToOneField(
        "IntakeSubmission", null=True, blank=True, on_delete=models.PROTECT, related_name="amendment_draft"
    )
    # A patient who comes back starts from their last submitted answers (any clinic of the installation): each
    # carried step must be confirmed (Next) before it counts as done.
    carried_from = models.ForeignKey(
        "IntakeSubmission", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_into"
    )
    unconfirmed_steps = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinic"],
                condition=Q(submitted_at__isnull=True),
                name="intake_one_open_draft_per_clinic",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-updated_at"], name="intake_draft_patient"),
            # The dashboard's "intakes started" per day.
            models.Index(fields=["clinic", "created_at"], name="intake_draft_clinic"),
        ]

    def __str__(self) -> str:
        return f"Intake draft {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class IntakeSubmission(models.Model):
    """One submitted version of an intake: the frozen intake document and the signed consent.

    An amendment is a new submission (from its own draft) that `amends` the previous version: version n+1.
    A version is never edited; each version is amended at most once, so the versions form one chain.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_submissions")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="intake_submissions")
    draft = models.ForeignKey(IntakeDraft, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField(default=1)
    amends = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by")
    document = models.JSONField(help_text="The intake document (schema intake-document/1), frozen at submission.")
    # The wizard's cleaned answers the document was built from (the builder's input), frozen with it: the FHIR
    # QuestionnaireResponse is made from them without re-running the forms. Null for versions sent before.
    answers = models.JSONField(null=True, blank=True)
    consent_version = models.CharField(max_length=40)
    # The language of the consent text the patient read and signed (intake/consent.py).
    consent_language = models.CharField(max_length=8, default="en")
    consent_text = models.TextField()
    signed_name = models.CharField(max_length=150)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "version"], name="intake_submission_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="intake_submission_version_positive"),
            # The first version amends nothing; every later one amends the version before it.
            models.CheckConstraint(
                condition=Q(amends__isnull=True, version=1) | Q(amends__isnull=False, version__gt=1),
                name="intake_submission_amendment_versions",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-submitted_at"], name="intake_submission_patient"),
            models.Index(fields=["clinic", "-submitted_at"], name="intake_submission_clinic"),
        ]

    def __str__(self) -> str:
        return f"Intake submission {self.pk} v{self.version}"


# Uploads: what a psychiatrist asks for, in what form, how big, how many.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENTS_PER_PATIENT = 20


class DocumentKind(models.TextChoices):
    REFERRAL = "referral", _("Referral letter")
    LABS = "labs", _("Recent lab results")
    ECG = "ecg", _("ECG (heart tracing)")
    TREATMENT_RECORDS = "treatment_records", _("Prior treatment or pharmacy records")
    OTHER = "other", _("Other")


class DocumentType(models.TextChoices):
    """The only content accepted, recognised from the file's first bytes (never its name or browser's type)."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class Document(models.Model):
    """A record a patient uploaded, or staff attached, for a clinic's psychiatrist to read.

    The file lives in the private "documents" storage (settings.STORAGES) under a generated name; the name it
    was uploaded with is kept, cleaned, for display only. Read only through access-checked download views.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    storage_name = models.CharField(max_length=100, unique=True, editable=False)
    original_name = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=40, choices=DocumentType.choices)
    size = models.PositiveIntegerField()
    sha1 = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(
                condition=Q(content_type__in=DocumentType.values), name="document_content_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=DOCUMENT_MAX_BYTES), name="document_size_within_limit"
            ),
        ]
        indexes = [models.Index(fields=["patient", "clinic", "-uploaded_at"], name="document_patient_clinic")]

    def __str__(self) -> str:
        return f"Document {self.pk} ({self.kind})"

    @property
    def extension(self) -> str:
        return {DocumentType.PDF: "pdf", DocumentType.JPEG: "jpg", DocumentType.PNG: "png"}[self.content_type]

    @property
    def download_name(self) -> str:
        """The name a download is saved under: the kind and date, never the patient's name."""
        return f"{self.kind}-{self.uploaded_at:%Y-%m-%d}-{str(self.pk)[:8]}.{self.extension}"


class MedicalRecordNumber(models.Model):
    """The clinic's medical record number for a patient: given at their first submission there, never changed.

    Random digits (not a count of the clinic's patients), unique per clinic; the FHIR Patient's identifier with
    the system `<SITE_URL>/fhir/sid/mrn/<clinic id>` (intake.fhir.mrn_system).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="record_numbers")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_numbers")
    number = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "patient"], name="intake_mrn_one_per_patient"),
            models.UniqueConstraint(fields=["clinic", "number"], name="intake_mrn_unique_in_clinic"),
        ]

    def __str__(self) -> str:
        return f"MRN {self.pk}"
