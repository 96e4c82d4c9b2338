"""The intake Questionnaire at its canonical URL, for an EHR to import (no patient data: no sign-in)."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from fhir.resources.R4B.operationoutcome import OperationOutcome

from .fhir import QUESTIONNAIRE_ID, questionnaire

FHIR_JSON = "application/fhir+json; charset=utf-8"


@cache
def _questionnaire_json() -> str:
    return questionnaire().model_dump_json(exclude_none=True)


def operation_outcome(status: int, code: str, text: str) -> HttpResponse:
    outcome = OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
    )
    return HttpResponse(outcome.model_dump_json(exclude_none=True), status=status, content_type=FHIR_JSON)


@require_GET
@cache_control(public=True, max_age=3600)
def questionnaire_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    if resource_id != QUESTIONNAIRE_ID:
        return operation_outcome(404, "not-found", f"Questionnaire/{resource_id} is not known here.")
    return HttpResponse(_questionnaire_json(), content_type=FHIR_JSON)
