"""Scale: each staff and patient page at a clinic with 100 submissions and at one with 100,000.

Run from the project root (PostgreSQL running):
    .venv/bin/python benchmarks/scale.py [--requests 30] [--fresh]

Seeds (or reuses) two clinics with `manage.py seed_scale` in DATABASE_URL (default: its own database,
ketamine_scale, created when missing), then times every page that exists at run time - review queue, case,
worklist, worklist entry, calendar, appointment, dashboard, audit log, inbox, patient dashboard and result -
with Django's test Client in this process (no HTTP, no other load): the median of --requests requests after
a warm-up, and the number of SQL queries. Budget: the page at 100,000 within 1.5x of the page at 100
(indexes, keyset or bounded pagination, aggregates that use indexes). Exit status 1 when a page misses it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Not benchmarks/ itself: a script there must never shadow a standard-library module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketamine_scale"
BUDGET = 1.5
SMALL, LARGE = ("scale-100", 100), ("scale-100k", 100_000)


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    role: str  # psychiatrist, coordinator, clinic_admin or patient
    record: str = ""  # which record fills the URL's id: case, entry, appointment, submission


PAGES = (
    Page("review queue", "screening:queue", "psychiatrist"),
    Page("case", "screening:case", "psychiatrist", "case"),
    Page("worklist", "scheduling:worklist", "coordinator"),
    Page("worklist entry", "scheduling:worklist_entry", "coordinator", "entry"),
    Page("calendar", "scheduling:calendar", "coordinator"),
    Page("appointment", "scheduling:appointment", "coordinator", "appointment"),
    Page("dashboard", "dashboard:dashboard", "clinic_admin"),
    Page("audit log", "clinics:audit_log", "clinic_admin"),
    Page("inbox (psychiatrist)", "notifications:inbox", "psychiatrist"),
    Page("staff home", "clinics:staff_home", "psychiatrist"),
    Page("patient dashboard", "patients:dashboard", "patient"),
    Page("patient result", "patients:submission", "patient", "submission"),
)


def prepare(args: argparse.Namespace) -> None:
    """Database, migrations and the two seeded clinics (seed_scale tops up, so a second run reuses them)."""
    env = dict(os.environ, DJANGO_ENV="development", DEBUG="false", REDIS_URL="", LOG_LEVEL="WARNING")
    url = env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.update(env)
    if urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing a non-loopback database: {url}")
    if url.startswith("postgres"):
        _database(url, fresh=args.fresh)
    else:
        print("warning: not PostgreSQL; the figures are not the ones the budget is about", file=sys.stderr)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    for slug, n in (SMALL, (LARGE[0], args.large)):
        started = time.monotonic()
        subprocess.run(
            [*manage, "seed_scale", "--submissions", str(n), "--clinic", slug], cwd=ROOT, env=env, check=True
        )
        print(f"{slug}: {n} submissions ready ({time.monotonic() - started:.0f} s)")


def _database(url: str, *, fresh: bool) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres"
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            if fresh:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def _client(user: Any, staff: bool):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    if staff:  # signed in with the second factor, as tests.factories.login_staff does
        session = client.session
        session["otp_device_id"] = TOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
        session.save()
    return client


def _records(clinic: Any) -> dict[str, Any]:
    """Comparable records at both clinics: the newest of each kind (same state where it matters)."""
    from intake.models import IntakeSubmission
    from scheduling.models import Appointment, WorklistEntry
    from screening.models import ReviewCase

    return {
        "case": ReviewCase.objects.filter(clinic=clinic, status="open").order_by("-created_at").first(),
        "entry": WorklistEntry.objects.filter(clinic=clinic, status="to_contact").order_by("-created_at").first(),
        "submission": IntakeSubmission.objects.filter(clinic=clinic).order_by("-submitted_at").first(),
        "appointment": Appointment.objects.filter(clinic=clinic).order_by("-starts_at").first(),
    }


def _url(page: Page, clinic: Any, records: dict[str, Any]) -> str | None:
    """The page at this clinic; None when the clinic has no record of the kind the page opens."""
    from django.urls import reverse

    kwargs: dict[str, Any] = {}
    for name in _named_urls()[page.url_name]:
        if name in ("clinic_slug", "slug"):
            kwargs[name] = clinic.slug
        else:
            record = records[page.record]
            if record is None:
                return None
            kwargs[name] = record.pk
    return reverse(page.url_name, kwargs=kwargs)


def _named_urls() -> dict[str, list[str]]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + pattern.name, list(pattern.pattern.converters)

    return dict(walk(get_resolver().url_patterns))


@dataclass
class Timing:
    median_ms: float
    queries: int
    status: int
    rows: int  # table rows and list items on the page: what it shows, as opposed to what the database holds


def _count_queries(client: Any, url: str) -> tuple[int, int, int]:
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url)
    content = b"" if response.streaming else response.content
    return count, response.status_code, content.count(b"<tr") + content.count(b"<li")


def measure_pair(pair: dict[str, tuple[Any, str]], requests: int, warmup: int) -> dict[str, Timing]:
    """Time the page at both clinics, alternating request by request, so a busy machine slows both alike."""
    for client, url in pair.values():
        for _ in range(warmup):
            client.get(url)
    times: dict[str, list[float]] = {slug: [] for slug in pair}
    statuses: dict[str, int] = {}
    for _ in range(requests):
        for slug, (client, url) in pair.items():
            started = time.perf_counter()
            statuses[slug] = client.get(url).status_code
            times[slug].append(time.perf_counter() - started)
    result = {}
    for slug, (client, url) in pair.items():
        queries, status, rows = _count_queries(client, url)
        result[slug] = Timing(statistics.median(times[slug]) * 1000, queries, statuses.get(slug, status), rows)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page and clinic")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--large", type=int, default=LARGE[1], help="submissions at the large clinic")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database first")
    parser.add_argument("--skip-seed", action="store_true", help="use the clinics as they are")
    args = parser.parse_args()
    if args.skip_seed:
        os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
        os.environ.update(DJANGO_ENV="development", DEBUG="false", REDIS_URL="", LOG_LEVEL="WARNING")
    else:
        prepare(args)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from clinics.models import Clinic, Membership

    print(f"machine: {os.cpu_count()} cores, load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    pairs: dict[str, dict[str, tuple[Any, str]]] = {}
    for slug in (SMALL[0], LARGE[0]):
        clinic = Clinic.objects.get(slug=slug)
        records = _records(clinic)
        clients = {
            role: _client(Membership.objects.filter(clinic=clinic, role=role).order_by("pk").first().user, True)
            for role in ("psychiatrist", "coordinator", "clinic_admin")
        }
        patient = get_user_model().objects.get(pk=records["submission"].patient_id)
        clients["patient"] = _client(patient, False)
        for page in PAGES:
            url = _url(page, clinic, records)
            if url is not None:
                pairs.setdefault(page.label, {})[slug] = (clients[page.role], url)
    results = {label: measure_pair(pair, args.requests, args.warmup) for label, pair in pairs.items() if len(pair) == 2}

    head = ("100: ms", "queries", "rows", "100k: ms", "queries", "rows", "ratio")
    print(f"\n{'page':<22} " + " ".join(f"{h:>{w}}" for h, w in zip(head, (8, 7, 5, 9, 7, 5, 6), strict=True)))
    missed = []
    for label, by_clinic in results.items():
        small, large = by_clinic.get(SMALL[0]), by_clinic.get(LARGE[0])
        if small is None or large is None:
            continue
        ratio = large.median_ms / small.median_ms
        statuses = {small.status, large.status}
        ok = ratio <= BUDGET and statuses == {200}
        if not ok:
            missed.append(label)
        note = "" if statuses == {200} else f" (status {sorted(statuses)})"
        print(
            f"{label:<22} {small.median_ms:>8.1f} {small.queries:>7} {small.rows:>5} {large.median_ms:>9.1f} "
            f"{large.queries:>7} {large.rows:>5} {ratio:>6.2f}  {'ok' if ok else 'MISSED'}{note}"
        )
    skipped = [p.label for p in PAGES if p.label not in results]
    if skipped:
        print(f"skipped (no record to open): {', '.join(skipped)}")
    print(f"load average after: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"SCALE pages={len(results)} missed={len(missed)}{' (' + ', '.join(missed) + ')' if missed else ''}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
