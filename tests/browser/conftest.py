"""Real-browser fixtures: one real server per run, Debian's Chromium, screenshots on failure.

The server is `debrief serve` (gunicorn) on a free loopback port and a fresh SQLite
file, exactly as a force would run it. Accounts are made with `debrief users create`.
Every test here is marked `browser`; without /usr/bin/chromium they are skipped,
unless DEBRIEF_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.pages import Account, ScanLog, set_first_password, sign_out
from tests.browser.server_data import ServerData

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESULTS = PROJECT_ROOT / "test-results" / "browser"
HERE = Path(__file__).resolve().parent
# Fixed so that screenshots and the first-time password of each account are predictable.
ONE_TIME_PASSWORD = "one-time entry ticket 4821"
PASSWORD = "moorland kettle harbour lantern"
SERVER_START_SECONDS = 60


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser`; skip or fail them when there is no browser."""
    here = [item for item in items if Path(str(item.fspath)).is_relative_to(HERE)]
    for item in here:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists() or not here:
        return
    reason = (
        f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) "
        "to run the browser journeys"
    )
    if os.environ.get("DEBRIEF_REQUIRE_BROWSER") == "1":
        for item in here:
            item.add_marker(pytest.mark.usefixtures("_browser_is_required"))
        return
    for item in here:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def _browser_is_required():
    pytest.fail(
        f"DEBRIEF_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: "
        "install it with apt-get install -y chromium",
        pytrace=False,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Started in front of `debrief serve` on Linux: asks the kernel to stop the server if
# pytest itself is killed, then becomes the server (exec). Done in a separate process
# rather than with Popen(preexec_fn=...), which can deadlock once Playwright has threads.
STOP_WITH_PARENT = (
    "import ctypes, os, signal, sys; "
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM); "  # PR_SET_PDEATHSIG
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _server_command(port: int) -> list[str]:
    command = [_debrief_command(), "serve", "--port", str(port), "--workers", "2"]
    if sys.platform == "linux":
        return [sys.executable, "-c", STOP_WITH_PARENT, *command]
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"debrief serve stopped with code {process.returncode}:\n{log_path.read_text()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"debrief serve did not answer /health:\n{log_path.read_text()}", pytrace=False)


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The environment of the real server and its commands: a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("browser-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBRIEF_")}
    env.update(
        DEBRIEF_DATABASE_URL=f"sqlite:///{folder / 'debrief.db'}",
        DEBRIEF_SECRET_KEY="browser-tests-secret-key-0123456789abcdef",
        # Cheap hashing so that the many sign-ins stay fast; production keeps the defaults.
        DEBRIEF_ARGON2_TIME_COST="1",
        DEBRIEF_ARGON2_MEMORY_KIB="8",
        DEBRIEF_SIGN_IN_RATE_LIMIT="1000 per minute",
    )
    return env


def _debrief_command() -> str:
    return str(Path(sys.executable).parent / "debrief")


