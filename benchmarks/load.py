"""Load benchmark on the real stack: gunicorn, PostgreSQL, Redis and a Celery worker, all on 127.0.0.1.

Run from the project root: `make bench` (set-up, then this script), or
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketamine_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python benchmarks/load.py [--users 20] [--duration 60] ...

Four phases, in one run, against one gunicorn started here (workers = 2 x cores + 1, gunicorn's rule) and one
Celery worker with the production beat schedule:
  warm-up   the realistic mix below, not recorded (workers load templates, open connections);
  bare      every user GETs /bench/bare (one row read) as fast as it can: the ceiling of this stack here;
  submit    every user POSTs the final wizard step of a complete, prepared draft as fast as it can:
            the submit capacity (one transaction: submission, screening, case, outbox; the worker sends);
  mixed     patients sign in, walk the whole wizard and submit; psychiatrists open the queue and cases;
            coordinators the worklist and calendar and book evaluations; an admin the dashboard and audit log
            (pages that exist at run time), 1-5 s between pages (--think).
Every loop is bounded by a duration and by --max-requests; every process started here is stopped at the end,
on errors and on Ctrl-C too. No new dependency: threads and http.client.

Prints a table per endpoint (requests/s, p50, p95, p99, errors), the CPU each process used per request in each
phase, and one line:
    RESULT submit_per_s=<n> bare_per_s=<n> ratio=<submit/bare> p95_ms=<worst page p95> errors=<n>
Budgets: ratio >= 0.25; p95 of every page < 150 ms at 20 concurrent users; zero errors (exit status 1 if missed).
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Not benchmarks/ itself: a script there must never shadow a standard-library module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketamine_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
RATIO_BUDGET = 0.25
P95_BUDGET_MS = 150.0
HOST = "127.0.0.1"
PASSWORD = "bench-password-2026"  # accounts in the benchmark's own database only
CLINIC_SLUG = "bench-load-clinic"
ARTIFACTS = ROOT / "test-artifacts" / "bench"
# Password checks cost ~0.2 s of CPU by design (PBKDF2, 1,000,000 rounds): shown, but not a "page".
NOT_PAGES = {"POST account:login", "POST account:two_factor"}
SCENARIO_WEIGHTS = {"eligible": 40, "needs_review": 35, "ineligible": 15, "urgent": 10}
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the stack -------------------------------------------------------------------------------------


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """What gunicorn, the worker, migrate and this process all run with: development settings, DEBUG off."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.update(
        DJANGO_ENV="development",
        DEBUG="false",  # DEBUG keeps every SQL query in memory and renders slower
        BENCHMARK_ENDPOINTS="true",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CONN_MAX_AGE=str(args.conn_max_age),  # production's default is 60: one connection per worker
        EMAIL_URL="dummymail://",  # the worker renders and "sends"; nothing leaves the machine
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def database_create_if_missing(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        connect_timeout=5,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        connection.close()


class Stack:
    """gunicorn and a Celery worker as child processes in their own process groups; stop() ends both."""

    def __init__(self, env: dict[str, str], args: argparse.Namespace) -> None:
        self.env = env
        self.args = args
        self.port = free_port()
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.logs: list[Any] = []

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = (ARTIFACTS / f"{name}.log").open("w")
        self.logs.append(log)
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc))
        return proc

    def start(self) -> None:
        args = self.args
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind={HOST}:{self.port}",
            f"--workers={args.workers}",
            f"--worker-class={args.worker_class}",
            "--timeout=30",
            "--graceful-timeout=5",
            "--log-level=warning",
            f"--backlog={max(64, args.users * 4)}",
        ]
        if args.worker_class == "gthread":
            gunicorn.append(f"--threads={args.threads}")
        self._start("gunicorn", gunicorn)
        self._start(
            "celery-worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--beat",  # the production schedule too: outbox resend, escalation, reminders, dashboard refresh
                f"--schedule={ARTIFACTS / 'celerybeat-schedule'}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                "-n",
                f"bench-{os.getpid()}@%h",
            ],
        )
        self._wait_web()
        self._wait_worker()

    def _wait_web(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/bench/bare")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
                raise RuntimeError(f"/bench/bare answered {response.status}: is BENCHMARK_ENDPOINTS honoured?")
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 30 s; see {ARTIFACTS / 'gunicorn.log'}")

    def _wait_worker(self) -> None:
        from config.celery_app import app

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self._check_alive()
            if app.control.ping(destination=[f"bench-{os.getpid()}@{socket.gethostname()}"], timeout=0.5):
                return
        raise RuntimeError(f"the Celery worker did not start within 30 s; see {ARTIFACTS / 'celery-worker.log'}")

    def _check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {ARTIFACTS / (name + '.log')}")

    def stop(self) -> None:
        for _name, proc in self.procs:
            if proc.poll() is None:
                with _suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with _suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for log in self.logs:
            log.close()
        self.procs.clear()


class _suppress:
    def __init__(self, *exceptions: type[BaseException]) -> None:
        self.exceptions = exceptions

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, tb) -> bool:
        return kind is not None and issubclass(kind, self.exceptions)


