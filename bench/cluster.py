"""Two servers behind nginx over TLS, on one PostgreSQL database and one Redis: run it,
break it, and check that nothing the clients saw accepted was lost.

    python -m bench.cluster                      # about 2.5 minutes
    python -m bench.cluster --seconds 60 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_cluster

Real components only: Debian's nginx on the site file deploy/nginx-oic-debrief.conf (with
a test certificate made here), two `debrief serve` started and stopped as the systemd
unit deploy/oic-debrief@.service says (its ExecStart, KillSignal, KillMode and
TimeoutStopSec), the machine's PostgreSQL and Redis (database number --redis-db only,
emptied first). It checks, through the proxy:
  1. two servers started together on an empty database migrate once, one at a time;
  2. cookies are Secure, HttpOnly and __Host- prefixed, and HSTS is sent;
  3. the client address the app records is the one nginx saw, not one the client made up;
  4. a session made on one server works on the other (each request is placed on its
     server by the request id both nginx and the app log);
  5. the sign-in rate limit (Redis) and the account lock-out (PostgreSQL) hold across
     both servers;
  6. 20 writers save for --seconds while one server is killed (SIGKILL) and restarted and
     the other stopped (SIGTERM) and restarted: every save a client saw accepted is in
     the database; a client whose POST got a 502 finds it applied once or not at all, and
     sending the same form again never applies it twice (the form's version);
  7. /readyz, polled on each server, went down and up with it.
Prints the figures and exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import shlex
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from debrief.config import PROJECT_ROOT
from debrief.models import Answer, AuditEntry, Debrief, RefusalTally

from . import scenarios
from .client import Outcome, RequestFailed, csrf_token, drive
from .generate import BENCH_PASSWORD, generate
from .load import Ledger, check_database
from .server import SECRET, free_port

DEPLOY = PROJECT_ROOT / "deploy"
UNIT = DEPLOY / "oic-debrief@.service"
SITE = DEPLOY / "nginx-oic-debrief.conf"
RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_cluster"
SIGN_IN_LIMIT = 10  # per minute and address, for the shared-limit check
WRITERS = 20


# -- the systemd unit and the app servers ------------------------------------------------


@dataclass
class Unit:
    """What deploy/oic-debrief@.service says about starting and stopping a server."""

    exec_start: list[str]
    kill_signal: signal.Signals
    kill_mode: str
    timeout_stop: float

    @classmethod
    def read(cls, path: Path = UNIT) -> Unit:
        service: dict[str, str] = {}
        section = ""
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                service[key] = value
        return cls(
            exec_start=shlex.split(service["ExecStart"]),
            kill_signal=signal.Signals[service.get("KillSignal", "SIGTERM")],
            kill_mode=service.get("KillMode", "control-group"),
            timeout_stop=float(service.get("TimeoutStopSec", "90").rstrip("s")),
        )

    def command(self, port: int) -> list[str]:
        """ExecStart for the instance `port`, with this checkout's venv for /opt/oic-debrief."""
        venv_bin = str(Path(sys.executable).parent)
        return [
            arg.replace("%i", str(port))
            .replace("/opt/oic-debrief/.venv/bin", venv_bin)
            .replace("/opt/oic-debrief", str(PROJECT_ROOT))
            for arg in self.exec_start
        ]


class AppServer:
    """One `debrief serve` run as the unit says, its JSON log in a file of its own."""

    def __init__(self, name: str, unit: Unit, env: dict[str, str], log_dir: Path):
        self.name, self.unit, self.env = name, unit, env
        self.port = free_port()
        self.log_path = log_dir / f"server-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.unit.command(self.port),
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the unit's control group
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} stopped at start; see {self.log_path}")
            if probe(self.port, "/readyz") == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"server {self.name} was not ready within {timeout} s")

    def kill(self) -> None:
        """SIGKILL every process of the server at once (a crash, or the OOM killer)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> float:
        """Stop as systemd does with KillMode=mixed: the unit's KillSignal to the main
        process, then SIGKILL to the whole group after TimeoutStopSec; return the seconds."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        began = time.monotonic()
        target = self.process.pid
        if self.unit.kill_mode == "mixed" or self.unit.kill_mode == "process":
            os.kill(target, self.unit.kill_signal)
        else:
            os.killpg(target, self.unit.kill_signal)
        try:
            self.process.wait(self.unit.timeout_stop)
        except subprocess.TimeoutExpired:
            os.killpg(target, signal.SIGKILL)
            self.process.wait(10)
        return time.monotonic() - began

    def log_lines(self) -> list[dict]:
        """Every JSON line the server wrote (anything else is gunicorn's start-up echo)."""
        lines = []
        if self.log_path.exists():
            for raw in self.log_path.read_text(errors="replace").splitlines():
                if raw.startswith("{"):
                    try:
                        lines.append(json.loads(raw))
                    except json.JSONDecodeError:
                        pass
        return lines


