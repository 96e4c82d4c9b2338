"""Matrix entries for the coordinators' worklist and the notifications inbox, and their world records."""

from core.models import Notification
from core.outbox import outbox_add
from scheduling.models import WorklistEntry
from scheduling.worklist import put_on_worklist
from tests.authz.helpers import Expect, patient_own, signed_in, staff

WORKLIST = ("coordinator_a", "admin_a")

EXPECTED = {
    # Minimum necessary: coordinators and clinic admins; psychiatrists have the review queue instead.
    "scheduling:worklist": staff(*WORKLIST),
    "scheduling:worklist_entry": (
        staff(*WORKLIST),
        staff(*WORKLIST, method="post"),  # an empty form comes back with its errors
    ),
    "scheduling:worklist_unreachable": staff(*WORKLIST, status=302, method="post"),
    # Everyone signed in has an inbox; a notification is opened only by its recipient.
    "notifications:inbox": signed_in(),
    "notifications:read_all": signed_in(302, "post"),
    "notifications:read": patient_own(302, "post"),
}


def extend(world) -> None:
    patient = world.users["patient"]
    entry = put_on_worklist(submission=world.objects["submission"], source=WorklistEntry.Source.CLEARED)
    notification = outbox_add(
        kind="submission.received", recipient=patient, obj=world.objects["submission"], clinic=world.objects["clinic_a"]
    )
    assert Notification.objects.filter(pk=notification.pk).exists()
    world.objects.update(worklist_entry=entry, notification=notification)
    world.kwarg_values["entry_id"] = entry.pk
    world.kwarg_values["notification_id"] = notification.pk


__all__ = ["EXPECTED", "Expect", "extend"]
