"""Matrix entries for intake: a patient's own drafts only; staff accounts hold no intake of their own."""

from tests.authz.helpers import Expect, patient_own

EXPECTED = {
    "intake:start": (
        # Sent answers stand (patient: a case is open); other_patient's (seed 2) were found ineligible, so they may
        # apply again and see the start page.
        Expect(statuses={"anonymous": 302, "patient": 302}, default=200),
        Expect(default=302, method="post"),
    ),
    "intake:resume": patient_own(302),
    "intake:step": (patient_own(), patient_own(302, "post")),
    "intake:reach_out": patient_own(),
    # POST only (the name is in the body): a GET is refused before anything is looked up.
    "intake:read_back": (Expect(statuses={"anonymous": 302}, default=405), patient_own(200, "post")),
}
