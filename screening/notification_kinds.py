"""The notifications screening and review write: to the patient, psychiatrists, coordinators and admins.

Each e-mail names the clinic and carries one link to a page behind sign-in; none names the patient or
says anything about their answers, screening or decision. Staff e-mails may say that a case is urgent.
"""

from __future__ import annotations

from collections.abc import Sequence
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
)
from intake.notification_kinds import patient_home_link, submission_link

# --- links (only the notification's fields and its clinic: the inbox renders many rows) ---------------


def case_link(notification: Any) -> str:
    """The case page of the review queue (the staff home page if that page is ever renamed)."""
    return first_url(
        ("screening:case", {"clinic_slug": clinic_slug(notification), "case_id": notification.object_id}),
        ("clinics:staff_home", {}),
    )


def worklist_link(notification: Any) -> str:
    return first_url(("scheduling:worklist", {"clinic_slug": clinic_slug(notification)}), ("clinics:staff_home", {}))


def worklist_entry_link(notification: Any) -> str:
    return first_url(
        ("scheduling:worklist_entry", {"clinic_slug": clinic_slug(notification), "entry_id": notification.object_id}),
        ("scheduling:worklist", {"clinic_slug": clinic_slug(notification)}),
    )


# --- the patient -----------------------------------------------------------------------------------


def _new_message(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=_("You have a new message from %(clinic)s") % {"clinic": clinic},
        body=patient_body(
            notification, _("You have a new message from %(clinic)s — sign in to read it:") % {"clinic": clinic}
        ),
    )


notification_kind(
    "case.info_requested",
    audience="patient",
    in_app=gettext_lazy("{clinic} asked you for more information."),
    link=patient_home_link,
)(_new_message)
notification_kind(
    "case.decided",
    audience="patient",
    in_app=gettext_lazy("You have a new message from {clinic}."),
    link=patient_home_link,
)(_new_message)
# A re-screening (new clinic criteria or rules) changed what the patient's result means.
notification_kind(
    "screening.changed",
    audience="patient",
    in_app=gettext_lazy("You have a new message from {clinic}."),
    link=submission_link,
)(_new_message)


# --- psychiatrists ---------------------------------------------------------------------------------


@notification_kind(
    "case.urgent", audience="staff", in_app="New urgent case at {clinic}.", link=case_link, same_for_everyone=True
)
def case_urgent(notification: Any) -> Message:
    clinic = clinic_name(notification)
    minutes = getattr(notification.clinic, "urgent_ack_minutes", 30)
    return Message(
        subject=f"New urgent case at {clinic}",
        body=staff_body(
            notification,
            f"A new urgent case is waiting for review at {clinic}. Please acknowledge it and review it now.",
            f"If no psychiatrist acknowledges it within {minutes} minutes, the clinic admins are alerted.",
        ),
    )


def case_new_digest(notifications: Sequence[Any]) -> Message:
    first = notifications[0]
    clinic = clinic_name(first)
    count = len(notifications)
    return Message(
        subject=f"{count} new cases to review at {clinic}",
        body=staff_body(first, f"{count} new routine cases are waiting for review at {clinic}."),
    )


@notification_kind(
    "case.new",
    audience="staff",
    in_app="New case to review at {clinic}.",
    link=case_link,
    digest=case_new_digest,
    same_for_everyone=True,
)
def case_new(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"New case to review at {clinic}",
        body=staff_body(notification, f"A new routine case is waiting for review at {clinic}."),
    )


@notification_kind(
    "case.amended", audience="staff", in_app="A patient updated their answers at {clinic}.", link=case_link
)
def case_amended(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A patient updated their answers at {clinic}",
        body=staff_body(notification, f"A patient you asked for more information at {clinic} updated their answers."),
    )


@notification_kind(
    "case.document_received",
    audience="staff",
    in_app="A patient sent the document you asked for at {clinic}.",
    link=case_link,
)
def case_document_received(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A patient sent a document at {clinic}",
        body=staff_body(notification, f"A patient you asked for a document at {clinic} has uploaded it."),
    )


