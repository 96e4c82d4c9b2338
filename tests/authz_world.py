"""Two clinics, their staff and patients, with one record of each kind: the authorization matrix's world."""

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinics.models import Invitation, Membership, Role
from clinics.services import invitation_create, invitation_token
from core.services import email_verify_token
from intake.models import IntakeDraft, IntakeSubmission
from intake.steps import STEP_NAMES
from screening.cases import review_case_open
from screening.rules import Policy, evaluate
from screening.rules.sample import random_document
from screening.services import screening_result_create
from tests.factories import UserFactory, login_staff, make_clinic, make_staff

ROLES = (
    "anonymous",
    "patient",  # owns the records in the world
    "other_patient",  # another patient of the same clinic
    "other_clinic_patient",
    "coordinator_a",
    "psychiatrist_a",
    "admin_a",
    "staff_b",  # clinic admin of the other clinic
)


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    # URL kwarg name -> value, added by the area modules in tests/authz/ (their `extend(world)`).
    kwarg_values: dict[str, Any] = field(default_factory=dict)

    def sign_in(self, client, role: str) -> None:
        if role == "anonymous":
            return
        user = self.users[role]
        user.refresh_from_db()
        if Membership.objects.filter(user=user).exists():
            login_staff(client, user)
        else:
            client.force_login(user)

    def kwargs_for(self, url_name: str, names: list[str]) -> dict[str, Any]:
        o = self.objects
        special = {
            "account:verify_email": {"token": o["verify_token"]},
            "account:unlock": {"token": "not-a-current-unlock-link"},
            "clinics:invitation_accept": {"token": o["invitation_token"]},
            "account:password_reset_confirm": {"uidb64": o["reset_uid"], "token": o["reset_token"]},
        }
        if url_name in special:
            return special[url_name]
        values = {
            **self.kwarg_values,
            "slug": o["clinic_a"].slug,
            "clinic_slug": o["clinic_a"].slug,
            "membership_id": o["membership"].pk,
            "invitation_id": o["invitation"].pk,
            "version": 1,
            "draft_id": o["draft"].pk,
            "step": STEP_NAMES[0],
            "submission_id": o["submission"].pk,
            "language": "es",
            "resource_id": "ketamine-intake",
        }
        return {name: values[name] for name in names}


def _submission(patient, clinic, *, seed: int) -> tuple[IntakeDraft, IntakeSubmission]:
    draft = IntakeDraft.objects.create(patient=patient, clinic=clinic, submitted_at=timezone.now())
    document = random_document(random.Random(seed), timezone.localdate().isoformat())
    submission = IntakeSubmission.objects.create(
        patient=patient,
        clinic=clinic,
        draft=draft,
        document=document,
        consent_version="test",
        consent_text="test",
        signed_name=patient.full_name,
    )
    result = screening_result_create(submission=submission, policy=clinic.policies.first())
    review_case_open(submission=submission, result=result)
    assert evaluate(document, Policy()).outcome  # the document screens
    return draft, submission


def build_world() -> World:
    clinic_a = make_clinic(name="Clinic A", states=("OR",))
    clinic_b = make_clinic(name="Clinic B", states=("IL",))
    world = World()
    world.users["admin_a"] = make_staff(clinic_a, Role.CLINIC_ADMIN)
    world.users["psychiatrist_a"] = make_staff(clinic_a, Role.PSYCHIATRIST)
    world.users["coordinator_a"] = make_staff(clinic_a, Role.COORDINATOR)
    world.users["staff_b"] = make_staff(clinic_b, Role.CLINIC_ADMIN)
    for role in ("patient", "other_patient", "other_clinic_patient"):
        world.users[role] = UserFactory()

    patient = world.users["patient"]
    draft, submission = _submission(patient, clinic_a, seed=1)
    open_draft = IntakeDraft.objects.create(patient=patient, clinic=clinic_a)
    _submission(world.users["other_patient"], clinic_a, seed=2)
    _submission(world.users["other_clinic_patient"], clinic_b, seed=3)

    invitation = invitation_create(
        clinic=clinic_a, email="new.colleague@example.org", role=Role.COORDINATOR, invited_by=world.users["admin_a"]
    )
    world.objects.update(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        membership=Membership.objects.get(user=world.users["coordinator_a"], clinic=clinic_a),
        invitation=invitation,
        invitation_token=invitation_token(invitation),
        verify_token=email_verify_token(patient),
        reset_uid=urlsafe_base64_encode(force_bytes(patient.pk)),
        reset_token=default_token_generator.make_token(patient),
        draft=open_draft,
        submitted_draft=draft,
        submission=submission,
    )
    assert Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).exists()
    for module in area_modules():
        if hasattr(module, "extend"):
            module.extend(world)
    return world


def area_modules() -> list[Any]:
    """tests/authz/<area>.py: each may define EXPECTED entries and `extend(world)` for its records."""
    import importlib
    import pkgutil

    import tests.authz as package

    return [importlib.import_module(f"tests.authz.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
