"""A small keep-alive HTTP client that signs in like a browser, and the load driver.

Standard library only (http.client, html.parser, threads): light enough that
20 clients on a 2-core machine leave the CPU to the server being measured.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit


class RequestFailed(Exception):
    """A response other than the one the scenario expects."""


@dataclass
class Response:
    """What came back: status, headers (lower-case names), body text."""

    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        """Return the redirect target's path."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Client:
    """One browser: one keep-alive connection and its cookies."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 120):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        # Retry once on a dropped keep-alive connection, as browsers do; the fault
        # script turns this off so that a killed request is seen as killed.
        self.retry = True

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def request(self, method: str, path: str, data: list[tuple[str, str]] | None = None):
        """Send one request (retrying once on a closed keep-alive connection)."""
        headers = {"Host": f"{self.host}:{self.port}", "Sec-Fetch-Site": "same-origin"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                text = raw.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2 or not self.retry:
                    raise
            except Exception:
                # A timed-out or half-read connection cannot carry the next request: left
                # open, every later request of this client failed with CannotSendRequest
                # (260 of them after the reconciliation lists timed out, counted against
                # the Actions and export pages).
                self.close()
                raise
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "max-age=0" not in value.lower():
                    self.cookies[cookie_name.strip()] = cookie_value
                else:
                    self.cookies.pop(cookie_name.strip(), None)
        if raw.getheader("connection", "").lower() == "close":
            self.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)

    def get(self, path: str) -> Response:
        """GET a path."""
        return self.request("GET", path)

    def post(self, path: str, data: list[tuple[str, str]]) -> Response:
        """POST a form."""
        return self.request("POST", path, data)

    def close(self) -> None:
        """Drop the connection (cookies stay)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the real form, CSRF token and all."""
        page = self.get("/sign-in")
        token = csrf_token(page.body)
        data = [("username", username), ("password", password)]
        response = self.post("/sign-in", data + ([("csrf_token", token)] if token else []))
        if response.status != 302 or "/sign-in" in response.location:
            raise RequestFailed(f"sign-in as {username} failed ({response.status})")


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """Return the first CSRF token on a page, or ''."""
    found = _TOKEN.search(html)
    return found.group(1) if found else ""


@dataclass
class Form:
    """A form on a page, as a browser would submit it."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    form.fields.append((a["name"], a.get("value", "on")))
            elif kind == "submit":
                form.buttons.append((a["name"], a.get("value", "")))
            elif kind not in ("file", "image", "reset", "button"):
                form.fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("name") and a.get("type", "submit") == "submit":
            form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select, self._first_option, self._selected = a["name"], None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                form.fields.append((self._select, a.get("value", "")))
                self._selected = True

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea and self.forms:
            name, parts = self._textarea
            self.forms[-1].fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select and self.forms:
            if not self._selected and self._first_option is not None:
                self.forms[-1].fields.append((self._select, self._first_option))
            self._select = None


def forms_on(html: str) -> list[Form]:
    """Return every form on a page with the values a browser would send."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# -- the load driver ---------------------------------------------------------------------


@dataclass
class Outcome:
    """Latencies and failures of one scenario under load."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    def merge(self, other: Outcome) -> None:
        """Add another run of the same scenario (wall times add up)."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.wall += other.wall

    @property
    def count(self) -> int:
        return len(self.latencies) + len(self.errors)

    def percentile(self, p: float) -> float:
        """Return the p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000

    @property
    def per_second(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


def drive(
    name: str,
    clients: list,
    step: Callable[[object, int], float],
    requests_each: int,
    time_limit: float,
) -> Outcome:
    """Run `step(client, i)` on every client at once, bounded by count and time.

    `step` returns the seconds the measured request took, or raises RequestFailed.
    """
    outcome = Outcome(name)
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(client) -> None:
        start.wait()
        for i in range(requests_each):
            if time.perf_counter() > deadline[0]:
                return
            try:
                seconds = step(client, i)
            except Exception as exc:  # every failure is counted, none stops the run
                with lock:
                    outcome.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            with lock:
                outcome.latencies.append(seconds)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + time_limit
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(time_limit + 180)
    outcome.wall = time.perf_counter() - began
    return outcome


def timed(call: Callable[[], Response], expect: tuple[int, ...]) -> tuple[float, Response]:
    """Make one request; return its seconds and response, or raise RequestFailed."""
    began = time.perf_counter()
    response = call()
    seconds = time.perf_counter() - began
    if response.status not in expect:
        raise RequestFailed(f"status {response.status}")
    return seconds, response
