"""Account forms. Labels are plain; every error says what to do next."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .dates import validate_reasonable_date
from .models import User
from .phone import InvalidPhone, phone_normalise

EMAIL_WIDGET = forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"})


def _new_password_fields(form: forms.Form) -> None:
    form.fields["password1"] = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. A few unrelated words make a strong, memorable password."),
    )
    form.fields["password2"] = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _clean_new_password(form: forms.Form, user) -> None:
    password1 = form.cleaned_data.get("password1")
    password2 = form.cleaned_data.get("password2")
    if password1 and password2 and password1 != password2:
        form.add_error("password2", _("The two passwords are not the same. Type them again."))
        return
    if password1:
        try:
            password_validation.validate_password(password1, user=user)
        except forms.ValidationError as error:
            form.add_error("password1", error)


def optional_date_field(label: str, example: str) -> forms.DateField:
    """A date a staff filter may leave empty: the browser's date picker, a plausible year, an example on error."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"Enter a date like {example}."},
        validators=[validate_reasonable_date],
    )


class SignInForm(AuthenticationForm):
    """E-mail and password. The field is named `username` so django-axes counts failures per address."""

    username = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "username", "autofocus": True, "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": _(
            "The e-mail or the password is not right. Check both and try again. "
            "After 5 wrong tries, signing in to this account is paused for 15 minutes."
        ),
        "inactive": _("This account has been closed. Contact your clinic if you think this is a mistake."),
    }

    def clean_username(self) -> str:
        # One spelling per address, so the lockout cannot be dodged by changing letter case.
        return self.cleaned_data["username"].strip().lower()


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=EMAIL_WIDGET)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("We send a link to confirm it. We never share it.")
        _new_password_fields(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        email = (cleaned.get("email") or "").strip().lower()
        _clean_new_password(self, get_user_model()(email=email))
        return cleaned


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        help_text=_("As colleagues and patients should see it, for example Dr. Priya Raman."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        _new_password_fields(self)

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        _clean_new_password(self, get_user_model()(email=self.email, full_name=cleaned.get("full_name", "")))
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
        error_messages={"required": _("Enter the 6-digit code your authenticator app shows now.")},
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit() or len(token) not in (6, 8):
            raise forms.ValidationError(_("Enter the 6 digits your app shows, without letters."))
        return token


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254, widget=EMAIL_WIDGET)


class ResetSetPasswordForm(SetPasswordForm):
    """Django's form, with the same labels and messages as sign-up."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _(
            "At least 10 characters. A few unrelated words make a strong, memorable password."
        )
        self.fields["new_password2"].label = _("Type the new password again")
        self.error_messages = {**self.error_messages, "password_mismatch": _("The two passwords are not the same.")}


class PhoneField(forms.CharField):
    """A phone number as people type it; cleaned to E.164 (a number without a country code is a US one)."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
    default_error_messages = {
        "required": _("Please enter your mobile phone number, for example (503) 555-0123."),
        "invalid": _("Please check your phone number: it should have 10 digits, for example (503) 555-0123."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return phone_normalise(value)
        except InvalidPhone:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


CONTACT_YES_NO = [("yes", _("Yes")), ("no", _("No"))]
CONTACT_CHOOSE = _("Please choose an answer.")


def contact_fields(*, required: bool = True) -> dict[str, forms.Field]:
    """The phone and call preferences, asked in the intake's first step and on the contact page alike."""

    def yes_no(label) -> forms.Field:
        return forms.ChoiceField(
            label=label,
            choices=CONTACT_YES_NO,
            widget=forms.RadioSelect,
            required=required,
            error_messages={"required": CONTACT_CHOOSE, "invalid_choice": CONTACT_CHOOSE},
        )

    return {
        "phone": PhoneField(
            label=_("Mobile phone number"),
            required=required,
            help_text=_("A care coordinator will call you on this number. A US number needs no +1."),
        ),
        "call_time": forms.ChoiceField(
            label=_("Best time to call you"),
            choices=User.CallTime.choices,
            widget=forms.RadioSelect,
            required=required,
            error_messages={"required": CONTACT_CHOOSE, "invalid_choice": CONTACT_CHOOSE},
        ),
        "voicemail_ok": yes_no(_("If you do not answer, may the clinic leave a voicemail?")),
        "texts_ok": yes_no(_("May the clinic send you text messages about appointments?")),
    }


class ContactForm(forms.Form):
    """The account's contact page: the same questions as the intake's first step."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(contact_fields())
