"""Response headers, cookies, the proxy, the request size limit and the server banner."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Server" not in response.headers


def test_headers_on_a_page_a_404_and_a_403(client, login_as):
    _assert_security_headers(client.get("/sign-in"))
    login_as("sergeant")
    page = client.get("/debriefs/")
    _assert_security_headers(page)
    assert page.headers["Cache-Control"] == "no-store"
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    _assert_security_headers(missing)
    refused = client.get("/admin/")
    assert refused.status_code == 403
    _assert_security_headers(refused)


def test_headers_on_an_xlsx_download(client, login_as):
    login_as("admin")
    download = client.get("/admin/audit/export")
    assert download.status_code == 200
    assert download.mimetype.endswith("spreadsheetml.sheet")
    _assert_security_headers(download)
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    download.close()


def test_headers_on_a_500_page(app, client, db):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not re-raise

    @app.get("/__boom")
    def boom():  # an unguarded route would be refused first: make it public for the test
        raise RuntimeError("boom")

    from debrief import security

    security.PUBLIC_ENDPOINTS |= {"boom"}
    try:
        response = client.get("/__boom")
    finally:
        security.PUBLIC_ENDPOINTS -= {"boom"}
    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)
    _assert_security_headers(response)


def test_static_files_may_be_cached_but_pages_may_not(client):
    static = client.get("/static/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    _assert_security_headers(static)
    static.close()
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_cookies_over_https_are_secure_host_prefixed_httponly_lax(build_app):
    app = build_app(PREFER_HTTPS=True)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    response = client.post(
        "/sign-in",
        data={"username": "sam", "password": DEFAULT_PASSWORD},
        base_url="https://oic.example",
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for part in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert part in cookie
    assert "Domain" not in cookie
    page = client.get("/debriefs/", base_url="https://oic.example")
    assert page.status_code == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]


def test_cookies_over_http_are_httponly_and_lax(app, client, db):
    make_user(["sergeant"], username="sam")
    cookie = client.post("/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD})
    header = cookie.headers["Set-Cookie"]
    assert header.startswith("session=") and "HttpOnly" in header and "SameSite=Lax" in header


def test_behind_one_proxy_the_scheme_and_address_come_from_it(build_app):
    from debrief.extensions import db_session
    from debrief.models import AuditEntry

    app = build_app(PROXY_FIX_HOPS=1)
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response = client.get("/sign-in", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers
    client.post("/sign-in", data={"username": "nobody", "password": "x" * 12}, headers=forwarded)
    with app.app_context():
        entry = db_session().query(AuditEntry).filter_by(action="sign_in.failed").one()
        assert entry.remote_addr == "203.0.113.9"
    # Without the setting, the same headers from a client are not believed.
    plain = build_app().test_client().get("/sign-in", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers


def test_too_large_a_request_gets_a_friendly_413(build_app):
    app = build_app(MAX_CONTENT_LENGTH=4096, IMPORT_MAX_BYTES=4096)
    client = app.test_client()
    response = client.post("/sign-in", data={"username": "x", "password": "p" * 10_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file or form is too large" in page
    assert "Traceback" not in page
    _assert_security_headers(response)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(os.name != "posix", reason="gunicorn runs on POSIX only")
def test_the_real_server_does_not_announce_its_version(tmp_path: Path):
    port = _free_port()
    env = {
        **os.environ,
        "DEBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "DEBRIEF_SECRET_KEY": "s" * 40,
    }
    server = subprocess.Popen(
        [Path(sys.executable).with_name("debrief"), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in") as response:
                    headers = response.headers
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert headers is not None, "the server did not start"
        banner = headers.get("Server", "")
        assert not any(ch.isdigit() for ch in banner), f"Server: {banner}"
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=30)


def test_a_page_drawn_after_a_failed_form_token_check_has_its_script_nonce(build_app):
    """The form-token check runs before ours; its page still needs the nonce (was empty)."""
    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get("/sign-in").get_data(as_text=True),
    ).group(1)
    client.post(
        "/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    response = client.post("/sign-out")  # no token: refused with a page
    assert response.status_code == 400
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
