"""The read-only FHIR endpoint's reads: one clinic's patients and QuestionnaireResponses, searched by patient and
`_lastUpdated`, as validated resources and searchset Bundles. No HTTP here (intake/views_fhir.py is the door).

A patient is the clinic's when they submitted an intake there; their Patient resource is last updated when
their latest submission there was made. A QuestionnaireResponse is last updated when its version was submitted
(versions are never edited: an amendment is a new response).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max, QuerySet
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.meta import Meta

from .fhir import QUESTIONNAIRE_ID, amendment_provenance, patient_resource, questionnaire_response
from .models import IntakeSubmission

RESPONSE_PREFIX = "submission-"
PROVENANCE_PREFIX = "amendment-"
# The zone a bare date in a search is read in (FHIR: a date is the whole day in the server's zone).
SERVER_ZONE = ZoneInfo("UTC")
PAGE_SIZE = 50
PAGE_SIZE_MAX = 200


class SearchError(ValueError):
    """A search the endpoint cannot answer faithfully; the message says what to send instead."""


# --- _lastUpdated --------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(?P<prefix>eq|gt|ge|lt|le)?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}:\d{2}))?)?)?$"
)


def _interval(match: re.Match, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The span of time the value names at its precision: a year, a month, a day, a minute or a second.
    A date without a time is that whole day in the server's zone (SERVER_ZONE, stated in the CapabilityStatement),
    as FHIR reads dates: the same for every clinic and every client."""
    year, month, day = int(match["year"]), int(match["month"] or 1), int(match["day"] or 1)
    if match["hour"] is None:
        start = datetime(year, month, day, tzinfo=zone)
        if match["day"]:
            end = start + timedelta(days=1)
        elif match["month"]:
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        else:
            end = datetime(year + 1, 1, 1, tzinfo=zone)
        return start, end
    offset = datetime.fromisoformat(f"2000-01-01T00:00{'+00:00' if match['zone'] == 'Z' else match['zone']}").tzinfo
    second = match["second"]
    start = datetime(year, month, day, int(match["hour"]), int(match["minute"]), int(second or 0), tzinfo=offset)
    return start, start + timedelta(seconds=1 if second else 60)


def last_updated_filter(values: list[str], *, zone: ZoneInfo) -> dict[str, datetime]:
    """`_lastUpdated` values (each may repeat; all must hold) as lookups on the time field: gte / lt."""
    lookups: dict[str, datetime] = {}

    def tighten(lookup: str, when: datetime) -> None:
        current = lookups.get(lookup)
        if current is None or (when > current if lookup == "gte" else when < current):
            lookups[lookup] = when

    for value in values:
        match = _DATE.match(value.strip())
        try:
            if match is None or not 1900 <= int(match["year"]) <= 2999:  # no record is outside these years
                raise ValueError
            start, end = _interval(match, zone)
        except (ValueError, OverflowError):  # year 9999 plus a day or a zone overflows
            raise SearchError(
                f"_lastUpdated={value} is not a date this server reads. Send e.g. ge2026-11-01 or "
                "lt2026-12-01T09:00:00Z (prefixes eq, gt, ge, lt, le; a time needs its zone)."
            ) from None
        prefix = match["prefix"] or "eq"
        if prefix in ("eq", "ge"):
            tighten("gte", start)
        if prefix == "gt":
            tighten("gte", end)
        if prefix in ("eq", "le"):
            tighten("lt", end)
        if prefix == "lt":
            tighten("lt", start)
    return lookups


def _time_lookups(field: str, lookups: dict[str, datetime]) -> dict[str, datetime]:
    return {f"{field}__{name}": when for name, when in lookups.items()}


# --- reads -----------------------------------------------------------------------------------------


def _with_meta(resource: Any, last_updated: datetime) -> Any:
    resource.meta = Meta(lastUpdated=last_updated)
    return resource


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _submissions(clinic: Any) -> QuerySet[IntakeSubmission]:
    return IntakeSubmission.objects.filter(clinic=clinic).select_related("patient", "draft")


def patient_read(clinic: Any, patient_id: str) -> Any | None:
    """The Patient as the clinic knows them (from their latest submission there), or None when not the clinic's."""
    found = _uuid(patient_id)
    latest = _submissions(clinic).filter(patient_id=found).order_by("-submitted_at").first() if found else None
    if latest is None:
        return None
    return _with_meta(patient_resource(latest), latest.submitted_at)


def response_read(clinic: Any, response_id: str) -> Any | None:
    """One submitted version's QuestionnaireResponse, or None when not the clinic's (or not expressible)."""
    found = _uuid(response_id.removeprefix(RESPONSE_PREFIX)) if response_id.startswith(RESPONSE_PREFIX) else None
    submission = _submissions(clinic).filter(pk=found).first() if found else None
    if submission is None:
        return None
    resource = questionnaire_response(submission)
    return _with_meta(resource, submission.submitted_at) if resource else None


def provenance_read(clinic: Any, provenance_id: str) -> Any | None:
    """The Provenance linking an amendment's response to the one it replaces, or None."""
    prefix = PROVENANCE_PREFIX
    found = _uuid(provenance_id.removeprefix(prefix)) if provenance_id.startswith(prefix) else None
    submission = _submissions(clinic).filter(pk=found, amends__isnull=False).first() if found else None
    resource = amendment_provenance(submission) if submission else None
    return _with_meta(resource, submission.submitted_at) if resource else None


@dataclass(frozen=True)
class Page:
    resources: list[Any]
    total: int
    offset: int
    count: int
    left_out: int = 0  # versions whose answers cannot be given as FHIR (the frozen document is the record)

    @property
    def has_next(self) -> bool:
        return self.count > 0 and self.offset + self.count < self.total


