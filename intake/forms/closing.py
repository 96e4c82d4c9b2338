"""The last steps: getting home, privacy and consent, and the review page."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import HTML, Field, Fieldset, Layout
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..consent import CONTACT_CONSENT, consent_for
from .base import StepForm
from .fields import yes_no
from .review import consent_rows


class GettingHomeForm(StepForm):
    ride_home = yes_no(
        _("Will someone be able to take you home after each treatment?"),
        help_text=_(
            "After a ketamine treatment you must not drive until the next day. A friend or family member can "
            "drive you, or someone can ride home with you in a taxi. If not, the clinic can help you plan."
        ),
    )


class ConsentForm(StepForm):
    agree_privacy = forms.BooleanField(
        label=_("I have read the privacy notice"),
        error_messages={"required": _("Please confirm you have read the privacy notice.")},
    )
    agree_contact = forms.BooleanField(
        label=CONTACT_CONSENT,
        error_messages={"required": _("Please agree that the clinic may contact you, so it can help you.")},
    )
    signed_name = forms.CharField(
        label=_("Type your full name to sign"),
        max_length=150,
        help_text=_("Typing your name here is your signature."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please type your full name to sign."), "max_length": _("Please shorten this.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The signed text is versioned per language (intake/consent.py), not taken from the catalogue.
        self.consent = consent_for()
        self.fields["agree_contact"].label = self.consent.contact

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Privacy notice"),
                HTML(
                    format_html(
                        '<ul class="consent-text">{}</ul>',
                        format_html_join("", "<li>{}</li>", ((point,) for point in self.consent.privacy_points)),
                    )
                ),
                Field("agree_privacy"),
            ),
            Fieldset(_("Consent to be contacted"), Field("agree_contact")),
            Fieldset(
                _("Your signature"),
                HTML(format_html('<p class="consent-text">{}</p>', self.consent.accuracy)),
                Field("signed_name", css_class="name-input"),
            ),
        )

    def clean_signed_name(self) -> str:
        name = " ".join(self.cleaned_data["signed_name"].split())
        if len(name) < 2 or not any(ch.isalpha() for ch in name):
            raise forms.ValidationError(_("Please type your full name to sign."))
        return name

    display = consent_rows


class ReviewForm(StepForm):
    """The last step: nothing to answer, the Submit button sends the intake."""

    def answers(self) -> dict[str, Any]:
        return {}
