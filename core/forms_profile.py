"""The patient record's questions (name, address, emergency contact, care team, payment).

Asked in the intake's first steps and on /account/ alike; the intake adds the clinic's states served.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from localflavor.us.forms import USZipCodeField
from localflavor.us.us_states import CONTIGUOUS_STATES, NON_CONTIGUOUS_STATES, US_TERRITORIES

from .forms import PhoneField
from .models import PatientProfile
from .phone import phone_display

CHOOSE = _("Please choose an answer.")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]

NAME_FIELDS = ("first_name", "last_name", "preferred_name", "pronouns")
ADDRESS_FIELDS = ("street", "city", "state", "zip_code")
EMERGENCY_FIELDS = ("emergency_name", "emergency_relationship", "emergency_phone")
PCP_FIELDS = ("pcp_name", "pcp_practice", "pcp_phone")
PRESCRIBER_FIELDS = ("prescriber_name", "prescriber_practice", "prescriber_phone")
REFERRAL_FIELDS = ("referred", "referrer_name")
CARE_FIELDS = EMERGENCY_FIELDS + PCP_FIELDS + PRESCRIBER_FIELDS + REFERRAL_FIELDS
PAYMENT_FIELDS = ("payment", "payer_name", "member_id", "group_number", "subscriber_relationship")
INSURANCE_FIELDS = PAYMENT_FIELDS[1:]


def state_choices() -> list[tuple[str, str]]:
    """US states, DC and territories by name (evaluated per form, so translations are not read at import)."""
    places = sorted(
        ((code, str(name)) for code, name in CONTIGUOUS_STATES + NON_CONTIGUOUS_STATES + US_TERRITORIES),
        key=lambda place: place[1],
    )
    return [("", str(_("Choose your state"))), *places]


def _text(label: Any, *, max_length: int, required: bool, autocomplete: str = "", message: Any = "", **kw: Any):
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    errors = {"required": message} if message else {}
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
        error_messages=errors,
        **kw,
    )


def name_fields(*, required: bool = True) -> dict[str, forms.Field]:
    return {
        "first_name": _text(
            _("Legal first name"),
            max_length=80,
            required=required,
            autocomplete="given-name",
            message=_("Please enter your legal first name, as on your ID."),
            help_text=_("As on your ID or insurance card."),
        ),
        "last_name": _text(
            _("Legal last name"),
            max_length=80,
            required=required,
            autocomplete="family-name",
            message=_("Please enter your legal last name, as on your ID."),
        ),
        "preferred_name": _text(
            _("The name you like to be called (optional)"), max_length=80, required=False, autocomplete="nickname"
        ),
        "pronouns": _text(
            _("Your pronouns (optional)"),
            max_length=40,
            required=False,
            help_text=_("For example: she/her, he/him, they/them."),
        ),
    }


def address_fields(*, required: bool = True, state_label: Any = None) -> dict[str, forms.Field]:
    return {
        "street": _text(
            _("Street address"),
            max_length=200,
            required=required,
            autocomplete="street-address",
            message=_("Please enter your street address, for example 12 Oak Street, Apt 3."),
        ),
        "city": _text(
            _("City"),
            max_length=100,
            required=required,
            autocomplete="address-level2",
            message=_("Please enter your city or town."),
        ),
        "state": forms.ChoiceField(
            label=state_label or _("State"),
            choices=state_choices,
            required=required,
            widget=forms.Select(attrs={"autocomplete": "address-level1"}),
            error_messages={
                "required": _("Please choose your state."),
                "invalid_choice": _("Please choose your state."),
            },
        ),
        "zip_code": USZipCodeField(
            label=_("ZIP code"),
            required=required,
            widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            error_messages={
                "required": _("Please enter your ZIP code, for example 97205."),
                "invalid": _("Please check your ZIP code: 5 digits, for example 97205 (or 97205-1234)."),
            },
        ),
    }


def care_fields(*, required: bool = True) -> dict[str, forms.Field]:
    emergency_phone = PhoneField(label=_("Their phone number"), required=required)
    emergency_phone.error_messages = {
        **emergency_phone.error_messages,
        "required": _("Please enter their phone number, for example (503) 555-0123."),
        "invalid": _("Please check their phone number: it should have 10 digits, for example (503) 555-0123."),
    }
    fields: dict[str, forms.Field] = {
        "emergency_name": _text(
            _("Their name"),
            max_length=150,
            required=required,
            message=_("Please enter the name of someone the clinic may call in an emergency."),
        ),
        "emergency_relationship": _text(
            _("How you know them"),
            max_length=60,
            required=required,
            message=_("Please say how you know them, for example: partner, mother, friend."),
            help_text=_("For example: partner, mother, friend."),
        ),
        "emergency_phone": emergency_phone,
    }
    for prefix in ("pcp", "prescriber"):
        phone = PhoneField(label=_("Phone (optional)"), required=False)
        phone.help_text = ""
        phone.error_messages = {
            **phone.error_messages,
            "invalid": _("Please check this phone number: it should have 10 digits, for example (503) 555-0123."),
        }
        fields[f"{prefix}_name"] = _text(_("Name"), max_length=150, required=False)
        fields[f"{prefix}_practice"] = _text(_("Practice or clinic (optional)"), max_length=150, required=False)
        fields[f"{prefix}_phone"] = phone
    for name in ("emergency_phone", "pcp_phone", "prescriber_phone"):
        fields[name].widget = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})
    fields["referred"] = forms.ChoiceField(
        label=_("Did a doctor, therapist or other clinician refer you to the clinic?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": CHOOSE},
    )
    fields["referrer_name"] = _text(
        _("Who referred you?"), max_length=150, required=False, help_text=_("Their name and practice.")
    )
    return fields


def payment_fields(*, required: bool = True) -> dict[str, forms.Field]:
    return {
        "payment": forms.ChoiceField(
            label=_("How will you pay for treatment?"),
            choices=PatientProfile.Payment.choices,
            widget=forms.RadioSelect,
            required=required,
            error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
        ),
        "payer_name": _text(
            _("Insurance company"), max_length=150, required=False, help_text=_("As on your insurance card.")
        ),
        "member_id": _text(_("Member ID"), max_length=60, required=False),
        "group_number": _text(_("Group number (if your card has one)"), max_length=60, required=False),
        "subscriber_relationship": forms.ChoiceField(
            label=_("Whose plan is it?"),
            choices=PatientProfile.Subscriber.choices,
            widget=forms.RadioSelect,
            required=False,
            error_messages={"invalid_choice": CHOOSE},
        ),
    }


def clean_care(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """A clinician's practice or phone needs their name; a referral says who, and nothing is kept when there is none."""
    for prefix in ("pcp", "prescriber"):
        if not cleaned.get(f"{prefix}_name") and (cleaned.get(f"{prefix}_practice") or cleaned.get(f"{prefix}_phone")):
            form.add_error(f"{prefix}_name", _("Please give their name too, or leave this part empty."))
    if cleaned.get("referred") != "yes":
        cleaned["referrer_name"] = ""
    elif not cleaned.get("referrer_name"):
        form.add_error("referrer_name", _("Please say who referred you, or answer No."))


