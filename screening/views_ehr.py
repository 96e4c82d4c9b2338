"""The clinic admin's EHR page: the clinic's cases as a FHIR NDJSON export (streamed, audited) and the API keys
an EHR integration reads the FHIR endpoint with (made, shown once, revoked; each audited by its service)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.forms import ApiTokenForm, SmartClientForm
from clinics.models import Role
from clinics.selectors import api_token_in_clinic, api_tokens, smart_client_in_clinic, smart_clients
from clinics.services import api_token_create, api_token_revoke
from clinics.smart import smart_client_create, smart_client_revoke
from core.audit import audit_record
from intake.fhir import QUESTIONNAIRE_ID, fhir_base

from .fhir import RESOURCE_TYPES, bulk_zip
from .forms import FhirExportForm

admins = clinic_role_required(Role.CLINIC_ADMIN)


def _render(
    request: HttpRequest,
    *,
    export_form: FhirExportForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_key: str = "",
    client_form: SmartClientForm | None = None,
    status: int = 200,
) -> HttpResponse:
    base = fhir_base(request)
    context: dict[str, Any] = {
        "clinic": request.clinic,
        "membership": request.membership,
        "tab": "ehr",
        "export_form": export_form or FhirExportForm(),
        "token_form": token_form or ApiTokenForm(),
        "tokens": list(api_tokens(request.clinic)),
        "new_key": new_key,
        "client_form": client_form or SmartClientForm(prefix="client"),
        "smart_clients": list(smart_clients(request.clinic)),
        "resource_types": RESOURCE_TYPES,
        "fhir_base": base,
        "questionnaire_url": f"{base}/Questionnaire/{QUESTIONNAIRE_ID}",
    }
    response = render(request, "screening/ehr.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may show a new key
    return response


@require_http_methods(["GET", "POST"])
@admins
def ehr(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """GET: the page. POST: a new API key, shown on the page this once (it is stored only as a hash)."""
    if request.method == "GET":
        return _render(request)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _, key = api_token_create(
                clinic=request.clinic, name=form.cleaned_data["name"], created_by=request.user, request=request
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return _render(request, new_key=key)
    return _render(request, token_form=form, status=400)


@require_GET
@admins
def ehr_export(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's cases submitted in the period as one zip of NDJSON files, streamed; audited first."""
    form = FhirExportForm(request.GET)
    if not form.is_valid():
        return _render(request, export_form=form, status=400)
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    clinic = request.clinic
    audit_record(
        action="clinic.fhir_export",
        actor=request.user,
        clinic=clinic,
        obj=clinic,
        request=request,
        detail={"since": str(since or ""), "until": str(until or ""), "via": "page"},
    )
    today = timezone.localdate(timezone=clinic.zone)
    response = StreamingHttpResponse(bulk_zip(clinic=clinic, since=since, until=until), content_type="application/zip")
    period = f"{since or 'first'}-to-{until or today}"
    response["Content-Disposition"] = f'attachment; filename="{clinic.slug}-fhir-{period}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@admins
def api_token_revoke_view(request: HttpRequest, clinic_slug: str, token_id: Any) -> HttpResponse:
    token = api_token_in_clinic(request.clinic, token_id)
    if token is None:
        raise Http404("No such key.")
    api_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, f"The key \u201c{token.name}\u201d is revoked: the EHR can no longer read with it.")
    return redirect("screening:ehr", clinic_slug=clinic_slug)


@require_POST
@admins
def smart_client_add(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Register a SMART backend client with its public keys; its client_id is shown on the page."""
    form = SmartClientForm(request.POST, prefix="client")
    if form.is_valid():
        try:
            client = smart_client_create(
                clinic=request.clinic,
                name=form.cleaned_data["name"],
                jwks=form.cleaned_data["jwks"],
                created_by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error("name" if "name" in str(error) else "jwks", error)
        else:
            messages.success(request, f"\u201c{client.name}\u201d is registered. Its client_id is {client.client_id}.")
            return redirect("screening:ehr", clinic_slug=clinic_slug)
    return _render(request, client_form=form, status=400)


@require_POST
@admins
def smart_client_revoke_view(request: HttpRequest, clinic_slug: str, client_id: Any) -> HttpResponse:
    client = smart_client_in_clinic(request.clinic, client_id)
    if client is None:
        raise Http404("No such client.")
    smart_client_revoke(client=client, actor=request.user, request=request)
    messages.success(request, f"\u201c{client.name}\u201d is revoked: its tokens stopped working.")
    return redirect("screening:ehr", clinic_slug=clinic_slug)
