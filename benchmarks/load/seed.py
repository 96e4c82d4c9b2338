"""What the users need in the benchmark's database: a clinic, its staff, fresh patients, prepared drafts."""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta

from .common import CLINIC_SLUG, PASSWORD, SCENARIO_WEIGHTS


@dataclass
class StaffAccount:
    email: str
    role: str
    totp_key: bytes


@dataclass
class Seeded:
    clinic_slug: str
    staff: list[StaffAccount]
    patients: list[str]  # e-mail addresses of fresh patient accounts (one journey each)
    prepared: list[tuple[str, str]]  # (session key, draft id): signed-in patients with a complete draft
    psychiatrist_ids: list[str] = field(default_factory=list)  # whom coordinators book evaluations with


def _scenario_names(rng: random.Random, n: int) -> list[str]:
    names = list(SCENARIO_WEIGHTS)
    return rng.choices(names, weights=[SCENARIO_WEIGHTS[k] for k in names], k=n)


def seed(args: argparse.Namespace, run_id: str) -> Seeded:
    """A clinic serving OR and WA, its staff (password + TOTP), fresh patients, and prepared drafts."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinics.models import Clinic, Membership, Role
    from clinics.services import clinic_create
    from core.services import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
    from intake import steps
    from intake.models import IntakeDraft
    from scheduling.models import AvailabilityWindow
    from tests.intake.answers import raw_answers, scenario

    User = get_user_model()
    rng = random.Random(run_id)
    clinic = Clinic.objects.filter(slug=CLINIC_SLUG).first() or clinic_create(
        states=["OR", "WA"],
        name="Bench Ketamine Clinic",
        slug=CLINIC_SLUG,
        address_line="1 Benchmark Way",
        city="Portland",
        state="OR",
        postal_code="97201",
        phone="503-555-0199",
        time_zone="America/Los_Angeles",
        dea_number="AB1234563",
        description="The load benchmark's clinic.",
    )
    password_hash = make_password(PASSWORD)  # once: every bench account shares it (real Argon2id at sign-in)

    staff = []
    # One account per staff user of the mix (a clinic of that size); a TOTP code works once per 30 s window,
    # so each account signs in once and keeps its session through the run, as staff do through a day.
    roles = mix_roles(args)  # one account per staff user: each signs in with its own second factor
    counts = {role: max(roles.count(role), 1) for role in (Role.PSYCHIATRIST, Role.COORDINATOR, Role.CLINIC_ADMIN)}
    for role, count in counts.items():
        Membership.objects.filter(clinic=clinic, role=role, user__email__startswith=f"bench-{role}-").exclude(
            user__email__in=[f"bench-{role}-{i}@bench.example" for i in range(count)]
        ).update(is_active=False)
        for i in range(count):
            email = f"bench-{role}-{i}@bench.example"
            user, _ = User.objects.get_or_create(
                email=email, defaults={"full_name": f"Bench {role} {i}", "password": password_hash}
            )
            if not user.email_verified or user.password != password_hash:
                User.objects.filter(pk=user.pk).update(password=password_hash, email_verified=True)
            Membership.objects.update_or_create(user=user, clinic=clinic, defaults={"role": role, "is_active": True})
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                user=user, name="Bench authenticator", confirmed=True
            )
            staff.append(StaffAccount(email=email, role=role, totp_key=device.bin_key))
            if (
                role in (Role.PSYCHIATRIST, Role.COORDINATOR)
                and not AvailabilityWindow.objects.filter(clinic=clinic, clinician=user).exists()
            ):  # every day 8:00-18:00 (clinic time), so there are free times whatever day the run is
                AvailabilityWindow.objects.bulk_create(
                    AvailabilityWindow(
                        clinic=clinic, clinician=user, weekday=day, start_time=clock(8), end_time=clock(18)
                    )
                    for day in range(7)
                )

    patients = [f"bench-{run_id}-p{i}@bench.example" for i in range(args.patient_accounts)]
    User.objects.bulk_create(
        [
            User(email=email, full_name="Bench Patient", password=password_hash, email_verified=True)
            for email in patients
        ],
        batch_size=2000,
    )

    pool_emails = [f"bench-{run_id}-s{i}@bench.example" for i in range(args.submit_pool)]
    pool_users = User.objects.bulk_create(
        [
            User(email=email, full_name="Bench Patient", password=password_hash, email_verified=True)
            for email in pool_emails
        ],
        batch_size=2000,
    )
    answers = {name: raw_answers(scenario(name)) for name in SCENARIO_WEIGHTS}
    for name, value in answers.items():
        assert steps.check(value, clinic).complete, f"scenario {name} does not complete the wizard"
    drafts = IntakeDraft.objects.bulk_create(
        [
            IntakeDraft(patient=user, clinic=clinic, answers=answers[name])
            for user, name in zip(pool_users, _scenario_names(rng, len(pool_users)), strict=True)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    sessions = []
    prepared = []
    for user, draft in zip(pool_users, drafts, strict=True):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SESSION_STARTED_KEY: now.timestamp(),
            SESSION_LAST_ACTIVITY_KEY: now.timestamp(),
        }
        sessions.append(
            Session(session_key=key, session_data=SessionStore().encode(data), expire_date=now + timedelta(hours=2))
        )
        prepared.append((key, str(draft.pk)))
    Session.objects.bulk_create(sessions, batch_size=2000)
    psychiatrists = [
        str(pk)
        for pk in User.objects.filter(email__in=[a.email for a in staff if a.role == Role.PSYCHIATRIST]).values_list(
            "pk", flat=True
        )
    ]
    return Seeded(
        clinic_slug=clinic.slug, staff=staff, patients=patients, prepared=prepared, psychiatrist_ids=psychiatrists
    )


def mix_roles(args: argparse.Namespace) -> list[str]:
    """Each user's role, user by user: the mix's shares repeated over --users."""
    pattern = ["patient"] * args.mix[0] + ["psychiatrist"] * args.mix[1] + ["coordinator"] * args.mix[2]
    pattern += ["clinic_admin"] * args.mix[3]
    return [pattern[i % len(pattern)] for i in range(args.users)]
