"""Check the audit log's hash chain; exit 1 and name the first broken event if it was tampered with."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify
from core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log and report the first broken link."

    def handle(self, *args: object, **options: object) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(f"Audit log broken at event {broken.event_id}: {broken.reason}.", returncode=1)
        self.stdout.write(f"Audit log intact: {AuditEvent.objects.count()} events verified.")
