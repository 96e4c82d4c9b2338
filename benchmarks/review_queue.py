"""The psychiatrist's review queue at 100 and at 100,000 open cases, on PostgreSQL.

Run from the project root:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketamine_bench .venv/bin/python benchmarks/review_queue.py \
        [--small 100] [--large 100000] [--requests 200]

Works in its own throw-away database (Django's test database for DATABASE_URL, created and dropped here).
Phase 1: one clinic with --small open cases (a mix of urgent and routine, open and claimed); phase 2: the same
clinic grown to --large cases (inserted with generate_series, then VACUUM ANALYZE as autovacuum would). In
each phase a signed-in psychiatrist (second factor verified) GETs the queue's first page through the whole
Django stack in-process (middleware, session, permissions, the page's reads, the audit write, the template):
a warm-up, then --requests timed requests; the median is reported, with the page's SQL query count and the
PostgreSQL plan of the page's main query.

Budget: median at --large within 1.5x of the median at --small (DESIGN.md). Exit status 1 when over budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Keep this folder off the import path, so no script here can shadow a standard-library module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402 - after the path fix above
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BUDGET = 1.5
PASSWORD = "bench-password-2026"  # an account in the benchmark's own database only


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per phase")
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        print("benchmarks/review_queue.py needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    database = settings.DATABASES["default"]
    database["TEST"] = {**database.get("TEST", {}), "NAME": f"bench_queue_{database['NAME']}"}  # not the tests' one
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        clinic, psychiatrist = _clinic()
        client = _signed_in(psychiatrist)
        url = f"/staff/{clinic.slug}/queue/"

        _grow(clinic, psychiatrist, args.small)
        small = _measure(client, url, args.warmup, args.requests)
        small["plan"] = _plan(clinic, psychiatrist)
        _grow(clinic, psychiatrist, args.large)
        large = _measure(client, url, args.warmup, args.requests)
        large["plan"] = plan = _plan(clinic, psychiatrist)
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)

    ratio = large["median"] / small["median"]
    pg = getattr(connection, "pg_version", 0)
    version = f"{pg // 10000}.{pg % 10000}" if pg else "?"
    print(f"PostgreSQL {version}; Python {platform.python_version()} on {platform.machine()}")
    for row in (small, large):
        print(
            f"{row['cases']:>7,} open cases: median {row['median'] * 1000:6.1f} ms, "
            f"p90 {row['p90'] * 1000:6.1f} ms, {row['queries']} queries, {row['rows']} rows on the page; "
            f"in PostgreSQL: {', '.join(_execution_times(row['plan']))}"
        )
    print("plans of the page's reads at the large size:")
    print("    " + "\n    ".join(plan))
    print(f"RESULT ratio={ratio:.2f} (budget < {BUDGET})")
    return 0 if ratio < BUDGET else 1


def _clinic():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinics.models import Membership, Role
    from clinics.services import clinic_create
    from core.models import User

    clinic = clinic_create(
        name="Bench Queue Clinic",
        slug="bench-queue-clinic",
        address_line="1 Main Street",
        city="Portland",
        state="OR",
        postal_code="97201",
        phone="503-555-0100",
        time_zone="America/Los_Angeles",
        dea_number="AB1234563",
        accepting_patients=True,
        states=["OR"],
    )
    psychiatrist = User.objects.create_user(
        email="bench.psychiatrist@example.org", password=PASSWORD, full_name="Dr. Bench"
    )
    Membership.objects.create(user=psychiatrist, clinic=clinic, role=Role.PSYCHIATRIST)
    TOTPDevice.objects.create(user=psychiatrist, name="Authenticator", confirmed=True)
    return clinic, psychiatrist


def _signed_in(user):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def _grow(clinic, psychiatrist, total: int) -> None:
    """Add open cases until the clinic has `total`: real submissions' shape, inserted in bulk by PostgreSQL."""
    import hashlib
    import json
    import random
    import uuid

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from screening.models import ReviewCase, ScreeningResult
    from screening.rules import Policy, evaluate
    from screening.rules.sample import random_document

    have = ReviewCase.objects.filter(clinic=clinic).count()
    if total <= have:
        return
    document = random_document(random.Random(2026), timezone.localdate().isoformat())
    result_row = evaluate(document, Policy()).to_dict()
    # One patient per 100 cases (through the ORM: the user table is not this benchmark's to spell out).
    User = get_user_model()
    numbers = range(have // 100, (total - 1) // 100 + 1)
    existing = set(
        User.objects.filter(email__in=[f"bench.patient.{n}@example.org" for n in numbers]).values_list(
            "email", flat=True
        )
    )
    User.objects.bulk_create(
        [
            User(
                id=uuid.UUID(hashlib.md5(f"u{n}".encode()).hexdigest()),  # noqa: S324 - an id, as md5() in SQL
                email=f"bench.patient.{n}@example.org",
                password="!",
                full_name=f"Patient {n}",
                email_verified=True,
            )
            for n in numbers
            if f"bench.patient.{n}@example.org" not in existing
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        # One draft, one submission, one result and one case per row.
        cursor.execute(
            """
            INSERT INTO intake_intakedraft (id, patient_id, clinic_id, answers, created_at, updated_at, submitted_at)
            SELECT md5('d' || i)::uuid, md5('u' || (i / 100))::uuid, %s, '{}'::jsonb, now(), now(), now()
            FROM generate_series(%s, %s) AS i
            """,
            [clinic.pk, have, total - 1],
        )
        cursor.execute(
            """
            INSERT INTO intake_intakesubmission (id, patient_id, clinic_id, draft_id, version, document,
                                                 consent_version, consent_text, signed_name, submitted_at)
            SELECT md5('s' || i)::uuid, md5('u' || (i / 100))::uuid, %s, md5('d' || i)::uuid, 1, %s::jsonb,
                   'bench', 'bench', 'Patient ' || (i / 100), now() - (i || ' seconds')::interval
            FROM generate_series(%s, %s) AS i
            """,
            [clinic.pk, json.dumps(document), have, total - 1],
        )
        cursor.execute(
            """
            INSERT INTO screening_screeningresult (id, submission_id, version, ruleset, policy_id, outcome, priority,
                                                   result, created_at)
            SELECT md5('r' || i)::uuid, md5('s' || i)::uuid, 1, %s, NULL, 'needs_review',
                   CASE WHEN i %% 20 = 0 THEN 'urgent' ELSE 'routine' END, %s::jsonb, now()
            FROM generate_series(%s, %s) AS i
            """,
            [result_row["ruleset"], json.dumps(result_row), have, total - 1],
        )
        cursor.execute(
            """
            INSERT INTO screening_reviewcase (id, clinic_id, submission_id, result_id, status, priority, due_at,
                                              created_at, updated_at, claimed_by_id, claimed_at)
            SELECT md5('c' || i)::uuid, %s, md5('s' || i)::uuid, md5('r' || i)::uuid,
                   CASE WHEN i %% 7 = 0 THEN 'claimed' ELSE 'open' END,
                   CASE WHEN i %% 20 = 0 THEN 'urgent' ELSE 'routine' END,
                   now() + ((i %% 5000) || ' minutes')::interval - interval '1 day', now(), now(),
                   CASE WHEN i %% 7 = 0 THEN %s::uuid END, CASE WHEN i %% 7 = 0 THEN now() END
            FROM generate_series(%s, %s) AS i
            """,
            [clinic.pk, str(psychiatrist.pk), have, total - 1],
        )
    with connection.cursor() as cursor:
        for table in (
            "core_user",
            "intake_intakedraft",
            "intake_intakesubmission",
            "screening_screeningresult",
            "screening_reviewcase",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    assert ScreeningResult.objects.filter(submission__clinic=clinic).count() == total


def _measure(client, url: str, warmup: int, requests: int) -> dict:
    import re

    from django.db import connection

    from screening.models import ReviewCase

    for _ in range(warmup):
        assert client.get(url).status_code == 200
    captured: list[str] = []

    def count(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200
    rows = len(re.findall(rb'class="card queue-case', response.content))
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    times.sort()
    return {
        "cases": ReviewCase.objects.count(),
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9)],
        "queries": len(captured),
        "rows": rows,
    }


def _execution_times(plan: list[str]) -> list[str]:
    """("rows 0.4 ms", "counts 1.2 ms") from the EXPLAIN ANALYZE output."""
    times, title = [], ""
    for line in plan:
        if line.startswith("-- "):
            title = line[3:]
        elif line.strip().startswith("Execution Time:"):
            times.append(f"{title} {line.split(':')[1].strip()}")
    return times


def _plan(clinic, user) -> list[str]:
    """PostgreSQL's plans for the page's two reads: the rows of page 1 and the capped counts."""
    from django.db import connection
    from django.utils import timezone

    from screening.selectors import COUNT_CAP, QUEUE_PAGE_SIZE, QueueFilters, queue_counts_sql, queue_rows

    rows = queue_rows(clinic=clinic, user=user, filters=QueueFilters())[: QUEUE_PAGE_SIZE + 1]
    rows_sql, rows_params = rows.query.sql_with_params()
    _names, counts_sql, counts_params = queue_counts_sql(clinic=clinic, user=user, now=timezone.now(), cap=COUNT_CAP)
    lines = []
    with connection.cursor() as cursor:
        for title, sql, params in (("rows", rows_sql, rows_params), ("counts", counts_sql, counts_params)):
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql, params)
            lines.append(f"-- {title}")
            lines += [row[0] for row in cursor.fetchall()]
    return lines


if __name__ == "__main__":
    sys.exit(main())
