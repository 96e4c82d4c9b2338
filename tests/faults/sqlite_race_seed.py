"""Seeds a SQLite file for tests/faults/test_sqlite_races.py and prints, as JSON, what the contenders need.

Run as `DATABASE_URL=sqlite:///... python -m tests.faults.sqlite_race_seed N` (the database already migrated):
N psychiatrists signed in (second factor verified) around one open case; N coordinators signed in, each
with a waiting patient of their own to book into the one same slot of one psychiatrist.
"""

import json
import os
import sys

import django


def main(contenders: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from datetime import datetime, time, timedelta

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from clinics.models import Role
    from intake.services import submission_submit
    from scheduling.availability import slot_value
    from scheduling.models import AvailabilityWindow, WorklistEntry
    from screening.models import ReviewCase
    from tests.factories import login_staff, make_staff
    from tests.faults.conftest import IntakeWorld

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = IntakeWorld(psychiatrists=contenders)
    clinic = world.clinic

    def session_of(user) -> str:
        client = Client()
        login_staff(client, user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    patient, draft = world.complete_draft("needs_review")
    case = ReviewCase.objects.get(submission=submission_submit(draft=draft, patient=patient))
    case_kwargs = {"clinic_slug": clinic.slug, "case_id": case.pk}

    psychiatrist = world.psychiatrists[0]
    for weekday in range(7):
        AvailabilityWindow.objects.create(
            clinic=clinic, clinician=psychiatrist, weekday=weekday, start_time=time(8), end_time=time(18)
        )
    zone = clinic.zone
    starts_at = datetime.combine(timezone.now().astimezone(zone).date() + timedelta(days=2), time(10), tzinfo=zone)
    bookers = []
    for _ in range(contenders):
        coordinator = make_staff(clinic, Role.COORDINATOR)
        patient, draft = world.complete_draft("eligible")
        submission = submission_submit(draft=draft, patient=patient)
        entry = WorklistEntry.objects.get(submission=submission)
        url = reverse("scheduling:book", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
        bookers.append({"session": session_of(coordinator), "url": url})
    return {
        "claim": {
            "url": reverse("screening:case_claim", kwargs=case_kwargs),
            "page": reverse("screening:case", kwargs=case_kwargs),
            "sessions": [session_of(p) for p in world.psychiatrists],
            "case_id": str(case.pk),
        },
        "book": {
            "bookers": bookers,
            "form": {"type": "evaluation_90", "clinician": str(psychiatrist.pk), "slot": slot_value(starts_at)},
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
