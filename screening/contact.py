"""What the contact panel (templates/screening/_patient_contact.html) shows on the case and alert pages: the phone,
call preferences, emergency contact and the clinic's one contact log; the call form for psychiatrists only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from clinics.models import Role
from scheduling.forms import ContactAttemptForm
from scheduling.worklist import patient_contact_attempts

from . import selectors
from .models import Priority


def contact_context(
    request: HttpRequest, *, clinic: Any, patient: Any, urgent: bool, action: str, form: Any = None
) -> dict[str, Any]:
    can_log = request.membership.role == Role.PSYCHIATRIST
    return {
        "urgent": urgent,
        "contact_profile": selectors.patient_profile(patient),
        "contact_attempts": patient_contact_attempts(clinic_id=clinic.pk, patient_id=patient.pk),
        "contact_form": (form or ContactAttemptForm()) if can_log else None,
        "contact_action": action,
    }


def case_contact_context(request: HttpRequest, case: Any, form: Any = None) -> dict[str, Any]:
    return contact_context(
        request,
        clinic=case.clinic,
        patient=case.submission.patient,
        urgent=case.priority == Priority.URGENT and case.status in case.UNDECIDED,
        action=reverse("screening:case_call", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk}),
        form=form,
    )
