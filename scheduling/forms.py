"""Forms for availability, closures, booking, appointments, the checklist and the worklist; the slot field the
patient's booking pages use too."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clinics.models import Role

from .availability import ONLY_PSYCHIATRISTS, ONLY_PSYCHIATRISTS_HINT, may_hold, parse_slot_value
from .checklist import CHECKLIST_LABELS
from .models import Appointment, AvailabilityException, ContactAttempt, PreEvaluationChecklist, Weekday, WorklistEntry

# The choice a coordinator makes: the type and, for an evaluation, its length.
APPOINTMENT_TYPES: dict[str, tuple[str, int, str]] = {
    "consultation": (Appointment.Kind.CONSULTATION, 15, "Phone consultation (free, 15 minutes)"),
    "evaluation_60": (Appointment.Kind.EVALUATION, 60, "Psychiatric evaluation, 60 minutes"),
    "evaluation_90": (Appointment.Kind.EVALUATION, 90, "Psychiatric evaluation, 90 minutes"),
}
QUARTER_HOURS_MESSAGE = "Use quarter hours, for example 9:00 or 9:15."


def _quarter_hour(value: time | None) -> time | None:
    if value is not None and (value.minute % 15 or value.second):
        raise ValidationError(QUARTER_HOURS_MESSAGE)
    return value


def _time_field(label: str, *, required: bool = True) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={"invalid": "Enter a time like 09:00 or 13:30.", "required": f"Enter the {label.lower()}."},
    )


class SlotField(forms.CharField):
    """A slot's UTC start, as the slot list posts it."""

    default_error_messages = {"required": _("Choose a time."), "invalid": _("Choose a time from the list.")}

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        moment = parse_slot_value(value)
        if moment is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


class BookingForm(forms.Form):
    """Type and clinician (GET: which slots to show); with a slot (POST: book it)."""

    type = forms.ChoiceField(
        label="Type of appointment",
        choices=[(k, v[2]) for k, v in APPOINTMENT_TYPES.items()],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the type of appointment.",
            "invalid_choice": "Choose a type from the list.",
        },
    )
    clinician = forms.ChoiceField(
        label="With",
        help_text=ONLY_PSYCHIATRISTS_HINT,
        error_messages={
            "required": "Choose who the patient will see.",
            "invalid_choice": "Choose someone from the list.",
        },
    )
    slot = SlotField(label="Time", required=False)

    def __init__(self, *args: Any, clinicians: list[Any], require_slot: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in clinicians}
        self.fields["clinician"].choices = [("", "Choose…")] + [
            (str(u.pk), f"{u.get_full_name()} ({Role(u.clinic_role).label.lower()})") for u in clinicians
        ]
        self.fields["slot"].required = require_slot

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        choice, person = cleaned.get("type"), self.people.get(cleaned.get("clinician") or "")
        if choice and person:
            kind, minutes, _ = APPOINTMENT_TYPES[choice]
            if not may_hold(person.clinic_role, kind):
                self.add_error("clinician", f"{ONLY_PSYCHIATRISTS} Choose a psychiatrist.")
            cleaned["kind"], cleaned["duration"] = kind, timedelta(minutes=minutes)
            cleaned["person"] = person
        return cleaned


class RescheduleForm(forms.Form):
    clinician = forms.ChoiceField(
        label="With",
        error_messages={
            "required": "Choose who the patient will see.",
            "invalid_choice": "Choose someone from the list.",
        },
    )
    slot = SlotField(label="New time", required=False)
    reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        required=False,
        help_text="For the appointment's history. The patient's e-mail does not include it.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, clinicians: list[Any], require_all: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in clinicians}
        self.fields["clinician"].choices = [(str(u.pk), u.get_full_name()) for u in clinicians]
        self.fields["slot"].required = require_all
        self.fields["reason"].required = require_all
        self.fields["reason"].error_messages["required"] = "Please give a reason for moving the appointment."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["person"] = self.people.get(cleaned.get("clinician") or "")
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=300,
        help_text="For the appointment's history. The patient's e-mail does not include it.",
        error_messages={"required": "Please give a reason for cancelling."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class MarkForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(Appointment.Status.ATTENDED, "Attended"), (Appointment.Status.NO_SHOW, "Did not attend")],
        error_messages={
            "required": "Choose attended or did not attend.",
            "invalid_choice": "Choose attended or did not attend.",
        },
    )


class AvailabilityWindowForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Day", choices=Weekday.choices, coerce=int, error_messages={"required": "Choose a day."}
    )
    start_time = _time_field("Start time")
    end_time = _time_field("End time")

    def clean_start_time(self) -> time | None:
        return _quarter_hour(self.cleaned_data.get("start_time"))

    def clean_end_time(self) -> time | None:
        return _quarter_hour(self.cleaned_data.get("end_time"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and start >= end:
            self.add_error("end_time", "The end must be after the start.")
        return cleaned


class AvailabilityExceptionForm(forms.Form):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date.", "invalid": "Enter a date like 2026-12-24."},
    )
    kind = forms.ChoiceField(
        label="What changes",
        choices=AvailabilityException.Kind.choices,
        widget=forms.RadioSelect,
        initial=AvailabilityException.Kind.DAY_OFF,
        error_messages={"required": "Choose a day off or extra hours."},
    )
    start_time = _time_field("Extra hours from", required=False)
    end_time = _time_field("Extra hours until", required=False)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self) -> date | None:
        value = self.cleaned_data.get("date")
        if value is not None and value < self.today:
            raise ValidationError("Choose today or a later date.")
        return value

    def clean_start_time(self) -> time | None:
        return _quarter_hour(self.cleaned_data.get("start_time"))

    def clean_end_time(self) -> time | None:
        return _quarter_hour(self.cleaned_data.get("end_time"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == AvailabilityException.Kind.EXTRA_HOURS:
            start, end = cleaned.get("start_time"), cleaned.get("end_time")
            if start is None and "start_time" not in self.errors:
                self.add_error("start_time", "Enter when the extra hours start.")
            if end is None and "end_time" not in self.errors:
                self.add_error("end_time", "Enter when the extra hours end.")
            if start and end and start >= end:
                self.add_error("end_time", "The end must be after the start.")
        return cleaned


class ClinicClosureForm(forms.Form):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date.", "invalid": "Enter a date like 2026-12-25."},
    )
    name = forms.CharField(
        label="Name (optional)",
        max_length=80,
        required=False,
        help_text="For example “Christmas Day”. Staff see it; patients are simply offered no time that day.",
        error_messages={"max_length": "Keep the name under 80 characters."},
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self) -> date | None:
        value = self.cleaned_data.get("date")
        if value is not None and value < self.today:
            raise ValidationError("Choose today or a later date.")
        return value


class ChecklistTickForm(forms.Form):
    item = forms.ChoiceField(choices=[(i, CHECKLIST_LABELS[i][0]) for i in PreEvaluationChecklist.ITEMS])
    done = forms.TypedChoiceField(choices=[("1", "Done"), ("0", "Not done")], coerce=lambda v: v == "1")


# --- the coordinators' worklist -------------------------------------------------------------------------


class ContactAttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=ContactAttempt.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what happened on the call.",
            "invalid_choice": "Choose what happened on the call.",
        },
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the clinic's staff only: for example when to call back. Never e-mailed.",
        error_messages={"max_length": "Keep the note under 500 characters (it has %(show_value)d)."},
    )


WORKLIST_STATUSES = [(value, label) for value, label in WorklistEntry.Status.choices]


def worklist_status(raw: str | None) -> str:
    """The status filter from the query string; anything unknown shows the patients still to contact."""
    return raw if raw in WorklistEntry.Status.values else WorklistEntry.Status.TO_CONTACT
