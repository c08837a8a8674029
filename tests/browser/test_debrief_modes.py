"""The same debrief completed with the keyboard alone, and with JavaScript switched off."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.debrief_steps import DECLARATION, Event, Keyboard, Mouse, fill_in_debrief
from tests.browser.debrief_steps import last_quarter_date as quarter_date
from tests.browser.pages import check_page


def _event(number: int) -> Event:
    return Event(
        incident_ref=f"INC-20250814-{number:04d}",
        reported=quarter_date(date.today()),
        nccu_reference=f"NCCU-2025{number:04d}",
    )


def test_a_debrief_completed_with_the_keyboard_alone(page, accounts):
    """Tab, arrows, Space, typing and Enter: from signing in to the confirmation."""
    keys = Keyboard(page)
    account = accounts["keyboard_sergeant"]
    page.goto("/sign-in")
    keys.tab_to(page.get_by_label("Username"))
    page.keyboard.type(account.username)
    keys.tab_to(page.get_by_label("Password", exact=True))
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/debriefs/$"))

    event = _event(2)
    fill_in_debrief(keys, event)
    keys.answer(DECLARATION)
    keys.press(page.get_by_role("button", name="Submit the debrief"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Debrief submitted")
    expect(page.locator(".govuk-panel strong")).to_have_text(event.incident_ref)


def test_a_debrief_completed_without_javascript(new_context, accounts, scan_log):
    """Every page works as plain HTML forms; follow-ups appear after saving."""
    page = new_context(java_script_enabled=False).new_page()
    account = accounts["no_js_sergeant"]
    page.goto("/sign-in")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/debriefs/$"))
    assert not page.evaluate("() => document.body.classList.contains('js-enabled')")

    event = _event(3)
    fill_in_debrief(
        Mouse(page),
        event,
        lambda name: check_page(page, scan_log, f"sergeant (no JavaScript): {name}"),
    )
    Mouse(page).answer(DECLARATION)
    page.get_by_role("button", name="Submit the debrief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Debrief submitted")
    check_page(page, scan_log, "sergeant (no JavaScript): debrief submitted")