class Server:
    """`debrief serve` on a loopback port of its own; stopped and started again on the same
    port with the same secret (a restart), as a force's process supervisor would."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until it answers /health."""
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                _server_command(self.port),
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_health(self.url, self.process, self.log_path)

    def stop(self) -> None:
        """Stop the server and its workers."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the server and its workers
            process.wait()


@pytest.fixture(scope="session")
def start_server(server_env, tmp_path_factory) -> Iterator[Callable[..., Server]]:
    """Return a function starting another real server on the same database, with settings
    changed (for example short session limits); each is stopped at the end."""
    started = []

    def start(**settings: str) -> Server:
        env = {**server_env, **{f"DEBRIEF_{name}": value for name, value in settings.items()}}
        server = Server(env, tmp_path_factory.mktemp("browser-server-log") / "server.log")
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def live_server(server_env, tmp_path_factory) -> Iterator[str]:
    """Start `debrief serve` on a free loopback port; return its base URL; stop it at the end."""
    server = Server(server_env, tmp_path_factory.mktemp("browser-server-log") / "server.log")
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


# Everyone the suite needs: name -> roles. "new-starter" keeps its
# one-time password for the password-change test; the others choose their own first.
PEOPLE = {
    "sergeant": ("sergeant",),
    "hub_reviewer": ("hub_reviewer",),
    "partnership_lead": ("partnership_lead",),
    "admin": ("admin",),
    "keyboard_sergeant": ("sergeant",),
    "no_js_sergeant": ("sergeant",),
    "new_starter": ("hub_reviewer",),
}
FIRST_TIME = {"new_starter"}


def _users_create(username: str, roles: tuple[str, ...], full_name: str) -> list[str]:
    args = ["users", "create", username, "--password-stdin", "--name", full_name]
    return args + [arg for role in roles for arg in ("--role", role)]


def _create_accounts(server_env: dict[str, str], folder: Path) -> dict[str, Account]:
    """Make everyone with `debrief users create --password-stdin`.

    The new starter goes through the installed `debrief` script, as an administrator
    would; the others run the same command in this process, which saves a Python
    start-up each.
    """
    from debrief.app import create_app
    from debrief.cli import main

    made = {}
    for key in PEOPLE:
        username = key.replace("_", "-")
        made[key] = Account(username, ONE_TIME_PASSWORD, f"{key.replace('_', ' ').title()} Officer")
    first = made["new_starter"]
    result = subprocess.run(
        [
            _debrief_command(),
            *_users_create(first.username, PEOPLE["new_starter"], first.full_name),
        ],
        input=ONE_TIME_PASSWORD + "\n",
        env=server_env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "DATABASE_URL": server_env["DEBRIEF_DATABASE_URL"],
            "SECRET_KEY": server_env["DEBRIEF_SECRET_KEY"],
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 8,
        }
    )
    try:
        runner = app.test_cli_runner()
        for key, account in made.items():
            if key == "new_starter":
                continue
            args = _users_create(account.username, PEOPLE[key], account.full_name)
            outcome = runner.invoke(main, args, input=ONE_TIME_PASSWORD + "\n")
            assert outcome.exit_code == 0, outcome.output
    finally:
        app.extensions["debrief.engine"].dispose()
    return made


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def scan_log() -> Iterator[ScanLog]:
    """Collect every page scanned this run; written to test-results/browser/pages-scanned.txt."""
    log = ScanLog(axe_source=(HERE / "vendor" / "axe.min.js").read_text())
    yield log
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pages-scanned.txt").write_text(log.summary())


@pytest.fixture(scope="session")
def accounts(live_server, server_env, browser, tmp_path_factory) -> dict[str, Account]:
    """Everyone in PEOPLE; all but the new starter have chosen their own password by the form."""
    made = _create_accounts(server_env, tmp_path_factory.mktemp("accounts"))
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    try:
        # One page for everyone, each signed out before the next: closing a page while its
        # sign-out was still navigating has left Playwright waiting for ever.
        page = context.new_page()
        for key, account in made.items():
            if key not in FIRST_TIME:
                made[key] = set_first_password(page, account, PASSWORD)
                sign_out(page)
    finally:
        context.close()
    return made


@pytest.fixture
def new_context(browser, live_server, request) -> Iterator[Callable]:
    """Return a function opening a fresh browser context (one person); screenshots on failure."""
    contexts = []
    page_errors: list[str] = []

    def watch(page) -> None:
        """Note script errors and anything the Content-Security-Policy refused."""
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                page_errors.append(f"{page.url}: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    def open_context(**options):
        options.setdefault("viewport", {"width": 1024, "height": 768})
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield open_context
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    folder = RESULTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    shutil.rmtree(folder, ignore_errors=True)  # only the latest failure's pictures are kept
    if failed:
        folder.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=folder / f"context{c}-page{p}.png", full_page=True)
                except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
                    (folder / f"context{c}-page{p}.txt").write_text(f"no screenshot: {exc}")
    for context in contexts:
        context.close()
    assert not page_errors, "the browser reported script or CSP errors:\n" + "\n".join(page_errors)


@pytest.fixture
def page(new_context):
    """A page in a fresh context at 1024x768."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def server_data(live_server, server_env, tmp_path_factory) -> Iterator[ServerData]:
    """Make sergeants and drafts in the browser server's database, and read it back."""
    data = ServerData(server_env, tmp_path_factory.mktemp("server-data"), PASSWORD)
    yield data
    data.close()
