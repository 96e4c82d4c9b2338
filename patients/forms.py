"""The patient's reply to a psychiatrist's question, in their own words; the time they choose for a call."""

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.forms import SlotField


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Answer in your own words"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the clinic's psychiatrists read this. You can also update your answers below."),
        error_messages={
            "required": _("Please write your answer, or update your answers instead."),
            "max_length": _("Please keep your answer under 4000 characters."),
        },
    )


class PatientSlotForm(forms.Form):
    slot = SlotField(label=_("Time"), required=True)
