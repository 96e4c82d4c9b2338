"""The read-only FHIR R4 endpoint at /fhir/R4/ for a clinic's EHR integration.

The Questionnaire (the intake's questions, no patient data) and the CapabilityStatement are open; every read of
a patient's records needs the clinic's API key as a Bearer token, reads that clinic's records only (anything
else is 404, like a missing record), and is written to the audit log. Errors are OperationOutcomes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache, wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.operationoutcome import OperationOutcome

from clinics.services import api_token_authenticate
from clinics.smart import Reader, TokenError, access_token_reader, token_issue
from core.audit import audit_record

from . import fhir_api
from .fhir import QUESTIONNAIRE_ID, QUESTIONNAIRE_VERSION, canonical_url, fhir_base, questionnaire

FHIR_JSON = "application/fhir+json; charset=utf-8"
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}
# Parameters every interaction accepts; anything else unknown is refused rather than silently ignored, so a
# misspelt filter never returns more records than the client asked for.
COMMON_PARAMETERS = {"_format"}


def operation_outcome(status: int, code: str, text: str, *, severity: str = "error") -> HttpResponse:
    outcome = OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": text}]}
    )
    response = HttpResponse(outcome.model_dump_json(exclude_none=True), status=status, content_type=FHIR_JSON)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def _resource_response(resource: Any) -> HttpResponse:
    response = HttpResponse(resource.model_dump_json(exclude_none=True), content_type=FHIR_JSON)
    response["Cache-Control"] = "no-store"
    return response


def base_url(request: HttpRequest | None = None) -> str:
    return fhir_base(request)


def authenticate(request: HttpRequest) -> Reader | None:
    """The reader behind the request's Bearer token: a clinic's API key or a SMART access token."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    token = api_token_authenticate(value)
    if token is not None:
        return Reader(clinic=token.clinic, label=f"{token.name} ({token.prefix}…)", api_token=token)
    return access_token_reader(value)


