"""The embedded default (`make run`: SQLite, runserver) holds the claim and booking races like PostgreSQL.

Ten psychiatrists click Claim on one case at the same moment, and ten coordinators book one psychiatrist's
same slot at the same moment, each from their own thread and signed-in session against a real server on a
SQLite file: one winner each, everyone else the refusal a person gets on PostgreSQL ("already claimed",
"that time was just taken"), never a 500 "database is locked".
"""

import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT

from .conftest import _stop, free_port, wait_for

pytestmark = pytest.mark.faults

CONTENDERS = 10


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory, migrated_sqlite):
    """Seed and runserver on a freshly migrated SQLite file, with the development settings `make run` uses."""
    database = migrated_sqlite(tmp_path_factory.mktemp("sqlite-races") / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", PYTHONUNBUFFERED="1")
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.faults.sqlite_race_seed", str(CONTENDERS)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    world = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log = (tmp_path_factory.mktemp("sqlite-races-log") / "runserver.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _get(port, "/healthz", "")[0] == 200, timeout=60, what="runserver on SQLite")
        yield port, world, database
    finally:
        _stop(proc)
        log.close()


def _request(port: int, method: str, path: str, session: str, body: dict | None = None, csrf: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}" if csrf else f"sessionid={session}"}
    payload = None
    if body is not None:
        payload = urlencode({**body, "csrfmiddlewaretoken": csrf})
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"})
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(), response.getheader("Set-Cookie") or ""
    except OSError:
        return 0, "", ""
    finally:
        connection.close()


def _get(port: int, path: str, session: str):
    return _request(port, "GET", path, session)


def _csrf(port: int, page: str, session: str) -> str:
    status, html, cookies = _get(port, page, session)
    assert status == 200, f"{page} → {status}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", cookies).group(1)
    return token, cookie


def _race(count: int, prepare, act) -> list:
    prepared = [prepare(i) for i in range(count)]
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        results[i] = act(i, prepared[i])

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a contender never got an answer"
    return results


def _post(port: int, path: str, session: str, csrf: tuple[str, str], form: dict):
    token, cookie = csrf
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urlencode({**form, "csrfmiddlewaretoken": token})
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        # The flash message travels in a cookie (Django's default message storage) to the next page.
        found = re.search(r"messages=(\"[^\"]*\"|[^;]*)", response.getheader("Set-Cookie") or "")
        return response.status, response.read().decode(), found.group(1) if found else ""
    finally:
        connection.close()


def test_ten_psychiatrists_claim_one_case_at_once_on_sqlite(sqlite_server):
    port, world, database = sqlite_server
    claim = world["claim"]

    results = _race(
        CONTENDERS,
        lambda i: _csrf(port, claim["page"], claim["sessions"][i]),
        lambda i, csrf: _post(port, claim["url"], claim["sessions"][i], csrf, {}),
    )

    assert [status for status, _, _ in results] == [302] * CONTENDERS  # sent back to the case page, no 500
    pages = [
        _get(port, claim["page"], f"{session}; messages={message}")[1]
        for session, (_, _, message) in zip(claim["sessions"], results, strict=True)
    ]
    won = [html for html in pages if "You have claimed this case" in html]
    refused = [html for html in pages if "already claimed" in html]
    assert len(won) == 1 and len(refused) == CONTENDERS - 1
    with sqlite3.connect(database) as db:
        kinds = db.execute(
            "SELECT count(*) FROM screening_reviewdecision WHERE case_id = ? AND kind = 'claimed'",
            [world["claim"]["case_id"].replace("-", "")],
        ).fetchone()[0]
    assert kinds == 1


def test_ten_coordinators_book_one_slot_at_once_on_sqlite(sqlite_server):
    port, world, database = sqlite_server
    bookers, form = world["book"]["bookers"], world["book"]["form"]

    results = _race(
        CONTENDERS,
        lambda i: _csrf(port, bookers[i]["url"], bookers[i]["session"]),
        lambda i, csrf: _post(port, bookers[i]["url"], bookers[i]["session"], csrf, form),
    )

    statuses = [status for status, _, _ in results]
    assert sorted(statuses) == [200] * (CONTENDERS - 1) + [302], statuses  # no 500, no 503
    refusals = [html for status, html, _ in results if status == 200]
    assert all("That time was just booked by someone else" in html for html in refusals)
    with sqlite3.connect(database) as db:
        booked = db.execute("SELECT count(*) FROM clinics_appointment WHERE status = 'booked'").fetchone()[0]
    assert booked == 1