def probe(port: int, path: str, timeout: float = 2) -> int | None:
    """Return the status of a GET straight to a server, or None if nothing answers."""
    try:
        url = f"http://127.0.0.1:{port}{path}"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


# -- nginx -------------------------------------------------------------------------------


class Nginx:
    """Debian's nginx on deploy/nginx-oic-debrief.conf, with a certificate made here."""

    def __init__(self, work: Path, upstream_ports: list[int]):
        self.work = work
        self.port = free_port()
        self.http_port = free_port()
        self.cert = work / "test.crt"
        self.key = work / "test.key"
        self.upstream_ports = upstream_ports
        self.process: subprocess.Popen | None = None

    def make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-keyout", str(self.key), "-out", str(self.cert), "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip

    def site(self) -> str:
        """The deploy site file with this run's ports, certificate and log paths."""
        site = SITE.read_text()
        replacements = {
            "listen 443 ssl;": f"listen 127.0.0.1:{self.port} ssl;",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "/etc/ssl/certs/oic-debrief.crt": str(self.cert),
            "/etc/ssl/private/oic-debrief.key": str(self.key),
            "/var/log/nginx/": f"{self.work}/",
            "127.0.0.1:8001": f"127.0.0.1:{self.upstream_ports[0]}",
            "127.0.0.1:8002": f"127.0.0.1:{self.upstream_ports[1]}",
        }
        for old, new in replacements.items():
            if old not in site:
                raise RuntimeError(f"{SITE} no longer contains {old!r}: update bench/cluster.py")
            site = site.replace(old, new)
        return site

    def start(self) -> None:
        self.make_certificate()
        (self.work / "site.conf").write_text(self.site())
        temp = self.work / "temp"
        temp.mkdir(exist_ok=True)
        (self.work / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {self.work}/nginx.pid;
error_log {self.work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include /etc/nginx/mime.types;
    include {self.work}/site.conf;
}}
"""
        )
        if os.geteuid() == 0:  # nginx's workers would run as nobody, who cannot write here
            conf = (self.work / "nginx.conf").read_text()
            (self.work / "nginx.conf").write_text("user root root;\n" + conf)
        subprocess.run(
            ["nginx", "-t", "-q", "-c", str(self.work / "nginx.conf"), "-p", str(self.work),
             "-e", str(self.work / "error.log")],
            check=True,
        )  # fmt: skip
        self.process = subprocess.Popen(
            ["nginx", "-c", str(self.work / "nginx.conf"), "-p", str(self.work),
             "-e", str(self.work / "error.log")],
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with TLSClient(self, "probe") as client:
                    client.get("/healthz")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start; see " + str(self.work / "error.log"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class TLSClient(scenarios.BenchClient):
    """A bench client that talks HTTPS to nginx, trusting only the test certificate, from a
    loopback address of its own (so nginx sees a different client for each)."""

    def __init__(self, nginx: Nginx, username: str, source: str = "127.0.0.1"):
        super().__init__(nginx.port, username)
        self.context = ssl.create_default_context(cafile=str(nginx.cert))
        self.source = source

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self.context,
                source_address=(self.source, 0),
            )  # fmt: skip
        return self.conn

    def __enter__(self) -> TLSClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- the checks --------------------------------------------------------------------------


@dataclass
class Report:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, ok, detail))
        print(f"  [{'pass' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}")
        return ok

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


def server_of(servers: list[AppServer], request_id: str, wait: float = 3) -> str | None:
    """Return which server logged a request id (nginx's, echoed in X-Request-ID)."""
    deadline = time.monotonic() + wait
    needle = f'"request_id": "{request_id}"'
    while time.monotonic() < deadline:
        for server in servers:
            if server.log_path.exists() and needle in server.log_path.read_text(errors="replace"):
                return server.name
        time.sleep(0.1)
    return None


def check_migration_lock(report: Report, servers: list[AppServer], url: str) -> None:
    """Start both servers at once on an empty database: one migrates, the other waits."""
    empty_database(url)
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()
    waited = [s.name for s in servers if "waiting for it to finish" in s.log_path.read_text()]
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    report.check(
        "two servers started together migrated one at a time",
        len(versions) == 1 and len(waited) <= 1,
        f"alembic_version {versions}; waited for the other's upgrade: {waited or 'neither'}",
    )
    for server in servers:
        server.stop()


def empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def check_cookies_and_hsts(report: Report, nginx: Nginx, servers) -> None:
    """Sign in over TLS through nginx and look at what came back."""
    context = ssl.create_default_context(cafile=str(nginx.cert))
    conn = http.client.HTTPSConnection("127.0.0.1", nginx.port, context=context, timeout=30)
    conn.request("GET", "/sign-in")
    response = conn.getresponse()
    response.read()
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    hsts = response.getheader("Strict-Transport-Security", "")
    request_id = response.getheader("X-Request-ID", "")
    conn.close()
    good = bool(cookies) and all(
        c.startswith("__Host-")
        and "; Secure" in c
        and "; HttpOnly" in c
        and "; Path=/" in c
        and "Domain=" not in c
        for c in cookies
    )
    names = ", ".join(c.split("=", 1)[0] for c in cookies)
    report.check("cookies are __Host-, Secure, HttpOnly, Path=/", good, names)
    report.check("HSTS sent through the proxy", hsts.startswith("max-age="), hsts)
    report.check(
        "X-Request-ID returned is nginx's, logged by the server that answered",
        bool(re.fullmatch(r"[0-9a-f]{32}", request_id))
        and server_of(servers, request_id) is not None,
        request_id,
    )


def check_client_address(report: Report, nginx: Nginx, url: str) -> None:
    """A failed sign-in from 127.0.0.9 claiming to be 203.0.113.7: the audit says 127.0.0.9."""
    with TLSClient(nginx, "nobody", source="127.0.0.9") as client:
        page = client.get("/sign-in")
        client.request("POST", "/sign-in", [("username", "no-such-person"), ("password", "x"),
                                            ("csrf_token", csrf_token(page.body))])  # fmt: skip
    conn = http.client.HTTPSConnection(
        "127.0.0.1", nginx.port, context=ssl.create_default_context(cafile=str(nginx.cert)),
        source_address=("127.0.0.9", 0),
    )  # fmt: skip
    conn.request("GET", "/dashboard", headers={"X-Forwarded-For": "203.0.113.7"})
    conn.getresponse().read()
    conn.close()
    engine = create_engine(url)
    with engine.connect() as conn_:
        addresses = set(conn_.execute(select(AuditEntry.remote_addr).distinct()).scalars())
        addresses |= set(conn_.execute(select(RefusalTally.remote_addr).distinct()).scalars())
    engine.dispose()
    report.check(
        "the address recorded is the one nginx saw",
        "127.0.0.9" in addresses and "203.0.113.7" not in addresses,
        f"audit addresses {sorted(a for a in addresses if a)}",
    )


def check_session_on_both(report: Report, nginx: Nginx, servers) -> None:
    """Sign in through nginx, then use the session until a request lands on the other server."""
    with TLSClient(nginx, "bench-hub-02", source="127.0.0.12") as client:
        page = client.get("/sign-in")
        signed_in = client.post("/sign-in", [("username", "bench-hub-02"),
                                             ("password", BENCH_PASSWORD),
                                             ("csrf_token", csrf_token(page.body))])  # fmt: skip
        first = server_of(servers, signed_in.headers.get("x-request-id", ""))
        seen = {}
        for _ in range(10):
            response = client.get("/account")
            where = server_of(servers, response.headers.get("x-request-id", ""))
            seen.setdefault(where, response.status)
            if where != first and where is not None:
                break
    other = [s for s in seen if s != first and s is not None]
    report.check(
        "a session made on one server works on the other",
        signed_in.status == 302 and bool(other) and all(v == 200 for v in seen.values()),
        f"signed in on {first}; /account answered {seen}",
    )


def check_shared_limits(report: Report, nginx: Nginx, servers) -> None:
    """Over the sign-in limit across both servers (Redis), and a lock-out on both (database)."""
    statuses, where = [], set()
    with TLSClient(nginx, "limit", source="127.0.0.11") as client:
        token = csrf_token(client.get("/sign-in").body)
        for _ in range(SIGN_IN_LIMIT + 2):
            data = [("username", "no-such-person"), ("password", "wrong"), ("csrf_token", token)]
            response = client.post("/sign-in", data)
            statuses.append(response.status)
            if response.status == 200:
                where.add(server_of(servers, response.headers.get("x-request-id", "")))
    report.check(
        f"sign-in limit ({SIGN_IN_LIMIT} a minute) counted across both servers",
        statuses == [200] * SIGN_IN_LIMIT + [429, 429] and len(where) == 2,
        f"statuses {statuses}; the allowed ones answered by {sorted(map(str, where))}",
    )
    # Lock-out: five wrong passwords for one account, then the right one is refused on both.
    outcomes, where = [], set()
    with TLSClient(nginx, "lockout", source="127.0.0.13") as client:
        token = csrf_token(client.get("/sign-in").body)
        for password in ["wrong"] * 5 + [BENCH_PASSWORD] * 4:
            data = [("username", "bench-hub-03"), ("password", password), ("csrf_token", token)]
            response = client.post("/sign-in", data)
            outcomes.append(response.status)
            if password == BENCH_PASSWORD:
                where.add(server_of(servers, response.headers.get("x-request-id", "")))
    report.check(
        "lock-out after 5 failures holds on both servers",
        outcomes == [200] * 9 and len(where) == 2,
        f"statuses {outcomes} (200: the sign-in page again, refused); right password "
        f"refused on {sorted(map(str, where))}",
    )


# -- the load under faults ---------------------------------------------------------------


@dataclass
class Uncertain:
    """A POST the client got no answer for (502, 504 or a dropped connection)."""

    debrief_id: int
    version: int
    status: str
    when: float = field(default_factory=time.monotonic)
    applied_before_retry: bool = False
    retry_status: int = 0
    version_after: int = 0
    found: bool = False


class Readiness:
    """Polls each server's /readyz directly, as a load balancer would (a thread per server,
    5 s to answer), and notes when it went out and came back."""

    timeout = 5.0

    def __init__(self, servers: list[AppServer], every: float = 0.25):
        self.every = every
        self.timeline: dict[str, list[tuple[float, bool]]] = {s.name: [] for s in servers}
        self.running = True
        self.threads = [threading.Thread(target=self._poll, args=(s,), daemon=True)
                        for s in servers]  # fmt: skip

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(10)

    def _poll(self, server: AppServer) -> None:
        line = self.timeline[server.name]
        while self.running:
            asked = time.monotonic()  # when the probe was sent: the state it reports
            ready = probe(server.port, "/readyz", timeout=self.timeout) == 200
            if not line or line[-1][1] != ready:
                line.append((asked, ready))
            time.sleep(self.every)

    def out_periods(self, name: str, until: float) -> list[tuple[float, float]]:
        periods, down = [], None
        for when, ready in self.timeline[name]:
            if not ready and down is None:
                down = when
            elif ready and down is not None:
                periods.append((down, when))
                down = None
        if down is not None:
            periods.append((down, until))
        return periods


def cluster_writer(ledger: Ledger, serial, uncertain: list[Uncertain], url: str, lock):
    """A section save through nginx; a POST without an answer is resolved as a person
    would: look at the page, then send the same form again, and the database is checked."""

    def step(client: TLSClient, i: int) -> float:
        debrief_id = client.drafts[i % len(client.drafts)]
        path, form = scenarios.section_form(client, debrief_id)
        version = int(dict(form.fields)["version"])
        words = f"Cluster {client.username} save {i} #{next(serial)}."
        data = [(k, words if k == scenarios.SAVE_FIELD else v) for k, v in form.fields]
        began = time.perf_counter()
        try:
            response = client.post(form.action or path, data)
            status = str(response.status)
        except OSError as exc:
            client.close()
            response, status = None, type(exc).__name__
        seconds = time.perf_counter() - began
        if response is not None and response.status == 302:
            if "check=1" in response.location:
                raise RequestFailed("the save was refused as incomplete")
            with ledger.lock:
                ledger.last[debrief_id] = words
                ledger.accepted += 1
            return seconds
        if response is not None and response.status not in (502, 503, 504):
            raise RequestFailed(f"save: status {response.status}")
        case = Uncertain(debrief_id, version, status)
        case.applied_before_retry = words in page_when_back(client, path).body
        retry = retry_when_back(client, form.action or path, data)
        case.retry_status = retry.status
        case.version_after, stored = stored_save(url, debrief_id)
        case.found = stored == words
        with lock:
            uncertain.append(case)
        if retry.status in (302, 409) and case.found and case.version_after == version + 1:
            with ledger.lock:
                ledger.last[debrief_id] = words
                ledger.accepted += 1
        raise RequestFailed(f"save: {status} (resolved: retry {retry.status})")

    return step


def page_when_back(client: TLSClient, path: str, wait: float = 60):
    deadline = time.monotonic() + wait
    while True:
        try:
            page = client.get(path)
            if page.status == 200 or time.monotonic() > deadline:
                return page
        except OSError:
            client.close()
        time.sleep(0.5)


def retry_when_back(client: TLSClient, path: str, data, wait: float = 60):
    deadline = time.monotonic() + wait
    while True:
        try:
            response = client.post(path, data)
            if response.status not in (502, 503, 504) or time.monotonic() > deadline:
                return response
        except OSError:
            client.close()
        time.sleep(0.5)


def stored_save(url: str, debrief_id: int) -> tuple[int, str | None]:
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.scalar(select(Debrief.version).where(Debrief.id == debrief_id))
        value = conn.scalar(
            select(Answer.value).where(
                Answer.debrief_id == debrief_id, Answer.question_id == scenarios.SAVE_FIELD
            )
        )
    engine.dispose()
    return int(version or 0), value


def run_faults(servers: list[AppServer], seconds: float, events: list[tuple[float, str]]):
    """At set times into the load: SIGKILL a, restart a; SIGTERM b, restart b."""
    a, b = servers
    began = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, began + seconds * fraction - time.monotonic()))

    at(0.15)
    events.append((time.monotonic(), f"{a.name}: SIGKILL"))
    a.kill()
    at(0.30)
    events.append((time.monotonic(), f"{a.name}: started again"))
    a.start()
    a.wait_ready()
    events.append((time.monotonic(), f"{a.name}: ready"))
    # nginx leaves a refused server out for fail_timeout (5 s): wait that out before the
    # other server goes, or nginx would have none left to send requests to.
    time.sleep(6)
    at(0.55)
    events.append((time.monotonic(), f"{b.name}: {b.unit.kill_signal.name} (systemctl stop)"))
    took = b.stop()
    events.append((time.monotonic(), f"{b.name}: stopped after {took:.1f} s, started again"))
    b.start()
    b.wait_ready()
    events.append((time.monotonic(), f"{b.name}: ready"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--n", type=int, default=1000, help="debriefs in the database")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--redis-db", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    sys.exit(run(args))


def run(args) -> int:
    url = args.pg_url
    if make_url(url).database in {"test", "postgres"}:
        raise SystemExit("Refusing the shared database: give --pg-url a database of its own.")
    ensure_database(url)
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis.Redis.from_url(redis_url).flushdb()  # this run's own database number only
    work = RESULTS / f"cluster-{time.strftime('%Y%m%d-%H%M%S')}"
    work.mkdir(parents=True)
    unit = Unit.read()
    env = dict(os.environ)
    env.update(
        DEBRIEF_DATABASE_URL=url,
        DEBRIEF_SECRET_KEY=SECRET,
        DEBRIEF_RATELIMIT_STORAGE_URI=redis_url,
        DEBRIEF_PROXY_FIX_HOPS="1",
        DEBRIEF_PREFER_HTTPS="true",
        DEBRIEF_SIGN_IN_RATE_LIMIT=f"{SIGN_IN_LIMIT} per minute",
    )
    # The unit's worker counts are for a production machine; this one has two cores.
    unit.exec_start = [
        str(args.workers) if prev == "--workers" else str(args.threads) if prev == "--threads"
        else arg
        for prev, arg in zip([""] + unit.exec_start[:-1], unit.exec_start, strict=True)
    ]  # fmt: skip
    servers = [AppServer(name, unit, env, work) for name in ("a", "b")]
    nginx = Nginx(work, [s.port for s in servers])
    report = Report()
    figures: dict = {}
    print(f"Work folder {work}")
    try:
        print("1. Migration lock")
        check_migration_lock(report, servers, url)
        print(f"Generating {args.n:,} debriefs")
        generate(url, args.n, echo=lambda line: None)
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        nginx.start()
        print("2-5. Through the proxy")
        check_cookies_and_hsts(report, nginx, servers)
        check_client_address(report, nginx, url)
        check_session_on_both(report, nginx, servers)
        check_shared_limits(report, nginx, servers)
        print(f"6-7. {WRITERS} writers for {args.seconds:.0f} s, one server killed, one stopped")
        figures = load_under_faults(report, nginx, servers, url, args.seconds)
    finally:
        nginx.stop()
        for server in servers:
            server.stop()
    print_figures(figures)
    summary = "; ".join(f"{k} {v}" for k, v in figures.items())
    with (RESULTS / "results.txt").open("a") as fh:
        fh.write(f"cluster: {'passed' if report.passed else 'FAILED'}: {summary}\n")
    print("PASSED" if report.passed else "FAILED")
    return 0 if report.passed else 1


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def load_under_faults(report: Report, nginx: Nginx, servers, url: str, seconds: float) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        audit_before = conn.scalar(select(func.count()).where(AuditEntry.action == "debrief.save"))
    engine.dispose()
    clients = []
    for i in range(1, WRITERS + 1):
        client = TLSClient(nginx, f"bench-sgt-{i:02d}", source=f"127.0.1.{i}")
        clients.append(client.start())
    scenarios.attach_drafts(url, clients)
    ledger, uncertain, lock = Ledger(), [], threading.Lock()
    readiness = Readiness(servers)
    readiness.start()
    time.sleep(1)
    events: list[tuple[float, str]] = []
    faults = threading.Thread(target=run_faults, args=(servers, seconds, events), daemon=True)
    began = time.monotonic()
    faults.start()
    outcome: Outcome = drive(
        "cluster save", clients, cluster_writer(ledger, itertools.count(), uncertain, url, lock),
        10**6, seconds,
    )  # fmt: skip
    faults.join(120)
    time.sleep(1)
    readiness.stop()
    ended = time.monotonic()
    for client in clients:
        client.close()
    problems = check_database(url, ledger, audit_before)
    engine = create_engine(url)
    with engine.connect() as conn:
        saves_found = (
            conn.scalar(select(func.count()).where(AuditEntry.action == "debrief.save"))
            - audit_before
        )
    engine.dispose()
    for when, what in events:
        print(f"    {when - began:5.1f} s  {what}")
    for line in problems[:10]:
        print("    ", line)
    report.check(
        "every save a client saw accepted is in the database",
        not problems and ledger.accepted > 0,
        f"{ledger.accepted} accepted, {len(problems)} missing or different",
    )
    applied_twice = [c for c in uncertain if c.version_after > c.version + 1]
    unresolved = [c for c in uncertain if not (c.found and c.retry_status in (302, 409))]
    kill_at = next(t for t, e in events if e.endswith("SIGKILL"))
    stop_at = next(t for t, e in events if "systemctl stop" in e)
    by_fault = {
        f"{servers[0].name} killed": sum(c.when < stop_at for c in uncertain),
        f"{servers[1].name} stopped": sum(c.when >= stop_at for c in uncertain),
    }
    report.check(
        "a POST that got a 502 was applied once or not at all, and never twice when sent again",
        not applied_twice and not unresolved,
        f"{len(uncertain)} unanswered POSTs ({by_fault}): "
        f"{sum(c.applied_before_retry for c in uncertain)} had been applied (the resend "
        f"answered 409), {sum(not c.applied_before_retry for c in uncertain)} had not (the "
        f"resend saved it); applied twice {len(applied_twice)}; unresolved {len(unresolved)}",
    )
    out = {}
    for server in servers:
        periods = readiness.out_periods(server.name, ended)
        out[server.name] = periods
    restarted = [t for t, e in events if e.endswith(": ready")]
    a_out, b_out = out[servers[0].name], out[servers[1].name]

    def covers(periods, down_at: float, up_at: float) -> bool:
        """An out period holds the fault (it may have begun earlier, with a probe that
        waited more than 5 s behind the saves; or up to one probe later, as requests in
        flight at a SIGTERM are still answered) and ended by the server's return, as
        `wait_ready` saw it, give or take a probe's 5 s."""
        late = Readiness.timeout + 1
        return any(d <= down_at + late and up_at - late <= u <= up_at + 3 for d, u in periods)

    tracked = (
        len(restarted) == 2
        and covers(a_out, kill_at, restarted[0])
        and covers(b_out, stop_at, restarted[1])
    )
    report.check(
        "/readyz tracked each server going out and coming back",
        tracked,
        "; ".join(
            f"{name}: " + ", ".join(f"out {d - began:.1f}-{u - began:.1f} s" for d, u in p)
            for name, p in out.items()
        ),
    )
    status_5xx = {s.name: sum(1 for line in s.log_lines() if line.get("event") == "request"
                              and int(line.get("status", 0)) >= 500) for s in servers}  # fmt: skip
    report.check("no server answered 5xx", not any(status_5xx.values()), str(status_5xx))
    bad_lines = [
        line for s in servers for line in s.log_lines()
        if line.get("event") == "request" and set(line) - REQUEST_LINE_KEYS
    ]  # fmt: skip
    report.check("request log lines hold only the agreed fields", not bad_lines,
                 f"{len(bad_lines)} with others" if bad_lines else "")  # fmt: skip
    errors_by_kind: dict[str, int] = {}
    for error in outcome.errors:
        kind = re.sub(r"/debriefs/\d+/", "/debriefs/N/", error)
        kind = re.sub(r"\(resolved: .*", "(resolved by sending it again)", kind)
        errors_by_kind[kind] = errors_by_kind.get(kind, 0) + 1
    requests = sum(1 for s in servers for line in s.log_lines() if line.get("event") == "request")
    through_nginx = len((nginx.work / "oic-debrief.access.log").read_text().splitlines())
    return {
        "requests through nginx (whole run)": through_nginx,
        "requests the servers logged (incl. direct /readyz probes)": requests,
        "writers": WRITERS,
        "seconds": round(outcome.wall),
        "saves accepted": ledger.accepted,
        "saves found (audited in the database)": saves_found,
        "client errors": len(outcome.errors),
        "client errors by kind": errors_by_kind,
        "POSTs answered 502 / unanswered": len(uncertain),
        "... of which while": by_fault,
        **{
            f"server {name} out (s), by /readyz": round(sum(u - d for d, u in p), 1)
            for name, p in out.items()
        },
        **{
            f"server {name}: from {what} to ready again (s)": round(up - down, 1)
            for name, what, down, up in (
                (servers[0].name, "SIGKILL", kill_at, restarted[0]),
                (servers[1].name, "SIGTERM", stop_at, restarted[1]),
            )
        },
        "readyz out periods (incl. probes slower than 5 s under load)": {
            name: len(p) for name, p in out.items()
        },
        "p50 save (ms)": round(outcome.percentile(50)),
        "p95 save (ms)": round(outcome.percentile(95)),
    }


REQUEST_LINE_KEYS = {
    "time", "level", "logger", "event", "request_id", "method", "route", "status",
    "duration_ms", "user_id",
}  # fmt: skip


def print_figures(figures: dict) -> None:
    if not figures:
        return
    width = max(len(k) for k in figures)
    print()
    print(f"| {'figure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for key, value in figures.items():
        print(f"| {key.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
