"""Authorization matrix entries for the handoffs between roles: the case page's call log and the urgent item opened
by high-risk answers before an intake is sent (psychiatrists act, clinic admins read, everyone else gets 404), and
the patient's reply to a psychiatrist's question (their own intake only)."""

from datetime import timedelta

from django.utils import timezone

from screening.models import IntakeAlert
from tests.authz.helpers import patient_own, staff

EXPECTED = {
    "screening:case_call": staff("psychiatrist_a", method="post"),  # the case page again: what happened is required
    "screening:intake_alert": staff("admin_a", "psychiatrist_a"),
    "screening:intake_alert_acknowledge": staff("psychiatrist_a", status=302, method="post"),
    "screening:intake_alert_call": staff("psychiatrist_a", method="post"),  # the item again: what happened is required
    "patients:reply": patient_own(400, "post"),  # the answer is required
}


def extend(world) -> None:
    """An alert on the world patient's open draft at clinic A (not sent yet, so the page does not redirect)."""
    draft = world.objects["draft"]
    now = timezone.now()
    alert, _ = IntakeAlert.objects.get_or_create(
        draft=draft,
        defaults={
            "clinic": draft.clinic,
            "patient": draft.patient,
            "created_at": now,
            "due_at": now + timedelta(hours=4),
        },
    )
    world.objects["intake_alert"] = alert
    world.kwarg_values["alert_id"] = alert.pk
