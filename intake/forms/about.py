"""The record steps (About you; someone to call and the care team; paying for treatment): kept on the account
(core.PatientProfile and the phone), only the date of birth, sex, state and weight go into the intake document."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import forms_profile as record
from core.forms import contact_fields

from .. import builder
from .base import StepForm
from .fields import SEX_CHOICES, WEIGHT_UNITS, radio, state_choices
from .review import about_rows, care_team_rows, payment_rows


class AboutForm(StepForm):
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"],
        error_messages={
            "required": _("Please enter your date of birth."),
            "invalid": _("Please enter a real date, for example 03/27/1985."),
        },
    )
    sex_at_birth = radio(
        _("Sex assigned at birth"),
        SEX_CHOICES,
        help_text=_("We ask because some treatment questions depend on it."),
    )
    state = forms.ChoiceField(
        label=_("The state where you live"),
        choices=state_choices,
        error_messages={"required": _("Please choose your state."), "invalid_choice": _("Please choose your state.")},
    )
    weight = forms.DecimalField(
        label=_("Your weight (optional)"),
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=0,
        help_text=_("If you know it. A rough figure is fine."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        error_messages={
            "invalid": _("Please enter your weight as a number, for example 150."),
            "max_decimal_places": _("Please use at most one decimal place."),
            "max_digits": _("Please enter your weight as a number, for example 150."),
            "min_value": _("Please enter your weight as a number above 0."),
        },
    )
    weight_unit = radio(_("Weight in"), WEIGHT_UNITS, required=False)

    CONTACT_FIELDS = ("phone", "call_time", "voicemail_ok", "texts_ok")
    # Kept on the account (core.PatientProfile), not in the intake document.
    RECORD_FIELDS = (*record.NAME_FIELDS, "street", "city", "zip_code")

    def __init__(
        self,
        *args: Any,
        served_states: tuple[str, ...] | None = None,
        clinic_name: str = "",
        contact_required: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs["initial"] = {"weight_unit": "lb", **(kwargs.get("initial") or {})}
        self.served_states = served_states
        self.clinic_name = clinic_name
        super().__init__(*args, **kwargs)
        # The name and home address (the state above is the address's state: one question) are the account's
        # record; answers sent before the step asked for them stay readable (contact_required=False).
        address = record.address_fields(required=contact_required)
        del address["state"]
        self.fields.update(record.name_fields(required=contact_required))
        self.fields.update(address)
        # Answers sent before the step asked for a phone stay readable (contact_required=False).
        self.fields.update(contact_fields(required=contact_required))

    def clean_state(self) -> str:
        state = self.cleaned_data["state"]
        if self.served_states is not None and state not in self.served_states:
            names = dict(state_choices())
            served = ", ".join(names.get(s, s) for s in self.served_states) or str(_("no state yet"))
            # A clinic may only treat people who live where it is licensed: say so before 15 minutes of questions.
            raise forms.ValidationError(
                _(
                    "%(clinic)s can only see patients who live in: %(states)s. "
                    "The clinic directory shows clinics that serve your state."
                )
                % {"clinic": self.clinic_name or _("This clinic"), "states": served}
            )
        return state

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Your name"),
                Field("first_name"),
                Field("last_name"),
                Field("preferred_name"),
                Field("pronouns"),
                css_class="record-group name-group",
            ),
            Field("date_of_birth", css_class="date-input"),
            Field("sex_at_birth"),
            Fieldset(
                _("Your home address"),
                Field("street"),
                Field("city"),
                Field("state"),
                Field("zip_code", css_class="zip-input"),
                css_class="record-group address-group",
            ),
            Div(Field("weight", css_class="weight-input"), InlineRadios("weight_unit"), css_class="weight-group"),
            Fieldset(
                _("How the clinic can reach you"),
                Field("phone", css_class="phone-input"),
                Field("call_time"),
                InlineRadios("voicemail_ok"),
                InlineRadios("texts_ok"),
                css_class="contact-group",
            ),
        )

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("Your date of birth cannot be in the future."))
        if born.year < 1900:
            raise forms.ValidationError(_("Please check the year of your date of birth."))
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        weight = cleaned.get("weight")
        if weight is not None:
            unit = cleaned.get("weight_unit") or "lb"
            cleaned["weight_unit"] = unit
            kg = builder.weight_kg(weight, unit)
            if kg is None or not 25 <= kg <= 350:
                self.add_error(
                    "weight",
                    _("Please check your weight: it should be between 55 and 770 pounds (25 and 350 kg)."),
                )
        else:
            cleaned["weight_unit"] = cleaned.get("weight_unit") or "lb"
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The builder's input: the contact details are the account's, not the intake document's."""
        kept = self.CONTACT_FIELDS + self.RECORD_FIELDS
        return {name: value for name, value in super().answers().items() if name not in kept}

    display = about_rows


class CareTeamForm(StepForm):
    """The emergency contact (required) and the care team (optional): kept on the account, not in the document."""

    stacked = ("referred",)

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(record.care_fields(required=required))

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Someone to call in an emergency"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _("A treatment day needs someone the clinic can call if you are unwell."),
                    )
                ),
                *record.EMERGENCY_FIELDS,
                css_class="record-group emergency-group",
            ),
            Fieldset(
                _("Your primary care clinician (optional)"), *record.PCP_FIELDS, css_class="record-group pcp-group"
            ),
            Fieldset(
                _("Your current prescriber or therapist (optional)"),
                *record.PRESCRIBER_FIELDS,
                css_class="record-group prescriber-group",
            ),
            Fieldset(
                _("Referral"),
                InlineRadios("referred"),
                Div(
                    Field("referrer_name"),
                    css_class="conditional",
                    data_show_when="care-team-referred",
                    data_show_value="yes",
                ),
                css_class="record-group referral-group",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        record.clean_care(self, cleaned)
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {}  # the account's record, not the intake document's

    display = care_team_rows


class PaymentForm(StepForm):
    """Self-pay or insurance (then the card's details): kept on the account, not in the document."""

    stacked = ("payment", "subscriber_relationship")

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(record.payment_fields(required=required))

    def build_layout(self) -> Layout:
        return Layout(
            Field("payment"),
            Fieldset(
                _("If you use insurance"),
                *record.INSURANCE_FIELDS,
                css_class="record-group insurance-group",
                data_show_when="payment-payment",
                data_show_value="insurance",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        record.clean_payment(self, cleaned)
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {}  # the account's record, not the intake document's

    display = payment_rows
