"""A time that cannot be, in Chromium (issue 18): "25:00" is explained as a time, and the
error summary's link takes the sergeant to the time box, the one marked, not the date."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import sign_in

MESSAGE = (
    "When the intelligence document was submitted must be a real time: "
    "the hour must be from 0 to 23"
)


def test_25_00_marks_and_focuses_the_time_box(page, server_data):
    account = server_data.sergeant("dates-sergeant")
    debrief_id = server_data.draft(account)
    sign_in(page, account)
    page.goto(f"/debriefs/{debrief_id}/sections/nccu")
    expect(page.get_by_role("heading", level=1)).to_have_text("NCCU and the intelligence document")
    page.get_by_role(
        "group", name="Was the intelligence document submitted to the NCCU?"
    ).get_by_label("Yes", exact=True).check()
    moment = page.get_by_role("group", name="When was the intelligence document submitted?")
    moment.get_by_label("Day", exact=True).fill("14")
    moment.get_by_label("Month", exact=True).fill("6")
    moment.get_by_label("Year", exact=True).fill("2025")
    moment.get_by_label("Time (24-hour)", exact=True).fill("25:00")
    page.get_by_role("button", name="Save and continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # GOV.UK: the summary takes focus when the page loads
    link = summary.get_by_role("link", name=MESSAGE)
    expect(link).to_have_attribute("href", "#intel_doc_submitted_at-time")
    moment = page.get_by_role("group", name="When was the intelligence document submitted?")
    time_box = moment.get_by_label("Time (24-hour)", exact=True)
    expect(time_box).to_have_class(re.compile(r"\bgovuk-input--error\b"))
    expect(time_box).to_have_value("25:00")  # what was typed is kept
    for part, typed in (("Day", "14"), ("Month", "6"), ("Year", "2025")):
        box = moment.get_by_label(part, exact=True)
        expect(box).not_to_have_class(re.compile(r"\bgovuk-input--error\b"))
        expect(box).to_have_value(typed)
    expect(moment.locator(".govuk-error-message")).to_contain_text(MESSAGE)

    link.click()
    expect(time_box).to_be_focused()
