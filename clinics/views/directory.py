"""The public clinic directory: no sign-in, nothing about patients."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..forms import DirectoryFilterForm, state_name
from ..selectors import clinic_directory, clinic_public


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Clinics accepting new patients, filtered by the state the visitor lives in."""
    form = DirectoryFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_bound and form.is_valid() else ""
    clinics = list(clinic_directory(state=state or None))
    return render(
        request,
        "clinics/directory.html",
        {"form": form, "clinics": clinics, "state": state, "state_name": state_name(state) if state else ""},
    )


@require_GET
def clinic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = clinic_public(slug)
    if clinic is None:
        raise Http404("No such clinic.")
    return render(request, "clinics/detail.html", {"clinic": clinic, "states": list(clinic.served_states.all())})
