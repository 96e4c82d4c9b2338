"""Shared fixtures: which database the suite runs on, eager Celery by default, a real worker on demand."""

import atexit
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _database_line() -> str:
    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or '-'}" if engine != "sqlite3" else str(db["NAME"])
    broker = settings.REDIS_URL or "none (Celery runs tasks eagerly)"
    return f"database: {engine} ({where}); broker: {broker}"


def pytest_configure(config: pytest.Config) -> None:
    # Real hashing costs ~30 ms a user (Argon2id); tests create hundreds. test_password_hashing.py checks the real ones.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Patients' documents go to a temporary folder of this run (each xdist worker its own), never var/.
    documents = tempfile.mkdtemp(prefix="ketamine-documents-")
    atexit.register(shutil.rmtree, documents, ignore_errors=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": documents}},
    }
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_audit_flush, weak=False, dispatch_uid="audit_test_flush")


def _allow_audit_flush(sender, connection, **kwargs) -> None:
    """The audit table refuses TRUNCATE (core migration 0009); a test database's own flush between
    transactional tests is the one exception, asked for on the test runner's connections only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET ketamine.audit_test_flush = on")


def pytest_report_header(config: pytest.Config) -> str:
    return _database_line()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    terminalreporter.write_line(f"suite ran on {_database_line()}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (.ci/run does)"))
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis and a Celery worker: set REDIS_URL (.ci/run does)"))


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test asks for the real worker."""
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def reset_celery_pools(app) -> None:
    """Forget every cached broker connection and producer: an earlier test may have closed or repointed them."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    app.control.mailbox.__dict__.pop("producer_pool", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    pools.reset()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker process on Redis, on a queue of its own, using the test database."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (.ci/run does)")
    from config.celery_app import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL)
    log_path = ROOT / "test-artifacts" / f"worker-{queue}.log"
    log_path.parent.mkdir(exist_ok=True)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    reset_celery_pools(app)
    app.conf.task_always_eager = False
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5)
            if replies:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited early; see {log_path}")
        else:
            raise RuntimeError(f"worker did not start within 30 s; see {log_path}")
        yield proc
    finally:
        app.conf.task_default_queue = previous_queue
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """Copies a SQLite file `manage.py migrate` built once this run (on the development settings, as `make run`):
    the servers started on SQLite by the tests each get a fresh copy instead of migrating from scratch again."""
    template = tmp_path_factory.mktemp("sqlite-migrated") / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{template}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )

    def copy_to(database: Path) -> Path:
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(database)) as target:
            source.backup(target)
        return database

    return copy_to


@pytest.fixture
def world() -> dict:
    """A Los Angeles clinic with a coordinator, a psychiatrist and an admin (scheduling_clinic), by role."""
    from tests.factories.scheduling import scheduling_clinic

    clinic, coordinator, psychiatrist, admin = scheduling_clinic()
    return {"clinic": clinic, "coordinator": coordinator, "psychiatrist": psychiatrist, "admin": admin}


@pytest.fixture(scope="module")
def _authz_world_of_module(django_db_setup, django_db_blocker):
    """Built once per test module inside a transaction rolled back at the module's end. Each test runs in a
    savepoint inside it (pytest-django's `db`), so what a test writes is undone as before; the world stays."""
    from django.db import transaction

    from tests.authz_world import build_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def authz_world(_authz_world_of_module, db):
    """Two clinics, their staff and patients, one record of each kind (tests/authz_world.py): the matrix's world."""
    return _authz_world_of_module


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_tmp(settings, tmp_path):
    """Each test's audit checkpoints go to its own file, never into the project's var/."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
