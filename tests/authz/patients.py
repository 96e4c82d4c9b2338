"""Matrix entries for the patient's home and sent intakes: their own records only."""

from tests.authz.helpers import Expect, patient_own

EXPECTED = {
    "patients:dashboard": Expect(
        statuses={"patient": 200, "other_patient": 200, "other_clinic_patient": 200}, default=302
    ),  # with nothing started, a user is sent to the clinic directory
    "patients:submission": patient_own(),
    "patients:submission_help": patient_own(),
}
