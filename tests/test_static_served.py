"""`make run`'s server serves every asset its pages link: the real runserver, the development settings.

The browser tests run on the test server, which serves static files by itself; this starts what a newcomer
starts (migrate, load_demo, runserver with no environment but a fresh SQLite file) and fetches every
stylesheet, script and icon the home, sign-in, directory and an intake step page link.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT

DEMO_PATIENT = "sky@patients.cedar.demo.example"  # intake half done
DEMO_PASSWORD = "demo-password-2026"
EXPECTED_TYPES = {".css": "text/css", ".js": "javascript", ".svg": "image/svg+xml"}


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.csrf = ""
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in ("stylesheet", "icon") and found.get("href"):
            self.urls.append(found["href"])
        elif tag == "script" and found.get("src"):
            self.urls.append(found["src"])
        elif tag == "input" and found.get("name") == "csrfmiddlewaretoken" and not self.csrf:
            self.csrf = found.get("value") or ""
        elif tag == "a" and found.get("href"):
            self.links.append(found["href"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory, migrated_sqlite):
    """runserver on the development settings, as `make run` starts it, on a throwaway migrated SQLite database."""
    database = migrated_sqlite(tmp_path_factory.mktemp("devserver") / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", PYTHONUNBUFFERED="1")
    # The demo's documents go beside the throwaway database, not into the checkout's var/.
    env["DOCUMENTS_ROOT"] = str(database.parent / "documents")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("runserver did not answer within 30 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _page(opener, url: str) -> tuple[str, _Assets]:
    with opener.open(url, timeout=10) as response:
        assert response.status == 200, url
        html = response.read().decode()
    parsed = _Assets()
    parsed.feed(html)
    return response.url, parsed


def _assert_assets_served(opener, base: str, page_url: str, assets: _Assets) -> None:
    local = [url for url in assets.urls if not urllib.parse.urlsplit(url).netloc]
    assert any(url.endswith(".css") for url in local), f"{page_url} links no stylesheet"
    assert any("bootstrap" in url for url in local), f"{page_url} does not link Bootstrap"
    # Without an icon the browser asks for /favicon.ico, a 404 in every visitor's console.
    assert any(url.endswith("favicon.svg") for url in local), f"{page_url} links no icon"
    problems = []
    for url in local:
        try:
            with opener.open(urllib.parse.urljoin(base, url), timeout=10) as response:
                content_type = response.headers.get("Content-Type", "")
                body = response.read()
        except urllib.error.HTTPError as error:
            problems.append(f"{url}: HTTP {error.code}")
            continue
        suffix = os.path.splitext(urllib.parse.urlsplit(url).path)[1]
        if EXPECTED_TYPES[suffix] not in content_type:
            problems.append(f"{url}: Content-Type {content_type!r}")
        if not body:
            problems.append(f"{url}: empty")
    assert not problems, f"assets of {page_url} not served:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", ["/", "/account/sign-in/", "/clinics/"])
def test_public_pages_assets_are_served_by_the_development_server(dev_server, path):
    opener = _opener()
    url, assets = _page(opener, dev_server + path)
    _assert_assets_served(opener, dev_server, url, assets)


def test_an_intake_step_pages_assets_are_served_by_the_development_server(dev_server):
    opener = _opener()
    _, sign_in = _page(opener, f"{dev_server}/account/sign-in/")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": sign_in.csrf, "username": DEMO_PATIENT, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{dev_server}/account/sign-in/", data=form, headers={"Referer": f"{dev_server}/account/sign-in/"}
    )
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
    _, dashboard = _page(opener, f"{dev_server}/patient/")
    resume = next(link for link in dashboard.links if re.fullmatch(r"/patient/intake/[0-9a-f-]{36}/", link))
    step_url, step = _page(opener, dev_server + resume)
    assert re.search(r"/patient/intake/[0-9a-f-]{36}/[a-z-]+/$", step_url), step_url
    assert any(url.endswith("intake.js") for url in step.urls), "an intake step links js/intake.js"
    _assert_assets_served(opener, dev_server, step_url, step)
