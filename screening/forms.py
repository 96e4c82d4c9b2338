"""Forms for the psychiatrist's queue and the decisions on a case. The rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import optional_date_field
from intake.models import DocumentKind

from .selectors import STATUS_FILTERS, QueueFilters

MESSAGE_MAX = 4000


def _text(label: str, *, required: bool, help_text: str = "", rows: int = 4, initial: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MESSAGE_MAX,
        help_text=help_text,
        initial=initial,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": f"Keep this under {MESSAGE_MAX:,} characters."},
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[(key, label) for key, (label, _statuses) in STATUS_FILTERS.items()],
        error_messages={"invalid_choice": "Choose what to show from the list."},
    )
    priority = forms.ChoiceField(
        label="Priority",
        required=False,
        choices=[("", "Urgent and routine"), ("urgent", "Urgent only"), ("routine", "Routine only")],
        error_messages={"invalid_choice": "Choose a priority from the list."},
    )
    mine = forms.BooleanField(label="Only cases assigned to me", required=False)

    def filters(self) -> QueueFilters:
        """The filters to apply; anything invalid falls back to the default (and the form shows why)."""
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or "queue", priority=data.get("priority") or "", mine=bool(data.get("mine"))
        )


class ClearForm(forms.Form):
    note = _text(
        "Note for the clinical team (optional)",
        required=False,
        help_text="Anything the evaluating psychiatrist or the coordinators should know. The patient does not see it.",
    )
    patient_message = _text(
        "Message to the patient (optional)",
        required=False,
        help_text="Shown to the patient in the app. E-mails only say there is a new message.",
    )


class DeclineForm(forms.Form):
    note = _text(
        "Reason for declining (for the clinical team)",
        required=True,
        help_text="Recorded with the decision. The patient does not see it.",
    )
    patient_message = _text(
        "What the patient will read",
        required=True,
        rows=8,
        help_text="A suggested text is filled in: change it as you see fit. Shown in the app, never in an e-mail.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = "Give the reason for declining."
        self.fields["patient_message"].error_messages["required"] = "Write what the patient will read."


class RequestInfoForm(forms.Form):
    patient_message = _text(
        "Your question to the patient",
        required=True,
        rows=6,
        help_text="The patient reads it in the app, then can update their answers; you will be told when they do.",
    )
    requested_document = forms.ChoiceField(
        label="Ask for a document (optional)",
        required=False,
        choices=[("", "No document"), *((kind.value, kind.label) for kind in DocumentKind)],
        help_text="The patient's page asks them to upload it; their upload appears on this case.",
        error_messages={"invalid_choice": "Choose a kind of document from the list."},
    )
    note = _text("Note for the clinical team (optional)", required=False, rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient_message"].error_messages["required"] = "Write the question the patient will read."


class ReassignForm(forms.Form):
    psychiatrist = forms.ChoiceField(
        label="Give this case to",
        error_messages={
            "required": "Choose a psychiatrist.",
            "invalid_choice": "Choose an active psychiatrist of this clinic.",
        },
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=300)

    def __init__(self, *args: Any, psychiatrists: list[Any], exclude: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in psychiatrists if u.pk != exclude}
        self.fields["psychiatrist"].choices = [("", "Choose a psychiatrist")] + [
            (key, user.get_full_name()) for key, user in self.users.items()
        ]

    def chosen(self) -> Any:
        return self.users[self.cleaned_data["psychiatrist"]]


class ReopenForm(forms.Form):
    note = _text(
        "Why re-open this case?",
        required=True,
        rows=3,
        help_text="Recorded in the case history and the audit log.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = "Say why the case is re-opened."


class FhirExportForm(forms.Form):
    """The submission dates to export, in the clinic's time zone, both days included; empty means no bound."""

    since = optional_date_field("Submitted from", "2026-11-01")
    until = optional_date_field("Submitted until", "2026-11-30")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The last date must be on or after the first date.")
        return cleaned