@notification_kind(
    "case.replied", audience="staff", in_app="A patient replied to your question at {clinic}.", link=case_link
)
def case_replied(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A patient replied to your question at {clinic}",
        body=staff_body(notification, f"A patient you asked for more information at {clinic} sent a reply."),
    )


@notification_kind(
    "case.reassigned", audience="staff", in_app="A case at {clinic} was assigned to you.", link=case_link
)
def case_reassigned(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A case at {clinic} was assigned to you",
        body=staff_body(notification, f"A clinic admin at {clinic} assigned a review case to you."),
    )


# --- coordinators ----------------------------------------------------------------------------------


@notification_kind(
    "patient.eligible", audience="staff", in_app="A new patient to contact at {clinic}.", link=worklist_link
)
def patient_eligible(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A new patient to contact at {clinic}",
        body=staff_body(notification, f"A patient is eligible and waiting to be contacted on the {clinic} worklist."),
    )


@notification_kind(
    "case.cleared",
    audience="staff",
    in_app="A patient was cleared for evaluation at {clinic}.",
    link=worklist_entry_link,
)
def case_cleared(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A patient was cleared for evaluation at {clinic}",
        body=staff_body(
            notification, f"A psychiatrist at {clinic} cleared a patient for evaluation; they are on your worklist."
        ),
    )


# --- clinic admins (screening.tasks.cases_escalate) -------------------------------------------------------


@notification_kind("case.overdue", audience="staff", in_app="A case is overdue for review at {clinic}.", link=case_link)
def case_overdue(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A case is overdue for review at {clinic}",
        body=staff_body(
            notification,
            f"A review case at {clinic} has passed its due time without a decision.",
            "Please make sure a psychiatrist takes it.",
        ),
    )


@notification_kind(
    "case.ack_escalated",
    audience="staff",
    in_app="An urgent case at {clinic} has not been acknowledged.",
    link=case_link,
)
def case_ack_escalated(notification: Any) -> Message:
    clinic = clinic_name(notification)
    minutes = getattr(notification.clinic, "urgent_ack_minutes", 30)
    return Message(
        subject=f"An urgent case at {clinic} has not been acknowledged",
        body=staff_body(
            notification,
            f"No psychiatrist has acknowledged an urgent case at {clinic} within {minutes} minutes.",
            "Please make sure a psychiatrist looks at it now.",
        ),
    )


# --- urgent answers during an intake, before it is sent ----------------------------------------------------


def intake_alert_link(notification: Any) -> str:
    """The alert's page (it leads on to the case once the patient has sent their intake)."""
    return first_url(
        ("screening:intake_alert", {"clinic_slug": clinic_slug(notification), "alert_id": notification.object_id}),
        ("screening:queue", {"clinic_slug": clinic_slug(notification)}),
    )


@notification_kind(
    "intake_alert.urgent",
    audience="staff",
    in_app="Urgent: a patient at {clinic} gave high-risk answers during their intake.",
    link=intake_alert_link,
)
def intake_alert_urgent(notification: Any) -> Message:
    clinic = clinic_name(notification)
    minutes = getattr(notification.clinic, "urgent_ack_minutes", 30)
    return Message(
        subject=f"Urgent: a patient at {clinic} needs attention now",
        body=staff_body(
            notification,
            f"A patient's answers during an intake at {clinic} need urgent attention from a clinician.",
            f"Please acknowledge it and contact the patient. If no psychiatrist acknowledges it within {minutes} "
            "minutes, the clinic admins are alerted.",
        ),
    )


@notification_kind(
    "intake_alert.ack_escalated",
    audience="staff",
    in_app="An urgent intake alert at {clinic} has not been acknowledged.",
    link=intake_alert_link,
)
def intake_alert_ack_escalated(notification: Any) -> Message:
    clinic = clinic_name(notification)
    minutes = getattr(notification.clinic, "urgent_ack_minutes", 30)
    return Message(
        subject=f"An urgent alert at {clinic} has not been acknowledged",
        body=staff_body(
            notification,
            f"No psychiatrist has acknowledged an urgent intake alert at {clinic} within {minutes} minutes.",
            "Please make sure a psychiatrist looks at it now.",
        ),
    )
