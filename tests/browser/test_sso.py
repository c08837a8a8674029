"""A sergeant signs in through the force's OpenID provider's own login page, in Chromium,
against `debrief serve`, and submits a debrief section (issue 24). The provider is the
certified `oidc-provider` package run by Node (tests/oidc.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import oidc
from tests.browser.conftest import Server
from tests.browser.debrief_steps import (
    Event,
    Mouse,
    answer_page,
    debrief_answers,
    event_answers,
    last_quarter_date,
)


@pytest.fixture(scope="module")
def sso_server(server_env, tmp_path_factory) -> Iterator[Server]:
    """`debrief serve` on its own database, signing in with a real provider."""
    folder = tmp_path_factory.mktemp("sso-server")
    env = {**server_env, "DEBRIEF_DATABASE_URL": f"sqlite:///{folder / 'debrief.db'}"}
    server = Server(env, folder / "server.log")
    provider = oidc.start_provider(folder, clients=[oidc.client_for("debrief", server.url)])
    settings = oidc.sso_settings(provider)
    for name, value in settings.items():
        env[f"DEBRIEF_{name}"] = json.dumps(value) if isinstance(value, dict) else value
    try:
        server.start()
        yield server
    finally:
        server.stop()
        provider.stop()


def test_a_sergeant_signs_in_at_the_provider_and_submits_a_section(new_context, sso_server):
    page = new_context(base_url=sso_server.url).new_page()
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in with Example Constabulary account").click()

    # The provider's own login page, on the provider's address.
    expect(page.locator("input[name=login]")).to_be_visible()
    assert not page.url.startswith(sso_server.url)
    page.locator("input[name=login]").fill("sgt-1001")
    page.locator("input[name=password]").fill("any password at the provider")
    page.get_by_role("button", name="Sign-in").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("My debriefs")
    expect(page.get_by_text("Sam Jones").first).to_be_visible()

    event = Event(
        incident_ref="INC-20250614-0777",
        reported=last_quarter_date(date.today()),
        nccu_reference="NCCU-2025061477",
    )
    mouse = Mouse(page)
    page.get_by_role("button", name="Start a new debrief").click()
    answer_page(mouse, event_answers(event))
    page.get_by_role("button", name="Save and start the debrief").click()
    expect(heading).to_have_text(f"Debrief of {event.incident_ref}")

    title, answers = next(iter(debrief_answers(event).items()))
    page.get_by_role("link", name=title).click()
    expect(heading).to_have_text(title)
    answer_page(mouse, answers)
    page.get_by_role("button", name="Save and continue").click()
    expect(heading).not_to_have_text(title)
    page.goto("/debriefs/")
    page.get_by_role("link", name=event.incident_ref).click()
    expect(page.get_by_text("You have completed 1 of 9 sections.")).to_be_visible()

    # Signing out here signs out at the provider too (its own confirmation page).
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name=re.compile("Yes", re.I)).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert page.url == f"{sso_server.url}/sign-in"
