"""A staff invitation's link: the invitee sets a password and signs in (the second factor comes next)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core.forms import InvitationAcceptForm
from core.views_auth import staff_home_url, two_factor_url

from ..services import invitation_accept_and_sign_in, invitation_from_token


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "registration/invitation_invalid.html", status=400)
    form = InvitationAcceptForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept_and_sign_in(
                request=request,
                invitation=invitation,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError:
            return render(request, "registration/invitation_invalid.html", status=400)
        return redirect(two_factor_url(staff_home_url()))
    return render(request, "registration/invitation_accept.html", {"form": form, "invitation": invitation})