def fhir_view(
    *, parameters: set[str] = frozenset(), token: bool = True, kind: str | None = None, methods: tuple = ("GET", "HEAD")
) -> Callable:
    """GET only (or `methods`); refuses unknown parameters and formats other than JSON; with `token`, needs the
    clinic's key or a SMART access token whose scopes allow `kind` (sets request.fhir_reader)."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt  # no cookies here: a write gets FHIR's 405, not the site's CSRF page
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = operation_outcome(405, "not-supported", "This endpoint is read-only: use GET.")
                response["Allow"] = ", ".join(methods)
                return response
            unknown = sorted(set(request.GET) - parameters - COMMON_PARAMETERS)
            if unknown:
                allowed = ", ".join(sorted(parameters)) or "none"
                return operation_outcome(
                    400, "not-supported", f"Unsupported parameter(s): {', '.join(unknown)}. Supported: {allowed}."
                )
            wanted = request.GET.getlist("_format")
            if any(value not in JSON_FORMATS for value in wanted):
                return operation_outcome(406, "not-supported", "This server answers in FHIR JSON only.")
            if token:
                found = authenticate(request)
                if found is None:
                    return operation_outcome(
                        401,
                        "login",
                        "Send the clinic's API key or a SMART access token as 'Authorization: Bearer <token>'; "
                        "this one is missing, not known, expired, or revoked.",
                    )
                if kind is not None and not found.allows(kind):
                    return operation_outcome(403, "forbidden", f"This access token's scopes do not cover {kind}.")
                request.fhir_reader = found
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _audit(request: HttpRequest, *, interaction: str, resource_type: str, ids: list[str]) -> None:
    reader = request.fhir_reader
    audit_record(
        action="fhir.read",
        clinic=reader.clinic,
        obj=reader.obj,
        request=request,
        detail={
            "key": reader.label,
            "interaction": interaction,
            "type": resource_type,
            "count": len(ids),
            "ids": ids,
        },
    )


def _not_found(resource_type: str, resource_id: str) -> HttpResponse:
    return operation_outcome(404, "not-found", f"{resource_type}/{resource_id} is not known here.")


# --- open ---------------------------------------------------------------------------------------


@cache
def _questionnaire_json() -> str:
    return questionnaire().model_dump_json(exclude_none=True)


@fhir_view(parameters={"url", "version", "_count"}, token=False)
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    """Questionnaire?url=<canonical>[&version=]: the intake when the canonical (and version) are its own."""
    urls, versions = request.GET.getlist("url"), request.GET.getlist("version")
    url_given = [u.split("|", 1) for u in urls]
    found = all(u[0] == canonical_url() and (len(u) == 1 or u[1] == QUESTIONNAIRE_VERSION) for u in url_given)
    found = found and all(v == QUESTIONNAIRE_VERSION for v in versions)
    resources = [questionnaire()] if found else []
    page = fhir_api.Page(resources, len(resources), 0, len(resources))
    if request.GET.get("_count") == "0":
        page = fhir_api.Page([], len(resources), 0, 0)
    here = f"{base_url(request)}/Questionnaire"
    bundle = fhir_api.searchset(
        page, base=base_url(request), self_url=f"{here}?{urlencode(list(request.GET.items()))}", next_url=None
    )
    return HttpResponse(bundle.model_dump_json(exclude_none=True), content_type=FHIR_JSON)


@fhir_view(token=False)
@cache_control(public=True, max_age=3600)
def questionnaire_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    if resource_id != QUESTIONNAIRE_ID:
        return _not_found("Questionnaire", resource_id)
    return HttpResponse(_questionnaire_json(), content_type=FHIR_JSON)


@fhir_view(token=False)
def metadata(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        fhir_api.capability_statement(base=base_url(request)).model_dump_json(exclude_none=True), content_type=FHIR_JSON
    )


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    return operation_outcome(404, "not-supported", f"{path} is not served here; see {base_url(request)}/metadata.")


# --- with the clinic's key ----------------------------------------------------------------------


@fhir_view(kind="Patient")
def patient_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = fhir_api.patient_read(request.fhir_reader.clinic, resource_id)
    if resource is None:
        return _not_found("Patient", resource_id)
    _audit(request, interaction="read", resource_type="Patient", ids=[resource.id])
    return _resource_response(resource)


@fhir_view(kind="QuestionnaireResponse")
def response_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = fhir_api.response_read(request.fhir_reader.clinic, resource_id)
    if resource is None:
        return _not_found("QuestionnaireResponse", resource_id)
    _audit(request, interaction="read", resource_type="QuestionnaireResponse", ids=[resource.id])
    return _resource_response(resource)


def _paging(request: HttpRequest) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        if not value:
            return default
        if not (value.isascii() and value.isdigit() and len(value) <= 9):  # "²" is a digit; 10**40 overflows
            raise fhir_api.SearchError(f"{name} must be a whole number below 1,000,000,000, not {value}.")
        return int(value)

    # _count=0 asks for the total only (a searchset with no entries).
    return number("_offset", 0), min(number("_count", fhir_api.PAGE_SIZE), fhir_api.PAGE_SIZE_MAX)


def _search(request: HttpRequest, resource_type: str, run: Callable[..., fhir_api.Page]) -> HttpResponse:
    clinic = request.fhir_reader.clinic
    try:
        offset, count = _paging(request)
        lookups = fhir_api.last_updated_filter(request.GET.getlist("_lastUpdated"), zone=fhir_api.SERVER_ZONE)
        page = run(clinic, last_updated=lookups, offset=offset, count=count)
    except fhir_api.SearchError as error:
        return operation_outcome(400, "invalid", str(error))
    query = [(name, value) for name, values in request.GET.lists() for value in values if name != "_offset"]
    here = f"{base_url(request)}/{resource_type}"
    self_url = f"{here}?{urlencode([*query, ('_offset', offset)])}"
    next_url = f"{here}?{urlencode([*query, ('_offset', offset + count)])}" if page.has_next else None
    bundle = fhir_api.searchset(page, base=base_url(request), self_url=self_url, next_url=next_url)
    _audit(request, interaction="search", resource_type=resource_type, ids=[r.id for r in page.resources])
    return _resource_response(bundle)


@fhir_view(parameters={"_lastUpdated", "_count", "_offset"}, kind="Patient")
def patient_search(request: HttpRequest) -> HttpResponse:
    return _search(request, "Patient", fhir_api.patient_search)


@fhir_view(parameters={"patient", "subject", "_lastUpdated", "_count", "_offset"}, kind="QuestionnaireResponse")
def response_search(request: HttpRequest) -> HttpResponse:
    patients = request.GET.getlist("patient") + request.GET.getlist("subject")
    if len(patients) > 1:
        return operation_outcome(400, "invalid", "Give one patient per search.")

    def run(clinic: Any, **kwargs: Any) -> fhir_api.Page:
        return fhir_api.response_search(clinic, patient=patients[0] if patients else None, **kwargs)

    return _search(request, "QuestionnaireResponse", run)


@fhir_view(kind="Provenance")
def provenance_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = fhir_api.provenance_read(request.fhir_reader.clinic, resource_id)
    if resource is None:
        return _not_found("Provenance", resource_id)
    _audit(request, interaction="read", resource_type="Provenance", ids=[resource.id])
    return _resource_response(resource)


@fhir_view(kind="Binary")
def binary_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """A document's file (a DocumentReference's attachment.url), as its own type: PDF, JPEG or PNG."""
    from .downloads import document_response
    from .selectors_documents import document_for_staff

    reader = request.fhir_reader
    document = (
        document_for_staff(clinic=reader.clinic, document_id=resource_id) if fhir_api._uuid(resource_id) else None
    )
    if document is None:
        return _not_found("Binary", resource_id)
    return document_response(request, document, actor=None, via="fhir", key=reader.label)


@fhir_view(kind="DocumentReference")
def document_reference_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    from .fhir_documents import document_reference_read as read

    resource = read(request.fhir_reader.clinic, resource_id)
    if resource is None:
        return _not_found("DocumentReference", resource_id)
    _audit(request, interaction="read", resource_type="DocumentReference", ids=[resource.id])
    return _resource_response(resource)


@fhir_view(parameters={"patient", "subject", "_lastUpdated", "_count", "_offset"}, kind="DocumentReference")
def document_reference_search(request: HttpRequest) -> HttpResponse:
    from .fhir_documents import document_reference_search as search

    patients = request.GET.getlist("patient") + request.GET.getlist("subject")
    if len(patients) > 1:
        return operation_outcome(400, "invalid", "Give one patient per search.")

    def run(clinic: Any, **kwargs: Any) -> fhir_api.Page:
        return search(clinic, patient=patients[0] if patients else None, **kwargs)

    return _search(request, "DocumentReference", run)


# --- SMART Backend Services ---------------------------------------------------------------------


def token_url(request: HttpRequest) -> str:
    return f"{base_url(request)}/auth/token"


@csrf_exempt
def smart_configuration(request: HttpRequest) -> HttpResponse:
    """.well-known/smart-configuration: where to get a token, and how (SMART App Launch 2.x)."""
    from clinics.smart import ALGORITHMS, SCOPE_TYPES

    if request.method not in ("GET", "HEAD"):
        return operation_outcome(405, "not-supported", "Use GET.")
    body = {
        "token_endpoint": token_url(request),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": ["system/*.read", *(f"system/{kind}.read" for kind in SCOPE_TYPES)],
        "capabilities": ["client-confidential-asymmetric"],
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


@csrf_exempt
def smart_token(request: HttpRequest) -> HttpResponse:
    """POST grant_type=client_credentials with a signed JWT assertion: a short-lived access token (OAuth 2.0
    answers and errors, as JSON, never cached)."""
    if request.method != "POST":
        response = HttpResponse(
            json.dumps({"error": "invalid_request", "error_description": "POST the token request."}),
            status=405,
            content_type="application/json",
        )
        response["Allow"] = "POST"
        return response
    try:
        body = token_issue(form=request.POST.dict(), token_url=token_url(request))
        status = 200
    except TokenError as error:
        body, status = {"error": error.code, "error_description": error.description}, 400
        if error.code == "invalid_client":
            status = 401
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
