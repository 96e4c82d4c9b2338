"""The notifications intake writes: the patient's receipt, and the alert when a draft shows high risk.

Each e-mail names the clinic and carries one link to a page behind sign-in; none names the patient or
says anything about their answers.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notifications import (
    Message,
    clinic_name,
    clinic_slug,
    first_url,
    notification_kind,
    patient_body,
    staff_body,
    url_or_empty,
)


def patient_home_link(notification: Any) -> str:
    return url_or_empty("patients:dashboard")


def submission_link(notification: Any) -> str:
    return url_or_empty("patients:submission", submission_id=notification.object_id) or patient_home_link(notification)


def _queue_link(notification: Any) -> str:
    return first_url(("screening:queue", {"clinic_slug": clinic_slug(notification)}), ("clinics:staff_home", {}))


# --- the patient -----------------------------------------------------------------------------------


@notification_kind(
    "submission.received",
    audience="patient",
    in_app=gettext_lazy("{clinic} has received your intake."),
    link=submission_link,
)
def submission_received(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=_("We received your intake — %(clinic)s") % {"clinic": clinic},
        body=patient_body(
            notification,
            _("Thank you. %(clinic)s has received your intake. See what happens next:") % {"clinic": clinic},
        ),
    )


# --- psychiatrists ---------------------------------------------------------------------------------


@notification_kind(
    "draft.urgent",
    audience="staff",
    in_app="Urgent: a patient at {clinic} needs attention now.",
    link=_queue_link,
)
def draft_urgent(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"Urgent: a patient at {clinic} needs attention now",
        body=staff_body(
            notification,
            f"A patient's answers during an intake at {clinic} need urgent attention from a clinician.",
        ),
    )
