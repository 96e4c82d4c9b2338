"""The staff landing page: where you work, in which role, and what you can do there."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import staff_memberships, staff_required


@require_GET
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "clinics/staff_home.html", {"memberships": staff_memberships(request.user)})
