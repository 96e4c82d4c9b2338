"""Write a signed checkpoint of the audit chain's head now (the beat runs the same code every 5 minutes)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.audit import audit_checkpoint


class Command(BaseCommand):
    help = "Sign the audit chain's head (last event, its MAC, the count) into AUDIT_CHECKPOINT_FILE and the database."

    def handle(self, *args: object, **options: object) -> None:
        checkpoint = audit_checkpoint()
        if checkpoint is None:
            self.stdout.write("The audit log is empty: nothing to checkpoint.")
            return
        self.stdout.write(
            f"Checkpoint written to {settings.AUDIT_CHECKPOINT_FILE}: event {checkpoint.last_event_id}, "
            f"{checkpoint.event_count} events."
        )