# --- where the CPU goes ----------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[str, int, float, float]]:
    """pid -> (command name, parent pid, own CPU seconds, reaped children's CPU seconds), from /proc."""
    table: dict[int, tuple[str, int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        own = (int(fields[11]) + int(fields[12])) / _TICK
        children = (int(fields[13]) + int(fields[14])) / _TICK
        table[int(entry.name)] = (name, int(fields[1]), own, children)
    return table


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each part of the stack (this process is the load generator)."""
    table = _proc_table()
    roots = {name: proc.pid for name, proc in stack.procs}

    def tree(root: int) -> float:
        total, todo, seen = 0.0, [root], set()
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in table:
                continue
            seen.add(pid)
            total += table[pid][2] + table[pid][3]
            todo.extend(child for child, row in table.items() if row[1] == pid)
        return total

    times = os.times()
    snapshot = {"load generator": times.user + times.system}
    for name, root in roots.items():
        snapshot[name] = tree(root)
    # Backends and their postmaster (the one whose parent is not PostgreSQL): backends that ended are counted
    # in the postmaster's children's time.
    postgres = {pid: row for pid, row in table.items() if row[0] == "postgres"}
    snapshot["postgresql"] = sum(
        own + (children if parent not in postgres else 0) for _, parent, own, children in postgres.values()
    )
    snapshot["redis"] = sum(row[2] for row in table.values() if row[0].startswith("redis-server"))
    return snapshot


def cpu_lines(
    title: str, before: dict[str, float], after: dict[str, float], requests: int, elapsed: float
) -> list[str]:
    """CPU milliseconds per request of each part, and how busy the machine's cores were."""
    used = {name: max(after.get(name, 0.0) - before.get(name, 0.0), 0.0) for name in after}
    total = sum(used.values())
    cores = os.cpu_count() or 1
    lines = [f"  CPU per request, {title} ({requests} requests; cores {100 * total / elapsed / cores:.0f}% busy):"]
    for name, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {name:<16} {1000 * seconds / max(requests, 1):7.2f} ms")
    lines.append(f"    {'all':<16} {1000 * total / max(requests, 1):7.2f} ms")
    return lines


def outbox_drain(timeout: float = 120.0) -> tuple[float, int]:
    """Wait until the worker has sent every e-mail that is due; (seconds waited, rows still unsent)."""
    from django.db import close_old_connections
    from django.utils import timezone

    from core.models import Notification

    started = time.monotonic()
    while True:
        close_old_connections()
        due = Notification.objects.filter(
            sent_at__isnull=True, channel=Notification.Channel.EMAIL, next_attempt_at__lte=timezone.now()
        ).count()
        if due == 0 or time.monotonic() - started > timeout:
            return time.monotonic() - started, due
        time.sleep(0.2)


# --- what the users need in the database -----------------------------------------------------------


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

    from clinics.models import AvailabilityWindow, Clinic, Membership, Role
    from clinics.services import clinic_create
    from core.services import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
    from intake import steps
    from intake.models import IntakeDraft
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
    password_hash = make_password(PASSWORD)  # once: every bench account shares it (real PBKDF2 at sign-in)

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


# --- measurements ----------------------------------------------------------------------------------


@dataclass
class Stats:
    """Latencies and errors per endpoint label, shared by every user thread of a phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0  # when recording started (after the users' arrival, in the mix)
    ended: float = 0.0

    def add(self, label: str, seconds: float) -> None:
        if time.monotonic() - seconds < self.started:
            return  # began while the users were still arriving: not steady state (errors are always counted)
        with self.lock:
            self.latencies[label].append(seconds)

    def error(self, label: str, message: str) -> None:
        with self.lock:
            self.errors[label] += 1
            if len(self.samples) < 12:
                self.samples.append(f"{label}: {message}")

    @property
    def elapsed(self) -> float:
        return max(self.ended - self.started, 1e-9)


class Budget:
    """The run's bounds: a deadline per phase and a hard cap on requests over the whole run."""

    def __init__(self, max_requests: int) -> None:
        self.remaining = max_requests
        self.lock = threading.Lock()
        self.deadline = 0.0

    def take(self) -> bool:
        with self.lock:
            if self.remaining <= 0 or time.monotonic() >= self.deadline:
                return False
            self.remaining -= 1
            return True


class Stop(Exception):
    """The phase's time or the run's request cap is used up."""


class FlowError(Exception):
    """A page answered something a real user would not get (a 5xx, a wrong redirect, sign-in lost)."""


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# --- a browser, roughly ----------------------------------------------------------------------------


class Browser:
    """One user's connection and cookies; records every request under a label (route name + method)."""

    def __init__(self, port: int, stats: Stats, budget: Budget, label_for: Callable[[str, str], str]) -> None:
        self.port = port
        self.stats = stats
        self.budget = budget
        self.label_for = label_for
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self, method: str, path: str, data: dict[str, Any] | None = None, *, label: str | None = None
    ) -> tuple[int, str, bytes]:
        if not self.budget.take():
            raise Stop
        label = label or self.label_for(method, path)
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "ketamine-bench/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            form = dict(data or {})
            form.setdefault("csrfmiddlewaretoken", self.csrf or self.cookies.get("csrftoken", ""))
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # The server closed a kept-alive connection (sync workers close after each response).
                self.close()
                if attempt == 2:
                    self.stats.error(label, f"{type(exc).__name__}")
                    raise FlowError(str(exc)) from exc
                start = time.perf_counter()
            except OSError as exc:
                self.close()
                self.stats.error(label, f"{type(exc).__name__}: {exc}")
                raise FlowError(str(exc)) from exc
        elapsed = time.perf_counter() - start
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        match = CSRF_INPUT.search(content) if response.status == 200 else None
        if match:
            self.csrf = match.group(1).decode()
        location = response.getheader("Location", "")
        self.stats.add(label, elapsed)
        if response.status >= 400:
            self.stats.error(label, f"{method} {path} -> {response.status}")
            raise FlowError(f"{method} {path} -> {response.status}")
        return response.status, location, content

    def get(self, path: str, *, label: str | None = None, expect: int | None = 200) -> tuple[int, str, bytes]:
        status, location, content = self.request("GET", path, label=label)
        if expect is not None and status != expect:
            self._unexpected(label or self.label_for("GET", path), f"GET {path} -> {status} {location}")
        return status, location, content

    def post(self, path: str, data: dict[str, Any], *, label: str | None = None) -> str:
        """POST a form; a real form post answers with a redirect (post/redirect/get). Returns the target."""
        status, location, _ = self.request("POST", path, data, label=label)
        if status != 302:
            self._unexpected(label or self.label_for("POST", path), f"POST {path} -> {status} (form refused?)")
        return urlsplit(location).path + (f"?{urlsplit(location).query}" if urlsplit(location).query else "")

    def follow(self, path: str, hops: int = 5) -> str:
        """GET `path` and its redirects (bounded) to the page a browser would show; returns its path."""
        for _ in range(hops):
            status, location, _ = self.get(path, expect=None)
            if status != 302:
                return path
            path = urlsplit(location).path + (f"?{urlsplit(location).query}" if urlsplit(location).query else "")
        self._unexpected("redirects", f"more than {hops} redirects from {path}")
        return path

    def _unexpected(self, label: str, message: str) -> None:
        self.stats.error(label, message)
        raise FlowError(message)


# --- the users -------------------------------------------------------------------------------------


@dataclass
class Pages:
    """The staff pages found in the URL configuration at run time, as paths ready to GET."""

    psychiatrist: list[tuple[str, Callable[[], str]]]
    coordinator: list[tuple[str, Callable[[], str]]]
    admin: list[tuple[str, Callable[[], str]]]


class World:
    """What the user threads share: the stack's port, accounts, prepared drafts, pages, stats and bounds."""

    def __init__(self, port: int, seeded: Seeded, args: argparse.Namespace) -> None:
        self.port = port
        self.seeded = seeded
        self.args = args
        self.lock = threading.Lock()
        self.patients = list(seeded.patients)
        self.prepared = list(seeded.prepared)
        self.staff_by_role: dict[str, list[StaffAccount]] = defaultdict(list)
        for account in seeded.staff:
            self.staff_by_role[account.role].append(account)
        self.pages: Pages | None = None
        self.to_book: list[str] = []  # worklist entries still "to contact": coordinators book them
        self.staff_cookies: dict[tuple[str, int], dict[str, str]] = {}  # (role, index) -> a signed-in session
        self.label_cache: dict[tuple[str, str], str] = {}

    def take_patient(self) -> str | None:
        with self.lock:
            return self.patients.pop() if self.patients else None

    def take_entry(self) -> str | None:
        with self.lock:
            return self.to_book.pop() if self.to_book else None

    def take_prepared(self) -> tuple[str, str] | None:
        with self.lock:
            return self.prepared.pop() if self.prepared else None

    def staff_for(self, role: str, index: int) -> StaffAccount:
        accounts = self.staff_by_role[role]
        if not accounts:
            raise FlowError(f"no {role} account in the bench clinic")
        return accounts[index % len(accounts)]

    def label(self, method: str, path: str) -> str:
        key = (method, path)
        label = self.label_cache.get(key)
        if label is None:
            label = _route_label(method, path)
            with self.lock:
                if len(self.label_cache) < 100_000:
                    self.label_cache[key] = label
        return label


def _route_label(method: str, path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return f"{method} {path}"
    name = match.view_name
    if name == "intake:step":
        step = match.kwargs.get("step")
        if step == "review":
            name = "intake:submit" if method == "POST" else "intake:review"
    return f"{method} {name}"


def think(rng: random.Random, args: argparse.Namespace) -> None:
    low, high = args.think
    if high > 0:
        time.sleep(rng.uniform(low, high))


def patient_journey(browser: Browser, world: World, rng: random.Random) -> None:
    """Find the clinic, sign in, start, answer every step, check, submit, read the result, sign out."""
    from intake import steps
    from tests.intake.answers import post_data, scenario

    email = world.take_patient()
    if email is None:
        raise Stop
    args = world.args
    slug = world.seeded.clinic_slug
    answers = scenario(_scenario_names(rng, 1)[0])
    browser.get("/clinics/?state=OR")
    think(rng, args)
    browser.get(f"/clinics/{slug}/")
    think(rng, args)
    browser.get(f"/account/sign-in/?clinic={slug}")
    think(rng, args)
    target = browser.post("/account/sign-in/", {"username": email, "password": PASSWORD})
    if browser.follow(target) != "/patient/":
        browser._unexpected("POST account:login", "sign-in did not land on the patient dashboard")
    think(rng, args)
    browser.get(f"/patient/start/{slug}/")
    think(rng, args)
    target = browser.post(f"/patient/start/{slug}/", {})
    draft_match = re.match(r"^/patient/intake/([0-9a-f-]{36})/", target)
    if not draft_match:
        browser._unexpected("POST intake:start", f"start did not open a draft: {target}")
    draft = draft_match.group(1)
    path = browser.follow(target)
    for name in steps.ANSWER_STEPS:
        step_path = f"/patient/intake/{draft}/{name}/"
        if path != step_path:
            browser.get(step_path)
        think(rng, args)
        target = browser.post(step_path, post_data(name, answers[name]))
        if target == step_path:
            browser._unexpected("POST intake:step", f"step {name} refused the answers")
        path = browser.follow(target)
        if "/reach-out/" in path:  # high-risk safety answers: help first, then carry on
            think(rng, args)
            path = browser.follow(f"/patient/intake/{draft}/")
    review = f"/patient/intake/{draft}/review/"
    if path != review:
        browser._unexpected("GET intake:review", f"the last step did not lead to the review page: {path}")
    think(rng, args)
    target = browser.post(review, {"action": "next"})
    if not target.startswith("/patient/sent/"):
        browser._unexpected("POST intake:submit", f"submit did not lead to the result: {target}")
    browser.follow(target)
    think(rng, args)
    browser.get("/patient/")
    browser.post("/account/sign-out/", {})


def staff_sign_in(browser: Browser, account: StaffAccount, rng: random.Random, args: argparse.Namespace) -> None:
    from django_otp.oath import totp

    browser.get("/account/sign-in/")
    think(rng, args)
    target = browser.post("/account/sign-in/", {"username": account.email, "password": PASSWORD})
    if not target.startswith("/account/second-factor/"):
        browser._unexpected("POST account:login", f"staff sign-in did not ask for the second factor: {target}")
    browser.get(target)
    think(rng, args)
    code = f"{totp(account.totp_key):06d}"
    target = browser.post(target, {"token": code})
    if target.startswith("/account/second-factor/"):
        browser._unexpected("POST account:two_factor", "the TOTP code was refused")
    browser.follow(target)


def staff_session(browser: Browser, world: World, role: str, index: int, rng: random.Random, stop_at: float) -> None:
    """Sign in once per run (TOTP codes are single-use per 30 s window), then browse the role's pages."""
    account = world.staff_for(role, index)
    key = (role, index)
    if key in world.staff_cookies:
        browser.cookies = dict(world.staff_cookies[key])
    else:
        staff_sign_in(browser, account, rng, world.args)
        world.staff_cookies[key] = dict(browser.cookies)
    pages = getattr(world.pages, "admin" if role == "clinic_admin" else role)
    while time.monotonic() < stop_at:
        for _name, make_path in pages:
            think(rng, world.args)
            status, location, _ = browser.get(make_path(), expect=None)
            if status != 200:
                world.staff_cookies.pop(key, None)
                browser._unexpected(f"GET {_name}", f"{status} {location}")
        if role == "coordinator":
            book_evaluation(browser, world, rng)
        world.staff_cookies[key] = dict(browser.cookies)


SLOT_INPUT = re.compile(rb'name="slot" id="[^"]*" value="([^"]+)"')


def book_evaluation(browser: Browser, world: World, rng: random.Random) -> None:
    """A coordinator books a waiting patient's evaluation: the free times with a psychiatrist, one of them
    chosen, then the appointment. Two coordinators choosing the same time is refused with a message, as it
    should be; that is counted as "slot taken", not as an error."""
    entry = world.take_entry()
    if entry is None or not world.seeded.psychiatrist_ids:
        return
    slug = world.seeded.clinic_slug
    path = f"/staff/{slug}/worklist/{entry}/book/"
    clinician = rng.choice(world.seeded.psychiatrist_ids)
    think(rng, world.args)
    _, _, page = browser.get(f"{path}?{urlencode({'type': 'evaluation_60', 'clinician': clinician})}")
    slots = SLOT_INPUT.findall(page)
    if not slots:
        browser._unexpected("GET clinics:book", "no free time offered")
    think(rng, world.args)
    data = {"type": "evaluation_60", "clinician": clinician, "slot": rng.choice(slots[:40]).decode()}
    status, location, _ = browser.request("POST", path, data)
    if status == 200:  # refused: someone booked that time a moment ago (the page says so)
        browser.stats.add("POST clinics:book (slot taken)", 0.0)
        return
    if status != 302 or "/appointments/" not in location:
        browser._unexpected("POST clinics:book", f"{status} {location}")
    browser.follow(urlsplit(location).path)


def discover_pages(world: World) -> Pages:
    """Staff pages by role, from the URL configuration as it is now (queue, case, worklist... when present)."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    from clinics.models import Clinic, WorklistEntry

    clinic = Clinic.objects.get(slug=world.seeded.clinic_slug)
    ids = _record_ids(clinic)
    waiting = WorklistEntry.objects.filter(clinic=clinic, status=WorklistEntry.Status.TO_CONTACT)
    with world.lock:
        world.to_book = [str(pk) for pk in waiting.order_by("created_at").values_list("pk", flat=True)[:2000]]

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "bench"}:
                    continue
                ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + pattern.name, list(pattern.pattern.converters)

    named = dict(walk(get_resolver().url_patterns))

    def page(name: str) -> tuple[str, Callable[[], str]] | None:
        if name not in named:
            return None
        kwarg_names = named[name]

        def make() -> str:
            kwargs = {k: _kwarg_value(name, k, clinic, ids) for k in kwarg_names}
            return reverse(name, kwargs=kwargs)

        try:
            make()
        except (LookupError, ValueError, IndexError):
            print(f"  (skipping {name}: no record in the bench clinic for {kwarg_names})")
            return None
        except Exception as exc:  # NoReverseMatch and friends: the page is not usable as-is
            print(f"  (skipping {name}: {exc})")
            return None
        return name, make

    def pages_for(role: str, names: tuple[str, ...]) -> list[tuple[str, Callable[[], str]]]:
        found = []
        for name in names:
            if name in named and _allowed(name, role) and (entry := page(name)):
                found.append(entry)
        return found

    return Pages(
        psychiatrist=pages_for("psychiatrist", PSYCHIATRIST_PAGES),
        coordinator=pages_for("coordinator", COORDINATOR_PAGES),
        admin=pages_for("clinic_admin", ADMIN_PAGES),
    )


# What each role opens in a loop, when the page exists at run time (a case twice: the queue leads to cases).
PSYCHIATRIST_PAGES = (
    "clinics:staff_home",
    "screening:queue",
    "screening:case",
    "screening:case",
    "notifications:inbox",
    "clinics:policy",
)
COORDINATOR_PAGES = (
    "clinics:staff_home",
    "clinics:worklist",
    "clinics:worklist_entry",
    "clinics:calendar",
    "clinics:appointment",
    "clinics:directory",
)
ADMIN_PAGES = ("clinics:dashboard", "clinics:audit_log", "clinics:members", "clinics:policy")
MATRIX_ROLE = {"psychiatrist": "psychiatrist_a", "coordinator": "coordinator_a", "clinic_admin": "admin_a"}


def _allowed(name: str, role: str) -> bool:
    """Whether the authorization matrix lets this role GET the page (unknown pages: try them)."""
    try:
        from tests.test_authorization_matrix import EXPECTED
    except Exception:  # the tests are not importable here: try every page
        return True
    entry = EXPECTED.get(name)
    if entry is None:
        return True
    for expect in entry if isinstance(entry, tuple) else (entry,):
        if expect.method == "get":
            return expect.status_for(MATRIX_ROLE[role]) == 200
    return False


def _record_ids(clinic: Any) -> dict[str, list[Any]]:
    from django.apps import apps

    from clinics.models import WorklistEntry
    from intake.models import IntakeSubmission
    from screening.models import ReviewCase

    ids: dict[str, list[Any]] = {
        "case": list(
            ReviewCase.objects.filter(clinic=clinic).order_by("-created_at").values_list("pk", flat=True)[:200]
        ),
        "entry": list(
            WorklistEntry.objects.filter(clinic=clinic).order_by("-created_at").values_list("pk", flat=True)[:200]
        ),
        "submission": list(
            IntakeSubmission.objects.filter(clinic=clinic).order_by("-submitted_at").values_list("pk", flat=True)[:200]
        ),
    }
    ids["patient"] = list(
        IntakeSubmission.objects.filter(pk__in=ids["submission"]).values_list("patient_id", flat=True)
    )
    try:
        appointment = apps.get_model("clinics", "Appointment")
        ids["appointment"] = list(
            appointment.objects.filter(clinic=clinic).order_by("-starts_at").values_list("pk", flat=True)[:200]
        )
    except LookupError:
        ids["appointment"] = []
    return ids


def _kwarg_value(url_name: str, kwarg: str, clinic: Any, ids: dict[str, list[Any]]) -> Any:
    if kwarg in {"clinic_slug", "slug"}:
        return clinic.slug
    if kwarg == "version":
        return 1
    for kind in ("case", "entry", "submission", "appointment", "patient"):
        if kind in kwarg or (kwarg in {"pk", "id"} and kind in url_name):
            return random.choice(ids[kind])  # IndexError when there is none: the page is skipped
    raise LookupError(kwarg)


# --- phases ----------------------------------------------------------------------------------------


def run_phase(
    name: str,
    world: World,
    budget: Budget,
    duration: float,
    behaviour: Callable[[int, Browser, random.Random, float], None],
    *,
    ramp: float = 0.0,
    settle: float = 0.0,
    on_settled: Callable[[], None] | None = None,
) -> Stats:
    """`world.args.users` threads run `behaviour` in a loop until the phase's deadline or the request cap.

    With `ramp`, user i starts i * ramp / users seconds late (people arrive over time, not all at once). Requests
    begun in the first `settle` seconds are not recorded; `on_settled` runs when recording starts.
    """
    stats = Stats()
    users = world.args.users
    stop_at = time.monotonic() + settle + duration
    budget.deadline = stop_at

    def user(index: int) -> None:
        rng = random.Random(f"{name}-{index}")
        time.sleep(min(ramp * index / users, duration))
        while time.monotonic() < stop_at:
            browser = Browser(world.port, stats, budget, world.label)
            try:
                behaviour(index, browser, rng, stop_at)
            except Stop:
                return
            except FlowError:
                time.sleep(0.05)  # counted already; start a fresh journey
            except Exception as exc:  # a bug in the script itself: counted, visible, never silent
                stats.error("script", f"{type(exc).__name__}: {exc}")
                time.sleep(0.2)
            finally:
                browser.close()

    threads = [threading.Thread(target=user, args=(i,), name=f"{name}-{i}", daemon=True) for i in range(users)]
    stats.started = time.monotonic() + settle
    if on_settled is not None:
        timer = threading.Timer(settle, on_settled)
        timer.daemon = True
        timer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + 35)  # 30 s socket timeout + slack
    stats.ended = min(time.monotonic(), stop_at + 35)
    budget.deadline = 0.0  # anything still running stops at its next request
    return stats


def bare_behaviour(world: World) -> Callable:
    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        while True:
            browser.get("/bench/bare", label="GET bench:bare")

    return behaviour


def submit_behaviour(world: World) -> Callable:
    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        while True:
            prepared = world.take_prepared()
            if prepared is None:
                raise Stop
            session_key, draft_id = prepared
            secret = uuid.uuid4().hex  # an unmasked CSRF secret, as the cookie holds it (32 characters)
            browser.cookies = {"sessionid": session_key, "csrftoken": secret}
            browser.csrf = secret
            target = browser.post(
                f"/patient/intake/{draft_id}/review/", {"action": "next"}, label="POST intake:submit (prepared)"
            )
            if not target.startswith("/patient/sent/"):
                browser._unexpected("POST intake:submit (prepared)", f"submit did not lead to the result: {target}")

    return behaviour


def mix_roles(args: argparse.Namespace) -> list[str]:
    """Each user's role, user by user: the mix's shares repeated over --users."""
    pattern = ["patient"] * args.mix[0] + ["psychiatrist"] * args.mix[1] + ["coordinator"] * args.mix[2]
    pattern += ["clinic_admin"] * args.mix[3]
    return [pattern[i % len(pattern)] for i in range(args.users)]


def mixed_behaviour(world: World) -> Callable:
    roles = mix_roles(world.args)

    def behaviour(index: int, browser: Browser, rng: random.Random, stop_at: float) -> None:
        role = roles[index % len(roles)]
        if role == "patient":
            patient_journey(browser, world, rng)
        else:
            staff_session(browser, world, role, roles[:index].count(role), rng, stop_at)

    return behaviour


# --- profile ------------------------------------------------------------------------------------------


class profiling:
    """py-spy on every gunicorn worker during one phase; prints where the workers spent their samples."""

    def __init__(self, args: argparse.Namespace, phase: str, stack: Stack, duration: float) -> None:
        self.active = args.profile == phase
        self.phase = phase
        self.stack = stack
        self.duration = duration
        self.proc: subprocess.Popen | None = None
        self.output = ARTIFACTS / f"profile-{phase}.txt"

    def __enter__(self) -> None:
        if not self.active:
            return
        py_spy = Path(sys.executable).with_name("py-spy")
        if not py_spy.exists():
            print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
            self.active = False
            return
        master = self.stack.procs[0][1].pid
        self.proc = subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(master),
                "--subprocesses",
                "--rate",
                "250",
                "--format",
                "raw",
                "--nonblocking",
                "--duration",
                str(int(self.duration)),
                "--output",
                str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def __exit__(self, *exc: object) -> None:
        if not self.active or self.proc is None:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        if self.output.exists():
            print("\n".join(profile_summary(self.output, self.phase)))


def profile_summary(path: Path, phase: str, top: int = 25) -> list[str]:
    """Share of the workers' samples in each project function (inclusive), from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = defaultdict(int)
    own: dict[str, int] = defaultdict(int)
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            name = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].replace(str(ROOT) + "/", "")
            if name not in seen:
                inclusive[name] += n
                seen.add(name)
        leaf = frames[-1]
        own[leaf.split(" (")[0] + " (" + leaf.split(" (")[-1].split(":")[0].replace(str(ROOT) + "/", "")] += n
    lines = [f"\nprofile of the {phase} phase: {total} samples ({path})", "  inclusive, project code:"]
    apps = ("(core/", "(clinics/", "(intake/", "(screening/", "(config/")
    project = [(k, v) for k, v in inclusive.items() if any(a in k for a in apps)]
    for name, n in sorted(project, key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {name})")
    lines.append("  self time, any code:")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {name})")
    return lines


