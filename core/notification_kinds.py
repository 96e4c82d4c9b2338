"""The notifications written by intake, screening and review, and the escalations (see screening/escalation.py).

Each e-mail names the clinic and carries one link to a page behind sign-in; none names the patient or
says anything about their answers, screening or decision. Staff e-mails may say that a case is urgent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .notifications import Message, clinic_name, email_link, first_url, notification_kind, url_or_empty

# Patient e-mails are rendered in the recipient's language (core.outbox); these are translated when used.
PRIVACY_LINE = gettext_noop("For your privacy, this e-mail does not include any details. Sign in to read them.")
CRISIS_LINE = gettext_noop("If you are in crisis, call or text 988 at any time. In an emergency, call 911.")
STAFF_LINE = "This e-mail leaves out patient details on purpose; they are only shown after you sign in."


def _patient_body(notification: Any, first: str) -> str:
    return f"{_('Hello,')}\n\n{first}\n\n{email_link(notification)}\n\n{_(PRIVACY_LINE)}\n\n{_(CRISIS_LINE)}\n"


def _staff_body(notification: Any, *lines: str) -> str:
    text = "\n\n".join(lines)
    return f"Hello,\n\n{text}\n\nSign in to see it:\n{email_link(notification)}\n\n{STAFF_LINE}\n"


# --- links (only the notification's fields and its clinic: the inbox renders many rows) ---------------


def _slug(notification: Any) -> str:
    return notification.clinic.slug if notification.clinic is not None else ""


def case_link(notification: Any) -> str:
    """The case page of the review queue (the staff home page if that page is ever renamed)."""
    return first_url(
        ("screening:case", {"clinic_slug": _slug(notification), "case_id": notification.object_id}),
        ("clinics:staff_home", {}),
    )


def queue_link(notification: Any) -> str:
    return first_url(("screening:queue", {"clinic_slug": _slug(notification)}), ("clinics:staff_home", {}))


def worklist_link(notification: Any) -> str:
    return first_url(("clinics:worklist", {"clinic_slug": _slug(notification)}), ("clinics:staff_home", {}))


def worklist_entry_link(notification: Any) -> str:
    return first_url(
        ("clinics:worklist_entry", {"clinic_slug": _slug(notification), "entry_id": notification.object_id}),
        ("clinics:worklist", {"clinic_slug": _slug(notification)}),
    )


def patient_home_link(notification: Any) -> str:
    return url_or_empty("intake:dashboard")


def submission_link(notification: Any) -> str:
    return url_or_empty("intake:submission", submission_id=notification.object_id) or patient_home_link(notification)


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
        body=_patient_body(
            notification,
            _("Thank you. %(clinic)s has received your intake. See what happens next:") % {"clinic": clinic},
        ),
    )


def _new_message(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=_("You have a new message from %(clinic)s") % {"clinic": clinic},
        body=_patient_body(
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


@notification_kind("case.urgent", audience="staff", in_app="New urgent case at {clinic}.", link=case_link)
def case_urgent(notification: Any) -> Message:
    clinic = clinic_name(notification)
    minutes = getattr(notification.clinic, "urgent_ack_minutes", 30)
    return Message(
        subject=f"New urgent case at {clinic}",
        body=_staff_body(
            notification,
            f"A new urgent case is waiting for review at {clinic}. Please acknowledge it and review it now.",
            f"If no psychiatrist acknowledges it within {minutes} minutes, the clinic admins are alerted.",
        ),
    )


@notification_kind(
    "draft.urgent",
    audience="staff",
    in_app="Urgent: a patient at {clinic} needs attention now.",
    link=queue_link,
)
def draft_urgent(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"Urgent: a patient at {clinic} needs attention now",
        body=_staff_body(
            notification,
            f"A patient's answers during an intake at {clinic} need urgent attention from a clinician.",
        ),
    )


def case_new_digest(notifications: Sequence[Any]) -> Message:
    first = notifications[0]
    clinic = clinic_name(first)
    count = len(notifications)
    return Message(
        subject=f"{count} new cases to review at {clinic}",
        body=_staff_body(first, f"{count} new routine cases are waiting for review at {clinic}."),
    )


@notification_kind(
    "case.new", audience="staff", in_app="New case to review at {clinic}.", link=case_link, digest=case_new_digest
)
def case_new(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"New case to review at {clinic}",
        body=_staff_body(notification, f"A new routine case is waiting for review at {clinic}."),
    )


@notification_kind(
    "case.amended", audience="staff", in_app="A patient updated their answers at {clinic}.", link=case_link
)
def case_amended(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A patient updated their answers at {clinic}",
        body=_staff_body(notification, f"A patient you asked for more information at {clinic} updated their answers."),
    )


@notification_kind(
    "case.reassigned", audience="staff", in_app="A case at {clinic} was assigned to you.", link=case_link
)
def case_reassigned(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A case at {clinic} was assigned to you",
        body=_staff_body(notification, f"A clinic admin at {clinic} assigned a review case to you."),
    )


# --- coordinators ----------------------------------------------------------------------------------


@notification_kind(
    "patient.eligible", audience="staff", in_app="A new patient to contact at {clinic}.", link=worklist_link
)
def patient_eligible(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A new patient to contact at {clinic}",
        body=_staff_body(notification, f"A patient is eligible and waiting to be contacted on the {clinic} worklist."),
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
        body=_staff_body(
            notification, f"A psychiatrist at {clinic} cleared a patient for evaluation; they are on your worklist."
        ),
    )


# --- clinic admins (screening.tasks.cases_escalate) -------------------------------------------------------


@notification_kind("case.overdue", audience="staff", in_app="A case is overdue for review at {clinic}.", link=case_link)
def case_overdue(notification: Any) -> Message:
    clinic = clinic_name(notification)
    return Message(
        subject=f"A case is overdue for review at {clinic}",
        body=_staff_body(
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
        body=_staff_body(
            notification,
            f"No psychiatrist has acknowledged an urgent case at {clinic} within {minutes} minutes.",
            "Please make sure a psychiatrist looks at it now.",
        ),
    )


# --- the account (e-mail only: never in the inbox) -------------------------------------------------


def _account_user(notification: Any) -> Any:
    user = notification.recipient
    return user if user is not None and user.is_active else None


@notification_kind("account.verify_email", audience="account", in_app="Confirm your e-mail address.", inbox=False)
def account_verify_email(notification: Any) -> Message | None:
    """The "confirm your e-mail address" message; its signed link works for 3 days from sending."""
    from django.template.loader import render_to_string

    from .notifications import absolute_url
    from .services import email_verify_token

    user = _account_user(notification)
    if user is None or user.email_verified:
        return None
    link = absolute_url(url_or_empty("account:verify_email", token=email_verify_token(user)))
    return Message(
        subject=_("Confirm your e-mail address"),
        body=render_to_string("registration/verify_email_email.txt", {"link": link}),
    )


@notification_kind(
    "account.sign_up_existing", audience="account", in_app="Someone tried to sign up with your address.", inbox=False
)
def account_sign_up_existing(notification: Any) -> Message | None:
    """Someone tried to sign up with the address of this account (no account was created)."""
    from django.template.loader import render_to_string

    from .notifications import absolute_url

    if _account_user(notification) is None:
        return None
    return Message(
        subject=_("Someone tried to create an account with your e-mail address"),
        body=render_to_string(
            "registration/sign_up_existing_email.txt",
            {
                "login_link": absolute_url(url_or_empty("account:login")),
                "reset_link": absolute_url(url_or_empty("account:password_reset")),
            },
        ),
    )


@notification_kind("account.password_reset", audience="account", in_app="Reset your password.", inbox=False)
def account_password_reset(notification: Any) -> Message | None:
    """Django's reset link, made when the e-mail goes out (it works once, for PASSWORD_RESET_TIMEOUT)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = _account_user(notification)
    if user is None or not user.has_usable_password():
        return None
    context = {
        "site_url": settings.SITE_URL.rstrip("/"),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    return Message(
        subject=render_to_string("registration/password_reset_subject.txt").strip(),
        body=render_to_string("registration/password_reset_email.txt", context),
    )