def response_search(
    clinic: Any, *, patient: str | None, last_updated: dict[str, datetime], offset: int, count: int
) -> Page:
    rows = _submissions(clinic).filter(**_time_lookups("submitted_at", last_updated))
    if patient is not None:
        patient_id = _uuid(patient.removeprefix("Patient/"))
        if patient_id is None:
            raise SearchError(f"patient={patient} is not a Patient id of this server (Patient/<id>).")
        rows = rows.filter(patient_id=patient_id)
    total = rows.count()
    resources, left_out = [], 0
    for submission in rows.order_by("submitted_at", "pk")[offset : offset + count]:
        resource = questionnaire_response(submission)
        if resource is None:
            left_out += 1
            continue
        resources.append(_with_meta(resource, submission.submitted_at))
    return Page(resources, total, offset, count, left_out)


def patient_search(clinic: Any, *, last_updated: dict[str, datetime], offset: int, count: int) -> Page:
    latest = (
        IntakeSubmission.objects.filter(clinic=clinic)
        .values("patient_id")
        .annotate(last=Max("submitted_at"))
        .filter(**_time_lookups("last", last_updated))
    )
    total = latest.count()
    picked = list(latest.order_by("last", "patient_id")[offset : offset + count])
    last = {p["patient_id"]: p["last"] for p in picked}
    by_patient = {
        row.patient_id: row
        for row in _submissions(clinic).filter(patient_id__in=last, submitted_at__in=last.values())
        if row.submitted_at == last[row.patient_id]
    }
    resources = [
        _with_meta(patient_resource(by_patient[p["patient_id"]]), p["last"])
        for p in picked
        if p["patient_id"] in by_patient
    ]
    return Page(resources, total, offset, count)


def searchset(page: Page, *, base: str, self_url: str, next_url: str | None) -> Bundle:
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{base}/{resource.get_resource_type()}/{resource.id}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in page.resources
    ]
    if page.left_out:
        entries.append(
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "warning",
                            "code": "incomplete",
                            "diagnostics": f"{page.left_out} submitted version(s) on this page cannot be given as "
                            "a QuestionnaireResponse (their stored answers no longer rebuild the frozen intake); "
                            "the case download on the staff site still holds them.",
                        }
                    ],
                },
                "search": {"mode": "outcome"},
            }
        )
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": timezone.now().isoformat(),
            "total": page.total,
            "link": links,
            "entry": entries,
        }
    )


# --- what the server can do ---------------------------------------------------------------------

# The resources served (Patient, Questionnaire, QuestionnaireResponse, Bundle, OperationOutcome) are built with
# the R4B models, whose definitions of these are R4's; clients of this /R4/ base expect 4.0.1.
FHIR_VERSION = "4.0.1"
CAPABILITY_DATE = date(2026, 12, 6)

_LAST_UPDATED = {
    "name": "_lastUpdated",
    "type": "date",
    "documentation": "When the record last changed: prefixes eq, gt, ge, lt, le; repeat to give a range. A date "
    "without a time (2026-12-06) is that whole day in UTC, this server's time zone; a time needs its zone.",
}


def capability_statement(*, base: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": CAPABILITY_DATE.isoformat(),
            "kind": "instance",
            "software": {"name": "Ketamine clinic intake"},
            "implementation": {"description": "Read-only FHIR endpoint for a clinic's EHR integration", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "extension": [
                            {
                                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                                "extension": [{"url": "token", "valueUri": f"{base}/auth/token"}],
                            }
                        ],
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ]
                            }
                        ],
                        "description": "Send the clinic's API key (created by a clinic admin on the staff site, "
                        "EHR tab) or a SMART Backend Services access token (a registered client's signed JWT "
                        "traded at auth/token; see .well-known/smart-configuration) as 'Authorization: Bearer "
                        "<token>'. Either reads that clinic's records only. The Questionnaire and this statement "
                        "need no key.",
                    },
                    "operation": [
                        {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}
                    ],
                    "resource": [
                        {
                            "type": "Questionnaire",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {"name": "url", "type": "uri", "documentation": "The canonical (url|version too)."},
                                {"name": "version", "type": "token"},
                            ],
                            "documentation": f"The intake: Questionnaire/{QUESTIONNAIRE_ID}.",
                        },
                        {
                            "type": "Group",
                            "documentation": "Group/<clinic slug> is the clinic's patients, for $export only.",
                            "operation": [
                                {
                                    "name": "export",
                                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
                                }
                            ],
                        },
                        {
                            "type": "Patient",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "operation": [
                                {
                                    "name": "export",
                                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                                }
                            ],
                            "searchParam": [_LAST_UPDATED],
                        },
                        {
                            "type": "QuestionnaireResponse",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {
                                    "name": "patient",
                                    "type": "reference",
                                    "documentation": "The patient's responses: patient=<id> or Patient/<id>.",
                                },
                                _LAST_UPDATED,
                            ],
                        },
                        {
                            "type": "Provenance",
                            "interaction": [{"code": "read"}],
                            "documentation": "How an amended intake links to the version it replaces: "
                            "Provenance/amendment-<id>, target the new response, entity (role revision) the old.",
                        },
                        {
                            "type": "DocumentReference",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {
                                    "name": "patient",
                                    "type": "reference",
                                    "documentation": "The patient's documents: patient=<id> or Patient/<id>.",
                                },
                                _LAST_UPDATED,
                            ],
                            "documentation": "Documents the patient sent or staff attached; each attachment.url is "
                            "the file's Binary.",
                        },
                        {
                            "type": "Binary",
                            "interaction": [{"code": "read"}],
                            "documentation": "A document's file, as its own type (PDF, JPEG or PNG): the url of each "
                            "DocumentReference in the bulk export.",
                        },
                    ],
                }
            ],
        }
    )
