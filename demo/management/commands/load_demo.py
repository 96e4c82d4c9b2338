"""Demo data for `make run`: idempotent, safe to run on every start."""

from django.core.management.base import BaseCommand

from demo.clinics import load_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic, staff and patients. Safe to run repeatedly."

    def handle(self, *args: object, **options: object) -> None:
        for line in load_demo():
            self.stdout.write(line)
