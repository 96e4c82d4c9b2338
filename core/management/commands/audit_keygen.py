"""Print fresh values for AUDIT_KEY and AUDIT_SIGNING_KEY (production needs both; keep them out of the database)."""

import base64
import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print new random AUDIT_KEY and AUDIT_SIGNING_KEY values, for .env or a secrets manager."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"AUDIT_KEY={secrets.token_urlsafe(48)}")
        self.stdout.write(f"AUDIT_SIGNING_KEY={base64.b64encode(secrets.token_bytes(32)).decode()}")
