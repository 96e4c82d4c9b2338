"""A request body past its view's limit is refused (413) before anything reads or spools it, in Django and
behind the production server's configuration (gunicorn -c config/gunicorn.py)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from tests.conftest import ROOT
from tests.factories import PASSWORD, UserFactory

TEN_MB = 10 * 1024 * 1024


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "----hostile"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\nx@example.org\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\0" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
def test_a_10_mb_multipart_post_to_sign_in_is_refused_unread(client):
    body, content_type = _multipart(TEN_MB)

    response = client.generic("POST", reverse("account:login"), body, content_type=content_type)

    assert response.status_code == 413
    assert "too much to send at once" in response.content.decode()
    assert not response.wsgi_request._read_started  # not a byte of the body was read, nothing spooled


@pytest.mark.django_db
def test_an_ordinary_sign_in_post_is_well_under_the_limit(client):
    user = UserFactory()

    response = client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_a_view_that_takes_uploads_can_allow_more(rf, settings):
    from django.http import HttpResponse

    from core.middleware import RequestSizeLimitMiddleware, allow_body_size

    @allow_body_size(lambda: settings.UPLOAD_MAX_BODY_BYTES)
    def upload(request):
        return HttpResponse("stored")

    def plain(request):
        return HttpResponse("stored")

    middleware = RequestSizeLimitMiddleware(lambda request: HttpResponse())
    request = rf.post("/upload/", data=b"x" * (2 * 1024 * 1024), content_type="application/octet-stream")
    assert middleware.process_view(request, upload, (), {}) is None
    assert middleware.process_view(request, plain, (), {}).status_code == 413


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory, migrated_sqlite):
    """gunicorn with the production configuration file, on development settings and a freshly migrated SQLite file."""
    database = migrated_sqlite(tmp_path_factory.mktemp("gunicorn") / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="false", GUNICORN_WORKERS="1")
    port = _free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=10)
                break
            except OSError:  # refused while starting, or slow on a busy machine
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("gunicorn did not start within 60 s")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(request: urllib.request.Request) -> int:
    try:
        return urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def _post_status(base: str, body: bytes, content_type: str) -> int:
    """Send the headers and the start of the body, then read the answer: a server that refuses from the
    Content-Length answers at once and closes, without waiting for (or reading) the rest."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = (
            f"POST /account/sign-in/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode() + body[:65536])
        answer = sock.recv(4096).decode("latin-1")
    return int(answer.split(" ", 2)[1])


def test_behind_gunicorn_a_10_mb_post_is_refused_and_an_oversized_header_too(gunicorn_server):
    body, content_type = _multipart(TEN_MB)
    assert _post_status(gunicorn_server, body, content_type) == 413

    long_header = urllib.request.Request(gunicorn_server + "/account/sign-in/", headers={"X-Filler": "a" * 10_000})
    assert _status(long_header) == 431  # Request Header Fields Too Large
    assert _status(urllib.request.Request(gunicorn_server + "/account/sign-in/")) == 200
