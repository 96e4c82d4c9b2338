"""The upload form for patients' documents (the patient's pages and the staff's case page share it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind
from .services_documents import document_upload

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DocumentUploadForm(forms.Form):
    """Kind and file; the file's checks (content, size, count) are intake.services_documents.document_upload's."""

    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=[("", _("Choose…")), *DocumentKind.choices],
        error_messages={
            "required": _("Choose what kind of document this is."),
            "invalid_choice": _("Choose what kind of document this is."),
        },
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF, or a photo or scan as JPEG or PNG. Up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("This file is empty. Choose the file again."),
            "invalid": _("The file did not arrive. Choose it again."),
            "missing": _("Choose a file to upload."),
        },
    )
    clinic = forms.ChoiceField(label=_("For which clinic?"), required=False)

    def __init__(self, *args: Any, clinics: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinics = {c.slug: c for c in clinics or []}
        if len(self.clinics) > 1:
            self.fields["clinic"].required = True
            self.fields["clinic"].choices = [("", _("Choose…")), *((slug, c.name) for slug, c in self.clinics.items())]
            self.fields["clinic"].error_messages.update(
                required=_("Choose the clinic this document is for."),
                invalid_choice=_("Choose the clinic this document is for."),
            )
        else:
            del self.fields["clinic"]

    def upload(self, *, patient: Any, clinic: Any, uploaded_by: Any, request: Any) -> Any | None:
        """Store the valid form's file for the patient at the clinic; None, with the service's reason put next to
        its field, when the file is refused (its content, size or the patient's count)."""
        try:
            return document_upload(
                patient=patient,
                clinic=clinic,
                kind=self.cleaned_data["kind"],
                upload=self.cleaned_data["file"],
                uploaded_by=uploaded_by,
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
            return None

    def chosen_clinic(self) -> Any:
        if "clinic" in self.fields:
            return self.clinics[self.cleaned_data["clinic"]]
        return next(iter(self.clinics.values()), None)