# --- report ----------------------------------------------------------------------------------------


def table(title: str, stats: Stats) -> list[str]:
    lines = [f"\n{title} ({stats.elapsed:.1f} s)"]
    lines.append(f"{'endpoint':<44} {'n':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label in sorted(set(stats.latencies) | set(stats.errors)):
        values = sorted(stats.latencies.get(label, []))
        p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
        rate = len(values) / stats.elapsed
        errors = stats.errors.get(label, 0)
        lines.append(f"{label:<44} {len(values):>7} {rate:>8.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>7}")
    return lines


def worst_page_p95(stats_list: list[Stats]) -> tuple[float, str]:
    worst, where = 0.0, "-"
    for stats in stats_list:
        for label, values in stats.latencies.items():
            if label in NOT_PAGES or not values:
                continue
            p95 = percentile(sorted(values), 95) * 1000
            if p95 > worst:
                worst, where = p95, label
    return worst, where


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users in every phase")
    parser.add_argument("--duration", type=float, default=120, help="seconds of the realistic mix, recorded")
    parser.add_argument("--bare-duration", type=float, default=15)
    parser.add_argument("--submit-duration", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=8, help="seconds of unrecorded mix before measuring")
    parser.add_argument("--max-requests", type=int, default=200_000, help="hard cap over the whole run")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (2 x cores + 1)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker with gthread")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE for the web and the worker")
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        # People read between pages: the intake is ~15 minutes for ~30 pages. 1-5 s is already several times
        # faster than that; 0.1,0.5 is a stress run (benchmarks/README.md has both).
        default=(1.0, 5.0),
        help="MIN,MAX seconds a user waits between pages in the mix (0,0 = as fast as possible)",
    )
    parser.add_argument(
        "--mix",
        type=lambda s: tuple(int(x) for x in s.split(",")),
        default=(12, 4, 3, 1),
        help="PATIENTS,PSYCHIATRISTS,COORDINATORS,ADMINS: the share of users in each role in the mix",
    )
    parser.add_argument("--patient-accounts", type=int, default=1500, help="fresh patients created for the mix")
    parser.add_argument("--submit-pool", type=int, default=4000, help="prepared drafts for the submit phase")
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="seconds over which the mix's users arrive; the mix is recorded from then on (steady state)",
    )
    parser.add_argument(
        "--profile",
        choices=["bare", "submit", "mixed"],
        help="record the gunicorn workers with py-spy during this phase (pip install py-spy)",
    )
    parser.add_argument("--skip-migrate", action="store_true")
    return parser.parse_args(argv)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the run like Ctrl-C: the finally block stops every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env(args)
    os.environ.update(env)
    for url in (env["DATABASE_URL"], env["REDIS_URL"]):
        host = urlsplit(url).hostname
        if host not in {"127.0.0.1", "localhost", "::1"}:
            print(f"refusing a non-loopback address: {url}", file=sys.stderr)
            return 2
    if env["DATABASE_URL"].startswith("postgres"):
        database_create_if_missing(env["DATABASE_URL"])
    else:
        print("warning: not PostgreSQL; figures will not be comparable", file=sys.stderr)
    if not args.skip_migrate:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.conf import settings

    run_id = uuid.uuid4().hex[:8]
    started = time.monotonic()
    seeded = seed(args, run_id)
    print(
        f"seeded in {time.monotonic() - started:.1f} s: clinic {seeded.clinic_slug}, {len(seeded.staff)} staff, "
        f"{len(seeded.patients)} patients, {len(seeded.prepared)} prepared drafts (run {run_id})"
    )
    db = settings.DATABASES["default"]
    print(
        f"stack: gunicorn {args.workers} x {args.worker_class}"
        f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}, CONN_MAX_AGE={args.conn_max_age}, "
        f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST')}:{db.get('PORT')}/{db['NAME']}, "
        f"broker {settings.REDIS_URL}, Celery worker (solo, with beat), DEBUG={settings.DEBUG}"
    )
    print(f"machine: {os.cpu_count()} cores, load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")

    stack = Stack(env, args)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    budget = Budget(args.max_requests)
    cpu: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    drained: list[tuple[str, tuple[float, int]]] = []
    try:
        stack.start()
        world = World(stack.port, seeded, args)
        world.pages = discover_pages(world)
        for role in ("psychiatrist", "coordinator", "admin"):
            print(f"  {role} pages: {', '.join(name for name, _ in getattr(world.pages, role)) or '-'}")
        if args.warmup > 0:
            run_phase("warmup", world, budget, args.warmup, mixed_behaviour(world), ramp=min(args.ramp, args.warmup))
        drained.append(("warm-up", outbox_drain()))  # the worker's backlog must not run into the next phase
        before = cpu_snapshot(stack)
        with profiling(args, "bare", stack, args.bare_duration):
            bare = run_phase("bare", world, budget, args.bare_duration, bare_behaviour(world))
        cpu["bare"] = (before, cpu_snapshot(stack))
        before = cpu_snapshot(stack)
        with profiling(args, "submit", stack, args.submit_duration):
            submit = run_phase("submit", world, budget, args.submit_duration, submit_behaviour(world))
        # The e-mails the submits queued are part of their cost: counted once the worker has sent them all.
        drained.append(("submit", outbox_drain()))
        cpu["submit"] = (before, cpu_snapshot(stack))
        world.pages = discover_pages(world)  # the submit phase made cases and worklist entries to open
        settled: dict[str, float] = {}
        with profiling(args, "mixed", stack, args.ramp + args.duration):
            mixed = run_phase(
                "mixed",
                world,
                budget,
                args.duration,
                mixed_behaviour(world),
                ramp=args.ramp,
                settle=args.ramp,
                on_settled=lambda: settled.update(cpu_snapshot(stack)),
            )
        before = settled or cpu_snapshot(stack)
        drained.append(("mixed", outbox_drain()))
        cpu["mixed"] = (before, cpu_snapshot(stack))
    except KeyboardInterrupt:
        print("interrupted: stopping gunicorn and the worker", file=sys.stderr)
        return 130
    finally:
        stack.stop()
        signal.signal(signal.SIGTERM, previous)

    lines = []
    lines += table(f"Bare view, {args.users} users, no think time", bare)
    lines += table(f"Submit capacity, {args.users} users, no think time", submit)
    think_range = f"{args.think[0]}-{args.think[1]} s"
    lines += table(
        f"Realistic mix, {args.users} users (mix {args.mix}), think {think_range}, "
        f"recorded after {args.ramp:.0f} s of arrivals",
        mixed,
    )
    print("\n".join(lines))
    print()
    for phase, stats, n in (
        ("bare", bare, len(bare.latencies.get("GET bench:bare", []))),
        ("submit", submit, len(submit.latencies.get("POST intake:submit (prepared)", []))),
        ("mixed", mixed, sum(len(v) for v in mixed.latencies.values())),
    ):
        before, after = cpu[phase]
        # The submit phase's CPU includes the worker sending its e-mails after it (busy can read over 100 %).
        title = "submit phase and its e-mails" if phase == "submit" else f"{phase} phase"
        print("\n".join(cpu_lines(title, before, after, n, stats.elapsed)))
    unsent = 0
    for phase, (waited, left) in drained:
        print(f"  outbox after the {phase} phase: drained in {waited:.1f} s" + (f", {left} NOT SENT" if left else ""))
        unsent += left
    samples = bare.samples + submit.samples + mixed.samples
    if samples:
        print("\nfirst errors:\n  " + "\n  ".join(samples[:12]))
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}; requests left in cap: {budget.remaining}")

    bare_n = len(bare.latencies.get("GET bench:bare", []))
    submit_n = len(submit.latencies.get("POST intake:submit (prepared)", []))
    bare_per_s = bare_n / bare.elapsed
    submit_per_s = submit_n / submit.elapsed
    ratio = submit_per_s / bare_per_s if bare_per_s else 0.0
    p95, where = worst_page_p95([mixed])
    errors = sum(bare.errors.values()) + sum(submit.errors.values()) + sum(mixed.errors.values()) + unsent
    print(f"worst page p95: {where}")
    print(
        f"RESULT submit_per_s={submit_per_s:.1f} bare_per_s={bare_per_s:.1f} ratio={ratio:.3f} "
        f"p95_ms={p95:.1f} errors={errors}"
    )
    within = ratio >= RATIO_BUDGET and p95 < P95_BUDGET_MS and errors == 0
    print(
        f"budgets: ratio >= {RATIO_BUDGET} {'ok' if ratio >= RATIO_BUDGET else 'MISSED'}; "
        f"p95 < {P95_BUDGET_MS:.0f} ms {'ok' if p95 < P95_BUDGET_MS else 'MISSED'}; "
        f"errors = 0 {'ok' if errors == 0 else 'MISSED'}"
    )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
