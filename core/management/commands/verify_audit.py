"""Check the audit log's MAC chain against the latest signed checkpoint; exit 1 naming the first bad event."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify_and_record


class Command(BaseCommand):
    help = (
        "Verify the audit log: every event's MAC and link, and the chain's end against the latest signed "
        "checkpoint in AUDIT_CHECKPOINT_FILE (a removed tail, a gap, an edited event, a bad signature)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--checkpoint-file", help="default: AUDIT_CHECKPOINT_FILE")

    def handle(self, *args: object, **options: object) -> None:
        result = audit_verify_and_record(checkpoint_file=options.get("checkpoint_file"))
        if result.broken is not None:
            where = f" at event {result.broken.event_id}" if result.broken.event_id is not None else ""
            raise CommandError(f"Audit log broken{where}: {result.broken.reason}.", returncode=1)
        if result.checkpoint is None:
            self.stdout.write(
                f"Audit log intact: {result.events} events verified. No signed checkpoint yet in "
                f"{options.get('checkpoint_file') or settings.AUDIT_CHECKPOINT_FILE}, so a removed tail cannot "
                "be ruled out: run `manage.py audit_checkpoint` (the beat writes one every 5 minutes)."
            )
            return
        self.stdout.write(
            f"Audit log intact: {result.events} events verified; it holds the signed checkpoint of "
            f"{result.checkpoint.created_at} (event {result.checkpoint.last_event_id}, "
            f"{result.checkpoint.event_count} events)."
        )
