"""The notification and outbox tests' world: a clinic with one person in each role, and a patient whose name,
address and phone must never appear in an e-mail."""

from dataclasses import dataclass
from typing import Any

from clinics.models import Clinic, Role
from core.models import Notification
from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import WorklistEntry
from scheduling.worklist import put_on_worklist
from screening.models import ReviewCase
from tests.factories import UserFactory, make_clinic, make_staff
from tests.factories.submissions import review_case, submission_for

PATIENT_NAME = "Zelda Quartermaine"
PATIENT_EMAIL = "zelda.quartermaine@example.org"
PATIENT_PHONE = "503-555-0199"


@dataclass
class NotifyWorld:
    clinic: Clinic
    patient: Any
    psychiatrist: Any
    admin: Any
    coordinator: Any
    draft: IntakeDraft
    submission: IntakeSubmission
    case: ReviewCase
    entry: WorklistEntry

    def secrets(self) -> list[str]:
        """What no e-mail may contain: who the patient is."""
        return ["Zelda", "Quartermaine", "zelda.quartermaine", PATIENT_PHONE]


def notify_world(name: str = "Juniper Ketamine Clinic", **clinic_fields) -> NotifyWorld:
    clinic = make_clinic(name=name, **clinic_fields)
    patient = UserFactory(full_name=PATIENT_NAME, email=PATIENT_EMAIL, phone=PATIENT_PHONE)
    draft, submission = submission_for(patient, clinic)
    return NotifyWorld(
        clinic=clinic,
        patient=patient,
        psychiatrist=make_staff(clinic, Role.PSYCHIATRIST, full_name="Priya Raman"),
        admin=make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin"),
        coordinator=make_staff(clinic, Role.COORDINATOR, full_name="Cory Coordinator"),
        draft=draft,
        submission=submission,
        case=review_case(submission),
        entry=put_on_worklist(submission=submission, source=WorklistEntry.Source.CLEARED),
    )


# Every kind the code and the other areas write: (kind, who receives it, what it is about).
KINDS = [
    ("submission.received", "patient", "submission"),
    ("draft.urgent", "psychiatrist", "draft"),
    ("case.urgent", "psychiatrist", "case"),
    ("case.new", "psychiatrist", "case"),
    ("patient.eligible", "coordinator", "submission"),
    ("case.cleared", "coordinator", "entry"),
    ("case.info_requested", "patient", "case"),
    ("case.decided", "patient", "case"),
    ("screening.changed", "patient", "submission"),
    ("case.amended", "psychiatrist", "case"),
    ("case.reassigned", "psychiatrist", "case"),
    ("case.overdue", "admin", "case"),
    ("case.ack_escalated", "admin", "case"),
]


def notification(world: NotifyWorld, kind: str, who: str, about: str, **fields) -> Notification:
    """An unsent e-mail row, written directly (no on-commit send), due now."""
    obj = getattr(world, about)
    return Notification.objects.create(
        kind=kind,
        recipient=getattr(world, who),
        clinic=world.clinic,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        dedupe_key=f"{kind}:{obj.pk}:{who}:{fields.pop('key', '')}",
        **fields,
    )
