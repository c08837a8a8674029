"""SIGTERM lets the request in flight finish (issue 25): the real `debrief serve`
(gunicorn), a real sign-in made slow by a costly password hash, and a real signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.client import Client, csrf_token
from bench.server import free_port
from tests.conftest import SECRET

DEBRIEF = str(Path(sys.executable).with_name("debrief"))
PASSWORD = "a long enough password for the graceful stop test"


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    env = {
        **os.environ,
        "DEBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "DEBRIEF_SECRET_KEY": SECRET,
        # A costly hash makes each sign-in take long enough to be caught in flight.
        "DEBRIEF_ARGON2_TIME_COST": "12",
        "DEBRIEF_ARGON2_MEMORY_KIB": "65536",
    }
    subprocess.run([DEBRIEF, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [DEBRIEF, "users", "create", "sam", "--role", "sergeant", "--password-stdin"],
        env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [DEBRIEF, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = Client(port)
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine took 67 s
        while True:
            try:
                assert client.get("/healthz").status == 200
                break
            except OSError:
                client.close()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)

        def sign_in_data(password: str) -> list[tuple[str, str]]:
            token = csrf_token(client.get("/sign-in").body)
            return [("username", "sam"), ("password", password), ("csrf_token", token)]

        began = time.perf_counter()
        client.post("/sign-in", sign_in_data("not the password at all"))  # how long one takes
        took = time.perf_counter() - began
        assert took > 0.3, f"a sign-in took {took:.2f} s: too quick to catch in flight"

        data = sign_in_data(PASSWORD)
        client.retry = False  # a dropped request must show as dropped
        answers: list[object] = []
        posting = threading.Thread(target=lambda: answers.append(_post(client, data)))
        posting.start()
        time.sleep(took / 3)
        server.send_signal(signal.SIGTERM)
        posting.join(60)
        assert answers and getattr(answers[0], "status", None) == 302, answers
        assert server.wait(timeout=30) == 0  # and then it stopped, cleanly
    finally:
        client.close()
        if server.poll() is None:
            server.kill()
            server.wait(10)


def _post(client: Client, data):
    try:
        return client.post("/sign-in", data)
    except OSError as exc:
        return exc
