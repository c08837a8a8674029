"""A publish on one server is used by another at its next request, without a restart
(issue 23): the active version is read from the database, not from a file or memory."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from debrief.models import Debrief
from tests.debrief_helpers import EVENT_FORM
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.question_set_helpers import publish_text, reworded

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browserless:
    """A cookie-keeping HTTP client that sends each form's token, as a browser does."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, form_page: str, data: dict) -> str:
        page = self.get(form_page)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Origin": self.base, "Sec-Fetch-Site": "same-origin"},
        )
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode("utf-8")


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the second server did not start:\n{log.read_text()}")


def test_a_second_server_uses_a_publish_without_a_restart(app, client, db, tmp_path):
    editor = make_user(["question_set_editor", "sergeant"], username="editor")
    assert editor.id
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBRIEF_")}
    env.update(
        DEBRIEF_DATABASE_URL=app.config["DATABASE_URL"],
        DEBRIEF_SECRET_KEY="second-server-secret-key-0123456789abcdef",
        DEBRIEF_QUESTIONS_PATH=str(PROJECT_ROOT / "questions.toml"),
    )
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                Path(sys.executable).with_name("debrief"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server, log)
        second = Browserless(base)
        second.post("/sign-in", "/sign-in", {"username": "editor", "password": DEFAULT_PASSWORD})
        before = second.get("/admin/questions")
        seed = re.search(r"Active version</h2>.*?<code>([0-9a-f]{12})</code>", before, re.S)
        assert seed is not None

        # Published here (another server, in effect), while the second one runs.
        version_id = publish_text(app, reworded("What went well?", "What worked well?"))
        db.rollback()
        new_hash = _hash_of(db, version_id)

        # Each process reads the active version again at most once a second.
        deadline = time.monotonic() + 5
        while True:
            after = second.get("/admin/questions")
            active = re.search(r"Active version</h2>.*?<code>([0-9a-f]{12})</code>", after, re.S)
            if active.group(1) != seed.group(1) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert active.group(1) == new_hash[:12] != seed.group(1)
        # A sergeant starting a debrief on the second server gets the new version.
        second.post(
            "/debriefs/new",
            "/debriefs/new",
            {**EVENT_FORM, "incident_ref": "INC-20250614-0777", "partner_agencies": "border_force"},
        )
        db.rollback()
        started = db.query(Debrief).one()
        assert started.question_set_id == version_id
        assert server.poll() is None  # the same server, never restarted
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _hash_of(db, version_id: int) -> str:
    from debrief.models import QuestionSetVersion

    return db.get(QuestionSetVersion, version_id).version_hash
