"""E-mails about appointments, with a calendar (.ics) file: the clinic and the time, nothing else.

No diagnosis, no screening data, not the patient's name and not a cancellation reason (staff type
those freely): an e-mail can be read by anyone who sees the patient's inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from icalendar import Calendar, Event

from clinics.services import site_url
from core.notifications import Message, email_link, notification_kind, url_or_empty

from .models import Appointment

ICS_MIMETYPE = "text/calendar; charset=utf-8"
PRODID = "-//Ketamine Clinic Intake//Scheduling//EN"
CRISIS_LINE = gettext_noop("If you are in crisis, call or text 988 at any time. In an emergency, call 911.")


def local_time_text(appointment: Appointment) -> str:
    """ "Monday 8 March 2027 at 9:00 AM PST": the clinic's wall-clock time, with its zone."""
    local = appointment.starts_at.astimezone(appointment.clinic.zone)
    return dateformat.format(local, _(r"l j F Y \a\t g:i A T"))


def appointment_link(appointment: Appointment) -> str:
    return site_url(reverse("patients:patient_appointment", kwargs={"appointment_id": appointment.pk}))


def appointment_location(appointment: Appointment) -> str:
    if appointment.kind == Appointment.Kind.CONSULTATION:
        return _("Phone call")
    clinic = appointment.clinic
    return f"{clinic.address_line}, {clinic.city}, {clinic.state} {clinic.postal_code}"


def ics_sequence(appointment: Appointment, *, cancelled: bool) -> int:
    """How many times this calendar event changed: each move of the series adds one, a cancellation one more."""
    moves, earlier = 0, appointment.rescheduled_from_id
    while earlier is not None:  # a chain of moves is short: one query each
        moves += 1
        earlier = Appointment.objects.filter(pk=earlier).values_list("rescheduled_from_id", flat=True).first()
    return moves + (1 if cancelled else 0)


def appointment_ics(appointment: Appointment, *, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """One VEVENT: SUMMARY "Appointment at <clinic>", UTC start and end, LOCATION.

    UID = the series (the first appointment of a chain of moves), so a calendar app updates the event it has
    instead of adding a second one; SEQUENCE grows with every move."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.series}@ketamine-clinic-intake")
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", _("Appointment at %(clinic)s") % {"clinic": appointment.clinic.name})
    event.add("location", appointment_location(appointment))
    event.add("description", _("Sign in to see the details: %(link)s") % {"link": appointment_link(appointment)})
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", ics_sequence(appointment, cancelled=cancelled))
    calendar.add_component(event)
    return calendar.to_ical()


def _where(appointment: Appointment) -> str:
    if appointment.kind == Appointment.Kind.CONSULTATION:
        return _("The clinic will phone you at that time.")
    return _("The address: %(address)s.") % {"address": appointment_location(appointment)}


def appointment_message(kind: str, appointment: Appointment) -> Message:
    """The e-mail for one of the appointment.* notification kinds."""
    clinic = appointment.clinic
    when = local_time_text(appointment)
    link = appointment_link(appointment)
    names = {"clinic": clinic.name, "when": when, "phone": clinic.phone}
    sign_in = _("Sign in to see the details: %(link)s") % {"link": link}
    change = _(
        "To move or cancel it, use the link above until %(hours)s hours before it starts; "
        "after that, call %(clinic)s at %(phone)s."
    ) % {**names, "hours": clinic.patient_change_cutoff_hours}
    ics = [("appointment.ics", appointment_ics(appointment, cancelled=kind == "appointment.cancelled"), ICS_MIMETYPE)]
    if kind == "appointment.booked":
        subject = _("Your appointment at %(clinic)s") % names
        lines = [_("You have an appointment at %(clinic)s on %(when)s.") % names, _where(appointment), sign_in, change]
    elif kind == "appointment.rescheduled":
        subject = _("Your appointment at %(clinic)s has moved") % names
        lines = [
            _("Your appointment at %(clinic)s has moved to %(when)s. The earlier time is cancelled.") % names,
            _where(appointment),
            sign_in,
            change,
        ]
    elif kind == "appointment.cancelled":
        subject = _("Your appointment at %(clinic)s is cancelled") % names
        lines = [
            _("Your appointment at %(clinic)s on %(when)s is cancelled.") % names,
            sign_in,
            _("Questions? Call %(clinic)s at %(phone)s.") % names,
        ]
    elif kind == "appointment.reminder":
        subject = _("Reminder: your appointment at %(clinic)s") % names
        lines = [
            _("A reminder: you have an appointment at %(clinic)s on %(when)s.") % names,
            _where(appointment),
            sign_in,
            change,
        ]
    else:
        raise ValueError(f"not an appointment notification: {kind}")
    lines.append(_("The attached calendar file adds it to your calendar."))
    body = _("Hello,") + "\n\n" + "\n\n".join(lines) + f"\n\n{_(CRISIS_LINE)}\n"
    return Message(subject=subject, body=body, attachments=ics)


# --- registered with core.notifications: the sender and the inbox find them by kind --------------------------


def appointment_page_link(notification: Any) -> str:
    """The patient's page about the appointment (reads only the notification's own fields)."""
    return url_or_empty("patients:patient_appointment", appointment_id=notification.object_id)


def _message(kind: str, notification: Any) -> Message:
    appointment = Appointment.objects.select_related("clinic").get(pk=notification.object_id)
    return appointment_message(kind, appointment)


@notification_kind(
    "appointment.booked",
    audience="patient",
    in_app=gettext_lazy("You have an appointment at {clinic}."),
    link=appointment_page_link,
)
def appointment_booked(notification: Any) -> Message:
    return _message("appointment.booked", notification)


@notification_kind(
    "appointment.rescheduled",
    audience="patient",
    in_app=gettext_lazy("Your appointment at {clinic} has moved."),
    link=appointment_page_link,
)
def appointment_rescheduled(notification: Any) -> Message:
    return _message("appointment.rescheduled", notification)


@notification_kind(
    "appointment.cancelled",
    audience="patient",
    in_app=gettext_lazy("Your appointment at {clinic} is cancelled."),
    link=appointment_page_link,
)
def appointment_cancelled(notification: Any) -> Message:
    return _message("appointment.cancelled", notification)


@notification_kind(
    "appointment.reminder",
    audience="patient",
    in_app=gettext_lazy("A reminder of your appointment at {clinic}."),
    link=appointment_page_link,
)
def appointment_reminder(notification: Any) -> Message:
    return _message("appointment.reminder", notification)


def _staff_appointment_link(notification: Any) -> str:
    slug = notification.clinic.slug if notification.clinic is not None else ""
    return url_or_empty("scheduling:appointment", clinic_slug=slug, appointment_id=notification.object_id)


@notification_kind(
    "appointment.patient_changed",
    audience="staff",
    in_app="A patient changed an appointment at {clinic}.",
    link=_staff_appointment_link,
)
def appointment_patient_changed(notification: Any) -> Message:
    appointment = Appointment.objects.select_related("clinic").get(pk=notification.object_id)
    clinic = appointment.clinic
    what = "cancelled" if appointment.status == Appointment.Status.CANCELLED else "moved"
    link = email_link(notification)
    body = (
        f"Hello,\n\nA patient has {what} an appointment at {clinic.name} on the website. "
        f"Sign in to see it:\n{link}\n\n"
        "This e-mail leaves out patient details on purpose; they are only shown after you sign in.\n"
    )
    return Message(subject=f"A patient {what} an appointment at {clinic.name}", body=body)
