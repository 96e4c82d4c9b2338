"""A browser, roughly: one user's connection and cookies over http.client."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from .common import CSRF_INPUT, HOST, FlowError, Stop
from .measure import Budget, Stats


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
