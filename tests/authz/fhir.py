"""Authorization matrix entries for the FHIR endpoint and the clinic admin's EHR page.

The endpoint takes the clinic's API key only: a signed-in session, staff or patient, is not a key (401).
"""

import uuid

from tests.authz.helpers import Expect, public, staff

NO_KEY = Expect(default=401)

EXPECTED = {
    "fhir:metadata": public(),
    "fhir:questionnaire": public(),  # the intake's questions only, for an EHR to import
    "fhir:questionnaire_search": public(),
    "fhir:provenance": NO_KEY,
    "fhir:smart_configuration": public(),
    "fhir:smart_token": public(405),  # a GET; the token request is a POST with a signed JWT
    "bulk:group_export": NO_KEY,
    "bulk:patient_export": NO_KEY,
    "bulk:status": NO_KEY,
    "bulk:file": NO_KEY,
    "fhir:unknown": public(404),
    "fhir:patient": NO_KEY,
    "fhir:patient_search": NO_KEY,
    "fhir:response": NO_KEY,
    "fhir:response_search": NO_KEY,
    "screening:ehr": (staff("admin_a"), staff("admin_a", status=400, method="post")),  # a key needs a name
    "screening:ehr_export": staff("admin_a"),
    "screening:api_token_revoke": staff("admin_a", status=302, method="post"),
    "screening:smart_client_add": staff("admin_a", status=400, method="post"),  # needs a name and keys
    "screening:smart_client_revoke": staff("admin_a", status=302, method="post"),
}


def extend(world) -> None:
    """A key of clinic A, for the revoke entry."""
    from clinics.models import SmartClient
    from clinics.services import api_token_create

    token, _ = api_token_create(clinic=world.objects["clinic_a"], name="Matrix EHR", created_by=world.users["admin_a"])
    smart = SmartClient.objects.create(
        clinic=world.objects["clinic_a"],
        name="Matrix client",
        client_id="matrix",
        jwks={"keys": []},
        created_by=world.users["admin_a"],
    )
    world.kwarg_values["client_id"] = smart.pk
    world.kwarg_values.update(
        {
            "token_id": token.pk,
            "path": "Observation",
            "group_id": "clinic-a",
            "name": "Patient-00001.ndjson",
            "job_id": uuid.uuid4(),
        }
    )
