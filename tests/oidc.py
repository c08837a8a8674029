"""A real OpenID provider for the tests: the certified `oidc-provider` package (npm), run by
Node from tests/oidc_provider/ (`npm ci` there; .ci/run does it). Skipped with a message
where Node or the package is missing, except in CI (DEBRIEF_REQUIRE_OIDC_PROVIDER=1).

`start_provider` writes the provider's settings (clients, users, its clock) and starts it on
a free port; `ProviderBrowser` goes through the provider's own pages as a browser would
(its login form, its sign-out form), with `requests`, handing each redirect back to our
app to the Flask test client.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
APP = "http://localhost"  # the Flask test client's address
CALLBACK = f"{APP}/sign-in/sso/callback"
SECRET = "test-client-secret-0123456789-abcdefghij"
ROLE_MAP = {
    "debrief-sergeants": "sergeant",
    "debrief-hub": "hub_reviewer",
    "debrief-admins": ["admin"],
}
USERS = {
    "sgt-1001": {
        "name": "Sam Jones",
        "preferred_username": "sam.jones",
        "groups": ["debrief-sergeants", "all-staff"],
    },
    "sgt-2002": {"name": "Ali Khan", "preferred_username": "ali.khan", "groups": ["all-staff"]},
    "hub-3003": {"name": "Pat Reid", "preferred_username": "pat.reid", "groups": ["debrief-hub"]},
}


def client_for(client_id: str, base: str = APP) -> dict:
    """oidc-provider client metadata for our app at `base`."""
    return {
        "client_id": client_id,
        "client_secret": SECRET,
        "redirect_uris": [f"{base}/sign-in/sso/callback"],
        "post_logout_redirect_uris": [f"{base}/sign-in"],
    }


def missing() -> str | None:
    """Say why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node is not installed (the SSO tests run the oidc-provider package with it)"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"oidc-provider is not installed: run `npm ci` in {PROVIDER_DIR}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    """A running provider."""

    issuer: str
    process: subprocess.Popen
    users: dict = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def set_user(self, account_id: str, **changes) -> None:
        """Change a person at the provider (their groups; "disabled": a leaver)."""
        self.users[account_id] = {**self.users.get(account_id, {}), **changes}
        response = requests.post(
            f"{self.issuer}/test/users/{account_id}", json=self.users[account_id], timeout=5
        )
        assert response.status_code == 204

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_provider(
    workdir: Path,
    *,
    clients: list[dict],
    users: dict | None = None,
    clock_offset_seconds: int = 0,
    id_token_ttl: int = 3600,
    id_token_audience: dict | None = None,
) -> Provider:
    """Start oidc-provider on a free port with these clients and users."""
    reason = missing()
    if reason and os.environ.get("DEBRIEF_REQUIRE_OIDC_PROVIDER") == "1":
        pytest.fail(f"DEBRIEF_REQUIRE_OIDC_PROVIDER=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    users = json.loads(json.dumps(users if users is not None else USERS))
    port = free_port()
    config = workdir / f"provider-{port}.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "clients": clients,
                "users": users,
                "clockOffsetSeconds": clock_offset_seconds,
                "idTokenTtl": id_token_ttl,
                "idTokenAudience": id_token_audience or {},
            }
        )
    )
    process = subprocess.Popen(
        ["node", str(PROVIDER_DIR / "provider.mjs"), str(config)],
        stdout=subprocess.PIPE,
        stderr=None if os.environ.get("OIDC_PROVIDER_LOG") else subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("ready ") or process.poll() is not None:
            break
    if not line.startswith("ready "):
        process.kill()
        process.wait()
        process.stdout.close()
        raise RuntimeError(f"the OpenID provider did not start: {line!r}")
    return Provider(issuer=line.split()[1], process=process, users=users)


def sso_settings(provider: Provider, client_id: str = "debrief", **overrides) -> dict:
    """Our app's settings for signing in with this provider."""
    settings = {
        "SSO_DISCOVERY_URL": provider.discovery_url,
        "SSO_CLIENT_ID": client_id,
        "SSO_CLIENT_SECRET": SECRET,
        "SSO_SCOPES": "openid profile groups",
        "SSO_ROLES_CLAIM": "groups",
        "SSO_ROLE_MAP": ROLE_MAP,
        "SSO_PROVIDER_NAME": "Example Constabulary",
    }
    settings.update(overrides)
    return settings


def with_query(url: str, **changes) -> str:
    """Return the URL with these query parameters replaced."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def app_path(url: str) -> str:
    """The path and query of one of our app's URLs, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _hidden_inputs(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


class ProviderBrowser:
    """The provider's side of a browser: its cookies, its login and sign-out pages."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.pages_seen: list[str] = []

    def follow(self, url: str, login: str | None = None) -> str:
        """Follow the provider from `url` until it sends the browser back to our app; sign
        in on its login page as `login` if it asks. Return the URL back to our app."""
        for _ in range(20):
            if url.startswith(APP):
                return url
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            page = response.text
            self.pages_seen.append(page)
            action = re.search(r'<form[^>]*action="([^"]+)"', page)
            assert response.status_code == 200 and action, (
                f"provider page {response.status_code}: {page[-1500:]}"
            )
            fields = _hidden_inputs(page)
            if 'name="login"' in page:
                assert login is not None, "the provider asked for a sign-in"
                fields.update(login=login, password="any password at the provider")
            else:
                fields["logout"] = "yes"  # its sign-out confirmation
            response = self.http.post(
                urljoin(url, html.unescape(action.group(1))),
                data=fields,
                allow_redirects=False,
                timeout=10,
            )
            assert response.is_redirect, f"provider answered {response.status_code}"
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider never sent the browser back")

    def asked_to_sign_in(self) -> bool:
        return bool(self.pages_seen) and 'name="login"' in self.pages_seen[-1]


def start_sign_in(client, next_url: str | None = None) -> str:
    """Press "Sign in with ... account": return the provider's authorization URL."""
    response = client.get(
        "/sign-in/sso" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def sign_in(client, browser: ProviderBrowser, login: str, next_url: str | None = None):
    """Sign in through the provider; return our app's answer to the callback."""
    back = browser.follow(start_sign_in(client, next_url), login)
    return client.get(app_path(back))