def clean_payment(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Insurance details are needed only with insurance (and not kept without it)."""
    if cleaned.get("payment") != PatientProfile.Payment.INSURANCE:
        for name in INSURANCE_FIELDS:
            cleaned[name] = ""
        return
    messages = {
        "payer_name": _("Please enter your insurance company's name, as on your card."),
        "member_id": _("Please enter your member ID, as on your card."),
        "subscriber_relationship": _("Please say whose plan it is."),
    }
    for name, message in messages.items():
        if not cleaned.get(name) and name not in form.errors:
            form.add_error(name, message)


def record_values(cleaned: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The profile's values from cleaned answers (a referral's yes/no as the model's boolean)."""
    values = {name: cleaned.get(name) or "" for name in names}
    if "referred" in values:
        values["referred"] = values["referred"] == "yes"
    return values


def record_initial(profile: PatientProfile | None, names: tuple[str, ...]) -> dict[str, str]:
    """A profile's values as form answers ({} without a profile)."""
    if profile is None:
        return {}
    initial = {}
    for name in names:
        value = getattr(profile, name)
        if name == "referred":
            value = "yes" if value else ("no" if profile.emergency_name else "")
        elif name.endswith("_phone"):
            value = phone_display(value)  # as people read and type it; cleaned back to E.164
        if value:
            initial[name] = value
    return initial


class ProfileForm(forms.Form):
    """/account/: the whole record in one form (the intake asks it over three pages)."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(name_fields())
        self.fields.update(address_fields())
        self.fields.update(care_fields())
        self.fields.update(payment_fields())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        clean_care(self, cleaned)
        clean_payment(self, cleaned)
        return cleaned

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        groups = (
            (_("Your name"), NAME_FIELDS),
            (_("Your home address"), ADDRESS_FIELDS),
            (_("Someone to call in an emergency"), EMERGENCY_FIELDS),
            (_("Your primary care clinician (optional)"), PCP_FIELDS),
            (_("Your current prescriber or therapist (optional)"), PRESCRIBER_FIELDS),
            (_("Referral"), REFERRAL_FIELDS),
            (_("Paying for treatment"), PAYMENT_FIELDS),
        )
        return [(title, [self[name] for name in names]) for title, names in groups]
