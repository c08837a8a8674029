"""Nothing a sergeant types is lost (issue 16), in Chromium against the real server.

Each case types a long answer, loses the session or the signal in a way a patrol
laptop does, and checks that the answer is back in the box and, after the next save,
in the database. Session limits are real and short, set through the settings in
minutes on a second server (1 minute idle, 2 minutes after signing in); the other
cases clear the cookie, stop the server, or take the browser offline.
Set DEBRIEF_SCREENSHOTS to a folder to keep pictures of the pages people see.
"""

from __future__ import annotations

import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, sign_in

# 590 characters, as in the issue: what a sergeant writes at the end of a shift.
TYPED = (
    "The lorry was opened at the services at 02:40 after the driver reported noises from "
    "the trailer. Six adults and two children were found, all conscious; one adult had a "
    "cut hand and was treated by the ambulance crew at the scene. The NCCU line was engaged "
    "for 45 minutes, so the referral was made from the car park once it answered. "
    "Immigration Enforcement attended at 04:10. Handover was quick once they arrived, but "
    "nobody on shift knew the intelligence document had to be submitted by the reporting "
    "officer, so it was not done. The driver was arrested; two phones were seized at once too."
)
assert len(TYPED) == 590
SAVED = "Your answers have been saved."
KEPT_MESSAGE = "Your session ended, so your page was not saved"
NO_CONNECTION = "Not saved: no connection"
STILL_HERE = "Your answers are still on this page"


def _shot(page: Page, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("DEBRIEF_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / name, full_page=full_page)


def _learning(page: Page, debrief_id: int) -> None:
    page.goto(f"/debriefs/{debrief_id}/sections/learning")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning")


def _box(page: Page):
    return page.get_by_label("What went well?")


def _sign_in_again(page: Page, account, because: str = "") -> None:
    """On the sign-in page a kept form led to: read the message, sign in."""
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_text(KEPT_MESSAGE)).to_contain_text(because)
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def _restored(page: Page, debrief_id: int, text: str = TYPED) -> None:
    expect(page).to_have_url(re.compile(rf"/debriefs/{debrief_id}/sections/learning$"))
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    expect(_box(page)).to_have_value(text)


def _save_for_later(page: Page) -> None:
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text(SAVED)).to_be_visible()


def _empty_browser_storage(page: Page) -> None:
    stored = page.evaluate(
        """async () => ({local: localStorage.length, session: sessionStorage.length,
            indexed: (await indexedDB.databases()).length, caches: (await caches.keys()).length})"""
    )
    assert stored == {"local": 0, "session": 0, "indexed": 0, "caches": 0}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_cleared_cookie_keeps_what_was_typed(new_context, server_data, scan_log, javascript):
    """The cookie goes (a browser restart, a cleared cookie): Save keeps the page for later."""
    who = "with" if javascript else "without"
    account = server_data.sergeant(f"cookie-sergeant-{who}-js")
    debrief_id = server_data.draft(account)
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, account)
    _learning(page, debrief_id)
    _box(page).fill(TYPED)
    context.clear_cookies()
    page.get_by_role("button", name="Save and continue").click()
    _sign_in_again(page, account)
    _restored(page, debrief_id)
    if javascript:
        _shot(page, "a-restored-after-signing-in-again.png")
        check_page(page, scan_log, "sergeant: page given back after the cookie went")
    assert server_data.answer(debrief_id, "went_well") is None  # not saved until saved
    _save_for_later(page)
    assert server_data.answer(debrief_id, "went_well") == TYPED
    assert server_data.kept_forms(account) == 0


def test_no_signal_leaves_the_page_as_it_is_and_saves_when_it_returns(
    new_context, server_data, scan_log
):
    account = server_data.sergeant("offline-sergeant")
    debrief_id = server_data.draft(account)
    context = new_context()
    page = context.new_page()
    sign_in(page, account)
    _learning(page, debrief_id)
    _box(page).fill(TYPED)
    context.set_offline(True)
    page.get_by_role("button", name="Save and come back later").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(NO_CONNECTION)
    expect(alert).to_contain_text(STILL_HERE)
    expect(_box(page)).to_have_value(TYPED)
    expect(page).to_have_url(re.compile(r"/sections/learning$"))
    _empty_browser_storage(page)
    _shot(page, "c-no-connection-alert.png")
    check_page(page, scan_log, "sergeant: save with no connection")
    context.set_offline(False)  # the browser's `online` event: saved without a click
    expect(page.get_by_text(SAVED)).to_be_visible()
    assert server_data.answer(debrief_id, "went_well") == TYPED
    _empty_browser_storage(page)


