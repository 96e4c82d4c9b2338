"""Authorization matrix entries for the review queue, case pages, re-screening progress and the patient's
"update my answers" (another clinic's staff and every patient get 404)."""

from django.utils import timezone

from screening.cases import review_due_at
from screening.models import ReviewCase, ScreeningResult
from screening.services import rescreen_run_start
from tests.authz.helpers import patient_own, staff

READERS = ("admin_a", "psychiatrist_a")

EXPECTED = {
    "screening:queue": staff(*READERS),
    "screening:case": staff(*READERS),
    "screening:case_fhir": staff(*READERS),
    "screening:case_claim": staff("psychiatrist_a", status=302, method="post"),  # already theirs: no change
    "screening:case_release": staff(*READERS, status=302, method="post"),
    "screening:case_acknowledge": staff("psychiatrist_a", status=302, method="post"),
    # The world's case is claimed by psychiatrist_a: only they may open the decision pages.
    "screening:case_clear": (
        staff("psychiatrist_a"),
        staff("psychiatrist_a", status=302, method="post"),  # nothing required: cleared
    ),
    "screening:case_decline": (
        staff("psychiatrist_a"),
        staff("psychiatrist_a", status=200, method="post"),  # reason and message required
    ),
    "screening:case_request_info": (
        staff("psychiatrist_a"),
        staff("psychiatrist_a", status=200, method="post"),  # the question is required
    ),
    "screening:case_reassign": staff("admin_a", status=200, method="post"),  # no psychiatrist chosen
    "screening:case_reopen": staff("admin_a", status=302, method="post"),  # not decided: sent back to the case
    "screening:rescreen_progress": staff(*READERS),
    # The case is not waiting for the patient: they are sent back to their submission page.
    "patients:amend": patient_own(302, "post"),
}


def extend(world) -> None:
    """A claimed case of clinic A on the world patient's submission, and a re-screening run of clinic A."""
    submission = world.objects["submission"]
    result = ScreeningResult.objects.filter(submission=submission).order_by("-version").first()
    now = timezone.now()
    case = ReviewCase.objects.filter(submission=submission).first()
    if case is None:
        case = ReviewCase.objects.create(
            clinic=submission.clinic,
            submission=submission,
            result=result,
            priority="routine",
            due_at=review_due_at(priority="routine", start=now, zone=submission.clinic.zone),
        )
    ReviewCase.objects.filter(pk=case.pk).update(
        status=ReviewCase.Status.CLAIMED, claimed_by=world.users["psychiatrist_a"], claimed_at=now, result=result
    )
    run = rescreen_run_start(clinic=world.objects["clinic_a"], enqueue=False)
    world.objects.update(case=case, rescreen_run=run)
    world.kwarg_values["case_id"] = case.pk
    world.kwarg_values["run_id"] = run.pk
