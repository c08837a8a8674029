"""Start the real server (`debrief serve`, gunicorn) on a free loopback port, and stop it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from debrief.config import PROJECT_ROOT

SECRET = "bench-secret-key-for-a-throw-away-database-0123456789"
DEBRIEF = str(Path(sys.executable).with_name("debrief"))


def free_port() -> int:
    """Return a loopback port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_environment(url: str) -> dict[str, str]:
    """The server's settings for a benchmark: production defaults except these."""
    env = dict(os.environ)
    env.update(
        DEBRIEF_DATABASE_URL=url,
        DEBRIEF_SECRET_KEY=SECRET,
        # 40 clients sign in from one address within seconds; the per-address limit
        # is for people, not for a benchmark.
        DEBRIEF_SIGN_IN_RATE_LIMIT="100000 per minute",
    )
    return env


class Server:
    """One `debrief serve` process (gunicorn master and its workers)."""

    def __init__(self, url: str, workers: int, threads: int, log_path: Path):
        self.url, self.workers, self.threads = url, workers, threads
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, wait: float = 90) -> None:
        """Start serving and wait until /health answers."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                DEBRIEF,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ],
            cwd=PROJECT_ROOT,
            env=bench_environment(self.url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not answer within {wait} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """Return the gunicorn worker processes (children of the master we started)."""
        if self.process is None:
            return []
        # `debrief serve` is the gunicorn master itself, so its children are the workers.
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the master we started), then hard if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def log_text(self) -> str:
        """Return everything the server wrote."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def server_errors(log_text: str) -> int:
    """Count the requests the server answered with a 5xx.

    The app writes one JSON line per request (debrief/request_log.py) with
    `"status": 500`; gunicorn's own access log is off, so its `" 500 "` never appears.
    """
    return len(re.findall(r'"status": 5\d\d\b', log_text))
