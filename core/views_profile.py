"""/account/: the patient's record (name, address, emergency contact, care team, payment), kept and edited here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import forms_profile, services
from .hooks import is_clinic_staff

ALL_FIELDS = (
    forms_profile.NAME_FIELDS + forms_profile.ADDRESS_FIELDS + forms_profile.CARE_FIELDS + forms_profile.PAYMENT_FIELDS
)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    """The same questions as the intake's first pages; what is saved here is what the next intake starts from."""
    user = request.user
    if is_clinic_staff(user):
        return redirect("account:security")  # staff have no patient record
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    initial = forms_profile.record_initial(profile, ALL_FIELDS)
    initial.setdefault("payment", "")
    form = forms_profile.ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        services.patient_profile_save(user=user, values=forms_profile.record_values(form.cleaned_data, ALL_FIELDS))
        messages.success(request, _("Your details are saved."))
        return redirect("account:details")
    return render(request, "registration/details.html", {"form": form, "profile": profile})