def test_a_save_that_conflicts_still_shows_the_conflict_page(new_context, server_data):
    account = server_data.sergeant("conflict-sergeant")
    debrief_id = server_data.draft(account)
    context = new_context()
    first, second = context.new_page(), context.new_page()
    sign_in(first, account)
    _learning(first, debrief_id)
    _learning(second, debrief_id)
    _box(second).fill("Saved in the other tab.")
    _save_for_later(second)
    _box(first).fill(TYPED)
    first.get_by_role("button", name="Save and come back later").click()
    expect(first.get_by_text("This debrief was changed in another tab or window")).to_be_visible()
    expect(_box(first)).to_have_value(TYPED)
    assert server_data.answer(debrief_id, "went_well") == "Saved in the other tab."


def test_a_restart_with_the_same_secret_loses_nothing(new_context, server_data, start_server):
    """Stopped: Save says so and keeps the page; started again: Save saves. A page opened
    before the restart still has its typing kept when the cookie has gone too."""
    server = start_server()
    account = server_data.sergeant("restart-sergeant")
    debrief_id, other_id = server_data.draft(account), server_data.draft(account)
    context = new_context(base_url=server.url)
    page, other = context.new_page(), context.new_page()
    sign_in(page, account)
    _learning(page, debrief_id)
    _learning(other, other_id)
    _box(page).fill(TYPED)
    _box(other).fill("Typed before the restart, saved after it.")
    server.stop()
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("alert")).to_contain_text(NO_CONNECTION)
    server.start()
    page.get_by_role("button", name="Save and come back later").click()  # pressed again
    expect(page.get_by_text(SAVED)).to_be_visible()
    assert server_data.answer(debrief_id, "went_well") == TYPED

    context.clear_cookies()
    other.get_by_role("button", name="Save and come back later").click()
    _sign_in_again(other, account)
    _restored(other, other_id, "Typed before the restart, saved after it.")
    _save_for_later(other)
    assert server_data.answer(other_id, "went_well") == "Typed before the restart, saved after it."


class _AnotherSite:
    """A page on another origin (localhost rather than 127.0.0.1) with a form aimed at us."""

    def __init__(self, page_html: str):
        body = page_html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("referrer", ["no-referrer", "origin"], ids=["origin-null", "origin-sent"])
def test_a_form_posted_from_another_site_plants_nothing(
    new_context, server_data, live_server, scan_log, referrer
):
    """Even carrying the page's genuine key (as if stolen), a cross-site POST keeps nothing."""
    account = server_data.sergeant(f"target-sergeant-{referrer}")
    debrief_id = server_data.draft(account)
    page = new_context().new_page()
    sign_in(page, account)
    _learning(page, debrief_id)
    key = page.locator("input[name=form_key]").get_attribute("value")
    site = _AnotherSite(
        f"""<!doctype html><html lang="en"><head><meta name="referrer" content="{referrer}">
        <title>Prize draw</title></head><body><main>
        <form method="post" action="{live_server}/debriefs/{debrief_id}/sections/learning">
        <input type="hidden" name="form_key" value="{key}">
        <input type="hidden" name="went_well" value="PLANTED by another site">
        <button>Claim your prize</button></form></main></body></html>"""
    )
    try:
        page.goto(site.url)
        page.get_by_role("button", name="Claim your prize").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your form was not sent")
        expect(page.get_by_text("nothing was saved and nothing was kept")).to_be_visible()
        if referrer == "no-referrer":
            _shot(page, "d-400-form-from-another-site.png")
            check_page(page, scan_log, "sergeant: a form posted from another site (400)")
    finally:
        site.close()
    assert server_data.kept_forms(account) == 0
    _learning(page, debrief_id)  # still signed in: the cookie never went with that POST
    expect(page.get_by_text("Not saved yet")).to_have_count(0)
    expect(_box(page)).to_have_value("")
    assert server_data.answer(debrief_id, "went_well") is None


def _dialog(page: Page):
    return page.get_by_role("dialog")


def _stay_until_it_cannot_be_put_off(page: Page, deadline: float) -> None:
    """Press "Stay signed in" at each warning until the absolute limit's warning comes."""
    dialog = _dialog(page)
    while time.monotonic() < deadline:
        expect(dialog).to_be_visible(timeout=max(1, deadline - time.monotonic()) * 1000)
        said = dialog.text_content() or ""
        assert "You have been signed out" not in said, "signed out before being warned"
        if "a session lasts at most 2 minutes after signing in" in said:
            _shot(page, "b2-absolute-limit-warning.png", full_page=False)
            return
        stay = dialog.get_by_role("button", name="Stay signed in")
        if stay.is_visible():
            stay.click()
            expect(dialog).to_be_hidden()
    raise AssertionError("the absolute limit's warning never came")


