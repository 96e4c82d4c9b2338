"""Start-up and shutdown of the stack: gunicorn, the Celery worker with beat, the benchmark's database."""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from .common import ARTIFACTS, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, HOST, ROOT


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
