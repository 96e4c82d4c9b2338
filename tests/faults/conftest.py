"""Fault-injection helpers: each test starts what it breaks (a Redis on a spare port, Celery workers, a web
server) and stops all of it in `finally`, whatever happens. Every wait here is bounded.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.conftest import ROOT, _database_url, reset_celery_pools

ARTIFACTS = ROOT / "test-artifacts" / "faults"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = "") -> object:
    """Poll `predicate` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


def _stop(proc: subprocess.Popen, *, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGCONT)  # a frozen process cannot handle SIGTERM
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


# --- Redis ----------------------------------------------------------------------------------------------


class RedisServer:
    """A throw-away redis-server on 127.0.0.1:<spare port>: no persistence, its own process group."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=(ARTIFACTS / f"redis-{self.port}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.ping, timeout=10, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, but nothing answers (a hung server)."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH")
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_log(tmp_path) -> Path:
    return tmp_path / "delivered.jsonl"


@pytest.fixture
def broker(redis_server, transactional_db) -> Iterator[dict]:
    """Point this process's Celery app (what the web code enqueues with) at the test's own Redis."""
    from config.celery_app import app
    from core.outbox import outbox_breaker_reset

    queue = f"faults-{uuid.uuid4().hex[:8]}"
    saved = {
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
        "task_default_queue": app.conf.task_default_queue,
    }

    def reset_pools() -> None:
        reset_celery_pools(app)

    app.conf.broker_url = redis_server.url
    app.conf.result_backend = redis_server.url
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    reset_pools()
    outbox_breaker_reset()
    try:
        yield {"url": redis_server.url, "queue": queue, "app": app}
    finally:
        reset_pools()
        for key, value in saved.items():
            setattr(app.conf, key, value)
        app.conf.task_always_eager = True
        outbox_breaker_reset()


# --- Celery workers -------------------------------------------------------------------------------------


class FaultWorker:
    """A Celery worker process (solo pool) on the test's Redis and the test database; start, kill, restart."""

    def __init__(
        self,
        broker: dict,
        mail_log: Path,
        *,
        mail_delay: float = 0.0,
        lease_seconds: float | None = None,
        queues: tuple[str, ...] = (),
    ):
        self.broker = broker
        self.mail_log = mail_log
        self.mail_delay = mail_delay
        self.lease_seconds = lease_seconds
        # The test's own queue, and any other (a web server started by the test publishes to "celery").
        self.queues = (broker["queue"], *queues)
        self.proc: subprocess.Popen | None = None
        self.generation = 0

    @property
    def name(self) -> str:
        return f"{self.broker['queue']}-{self.generation}@{socket.gethostname()}"

    def start(self) -> None:
        self.generation += 1
        env = dict(
            os.environ,
            DATABASE_URL=_database_url(),
            REDIS_URL=self.broker["url"],
            DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
            FAULTS_MAIL_LOG=str(self.mail_log),
            FAULTS_MAIL_DELAY=str(self.mail_delay),
            CONN_MAX_AGE="0",
        )
        if self.lease_seconds is not None:
            env["FAULTS_OUTBOX_LEASE_SECONDS"] = str(self.lease_seconds)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = (ARTIFACTS / f"worker-{self.broker['queue']}-{self.generation}.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.worker_main",
                "--pool=solo",
                "-Q",
                ",".join(self.queues),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                self.name.split("@")[0] + "@%h",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        app = self.broker["app"]

        def ready() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"worker exited with {self.proc.returncode}; see {ARTIFACTS}")
            return bool(app.control.ping(destination=[self.name], timeout=0.5))

        wait_for(ready, timeout=30, interval=0.2, what="the Celery worker to answer a ping")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no clean-up (a crashed or OOM-killed worker)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, grace=10)


@pytest.fixture
def start_worker(broker, mail_log) -> Iterator[Callable[..., FaultWorker]]:
    workers: list[FaultWorker] = []

    def start(**options) -> FaultWorker:
        worker = FaultWorker(broker, mail_log, **options)
        workers.append(worker)
        worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


# --- a real web server ----------------------------------------------------------------------------------


class WebServer:
    """gunicorn (sync workers) serving the project on 127.0.0.1 against the test database."""

    def __init__(self, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(
            os.environ,
            DATABASE_URL=_database_url(),
            REDIS_URL="",
            DJANGO_ENV="development",
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        env.update(self.extra_env)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = (ARTIFACTS / f"gunicorn-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.workers}",
                "--timeout=30",
                "--graceful-timeout=5",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def up() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.proc.returncode}; see {ARTIFACTS}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_for(up, timeout=30, interval=0.2, what="gunicorn to listen")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


def session_for(user) -> str:
    """A signed-in session for the user, straight in the session store: its key for a Cookie header."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def http_request(server, method: str, path: str, session_key: str, data: str = "") -> tuple[int, str, bytes]:
    """One request to the live server as that session (a fixed CSRF secret): status, Location and body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    csrf = "f" * 32  # an unmasked CSRF secret, sent as cookie and field alike
    headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}"}
    body = None
    if method == "POST":
        body = f"csrfmiddlewaretoken={csrf}&{data}".encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Location", ""), response.read()
    finally:
        conn.close()


@pytest.fixture
def start_web(transactional_db) -> Iterator[Callable[..., WebServer]]:
    servers: list[WebServer] = []

    def start(**options) -> WebServer:
        server = WebServer(**options)
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def on_postgres() -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL: set DATABASE_URL (.ci/run does)")


# --- a clinic and complete intakes ----------------------------------------------------------------------


class IntakeWorld:
    """A clinic with psychiatrists and a coordinator; patients with a complete draft, ready to submit."""

    def __init__(self, psychiatrists: int = 2) -> None:
        from clinics.models import Role
        from tests.factories import make_clinic, make_staff

        self.clinic = make_clinic(name="Faults Clinic", states=("OR", "WA"))
        self.psychiatrists = [make_staff(self.clinic, Role.PSYCHIATRIST) for _ in range(psychiatrists)]
        self.coordinator = make_staff(self.clinic, Role.COORDINATOR)

    def complete_draft(self, scenario: str = "needs_review"):
        from intake.models import IntakeDraft
        from tests.factories import UserFactory
        from tests.intake.answers import raw_answers
        from tests.intake.answers import scenario as answers_for

        patient = UserFactory()
        draft = IntakeDraft.objects.create(
            patient=patient, clinic=self.clinic, answers=raw_answers(answers_for(scenario))
        )
        return patient, draft


def submit_url(draft) -> str:
    from django.urls import reverse

    return reverse("intake:step", kwargs={"draft_id": draft.pk, "step": "review"})


@pytest.fixture
def intake_world(transactional_db) -> IntakeWorld:
    return IntakeWorld()