def test_real_time_limits_warn_first_then_keep_what_was_typed(
    new_context, server_data, start_server, scan_log
):
    """Three sergeants on a server with a 1-minute idle limit and a 2-minute absolute limit.

    Warned: the warning comes half-way (30 s); Escape keeps the session, so a save after
    the first minute goes through. Idle: the warning is ignored, the page says it has been
    signed out, Save keeps the typing for after signing in. Busy: stays signed in at each
    warning, is warned that the absolute limit cannot be put off, and is signed out at 2
    minutes; Save keeps the typing.
    """
    server = start_server(SESSION_IDLE_MINUTES="1", SESSION_MAX_MINUTES="2")
    people = {}
    for role in ("warned", "idle", "busy"):
        account = server_data.sergeant(f"{role}-sergeant")
        debrief_id = server_data.draft(account)
        page = new_context(base_url=server.url).new_page()
        sign_in(page, account)
        _learning(page, debrief_id)
        _box(page).fill(f"{role}: {TYPED}")
        people[role] = (account, debrief_id, page)
    warned, idle, busy = (people[role][2] for role in ("warned", "idle", "busy"))
    started = time.monotonic()

    # Half-way through the idle minute: the GOV.UK warning, as a modal dialog with focus.
    dialog = _dialog(warned)
    expect(dialog).to_be_visible(timeout=45_000)
    expect(dialog).to_have_accessible_name("You'll be signed out soon")
    expect(dialog).to_contain_text("We will sign you out in")
    assert warned.evaluate("() => document.activeElement.id") == "app-timeout"
    expect(dialog.get_by_role("button")).to_have_text(["Stay signed in"])  # and only that
    _shot(warned, "b-timeout-warning.png", full_page=False)
    check_page(warned, scan_log, "sergeant: the timeout warning")
    warned.keyboard.press("Escape")  # the same as "Stay signed in"
    expect(dialog).to_be_hidden()
    expect(_box(warned)).to_be_focused()  # focus back where it was
    expect(_dialog(busy)).to_be_visible(timeout=30_000)
    _dialog(busy).get_by_role("button", name="Stay signed in").click()
    expect(_dialog(busy)).to_be_hidden()

    # The idle sergeant ignored it: at a minute the page says so, and keeps the typing.
    ended = _dialog(idle)
    expect(ended).to_have_accessible_name("You have been signed out", timeout=60_000)
    assert time.monotonic() - started >= 50  # at the idle limit, not at the warning

    # The warned sergeant stayed: past the first minute the session still saves.
    expect(_dialog(warned)).to_be_visible(timeout=45_000)
    _dialog(warned).get_by_role("button", name="Stay signed in").click()
    _save_for_later(warned)
    account, debrief_id, _ = people["warned"]
    assert server_data.answer(debrief_id, "went_well") == f"warned: {TYPED}"

    # The busy sergeant stays, until told the absolute limit cannot be put off.
    _stay_until_it_cannot_be_put_off(busy, deadline=started + 120)
    _dialog(busy).get_by_role("button", name="Continue").click()
    expect(_dialog(busy)).to_be_hidden()

    # Nothing is pressing now until the absolute limit: the idle sergeant's page is checked.
    assert idle.evaluate("() => document.activeElement.id") == "app-timeout"
    _shot(idle, "b3-signed-out-dialog.png", full_page=False)
    check_page(idle, scan_log, "sergeant: signed out by the idle limit, typing still there")
    ended.get_by_role("button", name="Close").click()
    expect(_box(idle)).to_be_focused()
    expect(_box(idle)).to_have_value(f"idle: {TYPED}")
    idle.get_by_role("button", name="Save and continue").click()
    account, debrief_id, _ = people["idle"]
    _sign_in_again(idle, account, "you had not used it for 1 minute")
    _restored(idle, debrief_id, f"idle: {TYPED}")
    _save_for_later(idle)
    assert server_data.answer(debrief_id, "went_well") == f"idle: {TYPED}"

    # Two minutes after signing in, the busy sergeant is signed out all the same.
    expect(_dialog(busy)).to_have_accessible_name("You have been signed out", timeout=60_000)
    _dialog(busy).get_by_role("button", name="Close").click()
    busy.get_by_role("button", name="Save and continue").click()
    account, debrief_id, _ = people["busy"]
    _sign_in_again(busy, account, "you signed in more than 2 minutes ago")
    _restored(busy, debrief_id, f"busy: {TYPED}")
    _save_for_later(busy)
    assert server_data.answer(debrief_id, "went_well") == f"busy: {TYPED}"
