"""The staff landing page: where you work, in which role, and what you can do there."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..permissions import staff_required
from ..selectors import clinics_for_staff


@require_GET
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "clinics/staff_home.html", {"memberships": list(clinics_for_staff(request.user))})
