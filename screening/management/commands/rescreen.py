"""Re-screen every clinic's open submissions, e.g. after a ruleset upgrade: `manage.py rescreen [--clinic SLUG]
[--outdated]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import OuterRef, Subquery

from clinics.models import Clinic
from screening.models import RescreenRun, ScreeningResult
from screening.rules import RULESET
from screening.services import rescreen_candidates, rescreen_run_start
from screening.tasks import rescreen_clinic


class Command(BaseCommand):
    help = "Queue a re-screening of the open (undecided) submissions of every clinic, or of one clinic."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clinic", metavar="SLUG", help="only this clinic")
        parser.add_argument(
            "--reason",
            choices=RescreenRun.Reason.values,
            default=RescreenRun.Reason.RULESET,
            help="recorded with the run (default: ruleset)",
        )
        parser.add_argument(
            "--outdated",
            action="store_true",
            help=f"only clinics with an open submission last screened under a ruleset other than {RULESET} "
            "(safe to run at every start-up)",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="re-screen here, in this process, and print the figures (no worker needed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("name")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        for clinic in clinics:
            if options["outdated"] and not _has_outdated(clinic):
                continue
            run = rescreen_run_start(clinic=clinic, reason=options["reason"], enqueue=not options["wait"])
            if options["wait"]:
                rescreen_clinic.apply(args=[run.pk])
                run.refresh_from_db()
                self.stdout.write(
                    f"{clinic.slug}: {run.done} open submissions, {run.rescreened} re-screened, "
                    f"{run.skipped} already up to date, {run.cases_opened} cases opened, "
                    f"{run.cases_closed} closed, {run.priority_changed} changed priority"
                )
            else:
                self.stdout.write(f"{clinic.slug}: re-screening of {run.total} open submissions queued (run {run.pk})")


def _has_outdated(clinic: Clinic) -> bool:
    """Whether an open submission's newest result was made under another ruleset than this code's."""
    newest = ScreeningResult.objects.filter(submission=OuterRef("pk")).order_by("-version").values("ruleset")[:1]
    return rescreen_candidates(clinic.pk).annotate(ruleset=Subquery(newest)).exclude(ruleset=RULESET).exists()
