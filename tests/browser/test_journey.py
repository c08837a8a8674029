"""The whole life of a debrief, each step in the browser as its own user.

A sergeant records an event and answers every section (following conditional
follow-ups), saves a draft, signs out and back in, finishes and submits; a hub
reviewer filters the queue, confirms themes, raises an action and returns it with a
reason; the sergeant resubmits; the reviewer closes it; a partnership lead downloads
the quarter's spreadsheet, which is read back to find the debrief under its themes.
Every page on the way is checked with axe-core and at two widths.
"""

from __future__ import annotations

import re
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.debrief_steps import (
    CHECK_ANSWERS,
    DECLARATION,
    EXPECTED_THEMES,
    Event,
    Mouse,
    answer_page,
    debrief_answers,
    event_answers,
    last_quarter_date,
)
from tests.browser.pages import check_page, sign_in, sign_out

REMOVED_THEME = "Risk to life and medical"
RETURN_REASON = "Say who told the officers about the intelligence document afterwards."
PARTNER_SUMMARY = "Border Force to tell the force when a lorry is searched at the port."


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _sergeant_starts_and_saves_a_draft(page: Page, event: Event, scan) -> str:
    """Record the event, answer three sections, save for later; return the overview URL."""
    mouse = Mouse(page)
    expect(_heading(page)).to_have_text("My debriefs")
    scan(page, "sergeant: My debriefs, empty")
    page.get_by_role("button", name="Start a new debrief").click()
    expect(_heading(page)).to_have_text("Record the event")
    scan(page, "sergeant: record the event")

    answers = event_answers(event)
    answer_page(mouse, [a for a in answers if a.question != "NCCU reference"])
    page.get_by_role("button", name="Save and start the debrief").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the NCCU reference")
    scan(page, "sergeant: record the event, NCCU reference missing")
    page.get_by_role("alert").get_by_role("link", name=re.compile("NCCU reference")).click()
    expect(page.get_by_label("NCCU reference")).to_be_focused()
    page.keyboard.type(event.nccu_reference)
    page.get_by_role("button", name="Save and start the debrief").click()

    expect(_heading(page)).to_have_text(f"Debrief of {event.incident_ref}")
    expect(page.get_by_text("You have completed 0 of 9 sections.")).to_be_visible()
    scan(page, "sergeant: debrief task list")
    overview = page.url

    sections = list(debrief_answers(event).items())
    page.get_by_role("link", name="About the debrief").click()
    for number, (title, answers) in enumerate(sections[:3]):
        expect(_heading(page)).to_have_text(title)
        if number == 1:
            # The follow-up is revealed in place once "Yes" is chosen.
            follow_up = page.get_by_label("What was done about the risk to life?")
            expect(follow_up).to_be_hidden()
            answer_page(mouse, answers[:2])
            expect(follow_up).to_be_visible()
            scan(page, f"sergeant: section '{title}' with a follow-up revealed")
            answer_page(mouse, answers[2:])
        elif number == 2:
            page.get_by_role("button", name="Save and continue").click()
            expect(page.get_by_role("alert")).to_contain_text("There is a problem")
            scan(page, f"sergeant: section '{title}' with nothing answered")
            answer_page(mouse, answers)
        else:
            scan(page, f"sergeant: section '{title}'")
            answer_page(mouse, answers)
        button = "Save and come back later" if number == 2 else "Save and continue"
        page.get_by_role("button", name=button).click()
    expect(page.get_by_text("Your answers have been saved.")).to_be_visible()
    expect(page.get_by_text("You have completed 3 of 9 sections.")).to_be_visible()
    scan(page, "sergeant: task list after saving for later")
    return overview


def _sergeant_finishes_and_submits(page: Page, event: Event, scan) -> int:
    """From My debriefs, open the draft, answer the rest, check and submit; return its id."""
    mouse = Mouse(page)
    drafts = page.get_by_role("table", name="Drafts (1)")
    expect(drafts).to_be_visible()
    scan(page, "sergeant: My debriefs with a draft")
    drafts.get_by_role("link", name=event.incident_ref).click()
    expect(page.get_by_text("You have completed 3 of 9 sections.")).to_be_visible()
    debrief_id = int(re.search(r"/debriefs/(\d+)", page.url).group(1))

    sections = list(debrief_answers(event).items())
    page.get_by_role("link", name=sections[3][0]).click()
    for title, answers in sections[3:]:
        expect(_heading(page)).to_have_text(title)
        scan(page, f"sergeant: section '{title}'")
        answer_page(mouse, answers)
        page.get_by_role("button", name="Save and continue").click()

    expect(_heading(page)).to_have_text(CHECK_ANSWERS)
    expect(page.get_by_text("Unaware of the requirement")).to_be_visible()
    scan(page, "sergeant: check your answers")
    page.get_by_role("button", name="Submit the debrief").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you hosted this debrief")
    scan(page, "sergeant: check your answers, declaration missing")
    mouse.answer(DECLARATION)
    page.get_by_role("button", name="Submit the debrief").click()
    expect(_heading(page)).to_have_text("Debrief submitted")
    expect(page.locator(".govuk-panel strong")).to_have_text(event.incident_ref)
    scan(page, "sergeant: debrief submitted")
    page.get_by_role("link", name="View the submitted debrief").click()
    expect(page.get_by_text("Quick handover to Immigration Enforcement.")).to_be_visible()
    expect(page.get_by_role("button", name="Save and continue")).to_have_count(0)
    scan(page, "sergeant: submitted debrief, read only")
    return debrief_id


def _reviewer_returns_it(page: Page, event: Event, debrief_id: int, scan) -> None:
    """Filter the queue, open the debrief, confirm themes, raise an action, return it."""
    expect(_heading(page)).to_have_text("Review queue")
    scan(page, "hub reviewer: review queue")
    page.get_by_text("Filter the queue", exact=True).click()
    page.get_by_label("District").select_option(event.district)
    page.get_by_label("Theme (suggested or confirmed)").select_option("Age dispute")
    page.get_by_role("button", name="Apply filters").click()
    results = page.get_by_role("table", name=re.compile("^Debriefs 1 to 1 of 1"))
    expect(results).to_be_visible()
    scan(page, "hub reviewer: review queue, filtered")
    results.get_by_role("link", name=event.incident_ref).click()

    expect(page.get_by_text(event.incident_ref, exact=True)).to_be_visible()
    scan(page, "hub reviewer: debrief to review")
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("Review started.")).to_be_visible()
    for theme in EXPECTED_THEMES:
        verb = "Remove" if theme == REMOVED_THEME else "Confirm"
        page.get_by_role("button", name=f"{verb} {theme}", exact=True).click()
        expect(page.get_by_role("button", name=f"{verb} {theme}", exact=True)).to_have_count(0)
    scan(page, "hub reviewer: debrief with themes confirmed")

    page.get_by_role("link", name="Raise a follow-up action").click()
    expect(_heading(page)).to_have_text("Raise a follow-up action")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what needs to be done")
    scan(page, "hub reviewer: follow-up action, nothing entered")
    page.get_by_label("What needs to be done").fill("Brief the shift on the intelligence document.")
    page.get_by_role("radio", name="A partner agency").check()
    page.get_by_label("Partner agency", exact=True).select_option(label="Border Force")
    page.get_by_label("Summary for partners (optional)").fill("Check lorry AB12 CDE at the port.")
    page.get_by_label("This summary is shareable with partners").check()
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The partner summary must not contain a vehicle registration"
    )
    scan(page, "hub reviewer: follow-up action, partner summary refused")
    page.get_by_label("Summary for partners (optional)").fill(PARTNER_SUMMARY)
    page.get_by_role("button", name="Save action").click()
    expect(
        page.get_by_text("Brief the shift on the intelligence document.", exact=True)
    ).to_be_visible()

    page.get_by_role("link", name="Return to sergeant").click()
    expect(_heading(page)).to_have_text(f"Return {event.incident_ref} to the sergeant")
    scan(page, "hub reviewer: return to the sergeant")
    page.get_by_role("button", name="Return to sergeant").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason")
    scan(page, "hub reviewer: return to the sergeant, no reason")
    page.get_by_label("Why are you returning it?").fill(RETURN_REASON)
    page.get_by_role("button", name="Return to sergeant").click()
    expect(page.get_by_text("Debrief returned to the sergeant.")).to_be_visible()
    scan(page, "hub reviewer: debrief returned")


def _sergeant_resubmits(page: Page, event: Event, scan) -> None:
    """See the returned debrief and its reason, then resubmit it."""
    page.goto("/debriefs/")
    returned = page.get_by_role("table", name="Returned to you (1)")
    expect(returned).to_contain_text(RETURN_REASON)
    scan(page, "sergeant: My debriefs with a returned debrief")
    returned.get_by_role("link", name=event.incident_ref).click()
    expect(page.get_by_text(RETURN_REASON)).to_be_visible()
    scan(page, "sergeant: returned debrief task list")
    page.get_by_role("link", name="Check answers and resubmit").click()
    expect(_heading(page)).to_have_text(CHECK_ANSWERS)
    Mouse(page).answer(DECLARATION)
    page.get_by_role("button", name="Resubmit the debrief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("submitted")


def _reviewer_closes_it(page: Page, debrief_id: int, scan) -> None:
    """Open the resubmitted debrief from the queue and close it."""
    page.goto("/review/")
    page.locator(f'a[href="/review/{debrief_id}"]').click()
    page.get_by_role("button", name="Close debrief").click()
    expect(page.get_by_text("Debrief closed.")).to_be_visible()
    scan(page, "hub reviewer: closed debrief")


def _lead_downloads_the_quarter(page: Page, scan, folder) -> str:
    """Download last quarter's partner spreadsheet; return the saved file's path."""
    expect(_heading(page)).to_have_text("Download the thematic spreadsheet")
    scan(page, "partnership lead: exports")
    expect(page.get_by_role("radio", name=re.compile("^Last quarter"))).to_be_checked()
    page.get_by_role("button", name="Download spreadsheet").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter who the spreadsheet will be shared with"
    )
    scan(page, "partnership lead: exports, recipients missing")
    page.get_by_label("Who will this spreadsheet be shared with?").fill("OIC partnership meeting")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download spreadsheet").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _table(book, sheet_name: str, first_header: str) -> list[dict]:
    """Return a sheet's rows below its header row (found by its first heading) as dicts."""
    rows = [r for r in book[sheet_name].iter_rows(values_only=True) if r and r[0] is not None]
    start = next(i for i, r in enumerate(rows) if r[0] == first_header)
    header = rows[start]
    return [dict(zip(header, r, strict=False)) for r in rows[start + 1 :]]


def _every_cell(book) -> str:
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_a_debrief_from_the_event_to_the_partnership_spreadsheet(
    new_context, accounts, scan_log, tmp_path
):
    """The whole journey across four people, every page checked."""

    def scan(page, name):
        check_page(page, scan_log, name)

    event = Event(
        incident_ref="INC-20250814-0001",
        reported=last_quarter_date(date.today()),
        nccu_reference="NCCU-20250001",
        district="Coastal",
    )
    sergeant = new_context().new_page()
    sign_in(sergeant, accounts["sergeant"])
    _sergeant_starts_and_saves_a_draft(sergeant, event, scan)
    sign_out(sergeant)
    sign_in(sergeant, accounts["sergeant"])
    debrief_id = _sergeant_finishes_and_submits(sergeant, event, scan)

    reviewer = new_context().new_page()
    sign_in(reviewer, accounts["hub_reviewer"])
    _reviewer_returns_it(reviewer, event, debrief_id, scan)

    _sergeant_resubmits(sergeant, event, scan)
    _reviewer_closes_it(reviewer, debrief_id, scan)

    lead = new_context(accept_downloads=True).new_page()
    sign_in(lead, accounts["partnership_lead"])
    path = _lead_downloads_the_quarter(lead, scan, tmp_path)

    book = load_workbook(path, read_only=True)
    try:
        totals = {row["Theme"]: row["Total"] for row in _table(book, "Themes by month", "Theme")}
        sheet_names = list(book.sheetnames)
        actions = _table(book, "Actions", "Export id")
        everything = _every_cell(book)
    finally:
        book.close()
    confirmed = [t for t in EXPECTED_THEMES if t != REMOVED_THEME]
    # One closed debrief in the quarter: each confirmed theme counts it once, shown as
    # "<3" in the partner copy; the removed theme and every other theme count nothing.
    assert {t: totals[t] for t in confirmed} == {t: "<3" for t in confirmed}
    assert totals[REMOVED_THEME] == 0
    others = set(totals) - set(EXPECTED_THEMES) - {"Debriefs (each counted once)"}
    assert others and all(totals[t] == 0 for t in others)
    assert totals["Debriefs (each counted once)"] == "<3"
    # No row-by-row list of debriefs in the partner copy: it is the hub's own (issue 19).
    assert not [name for name in sheet_names if name.startswith("Debriefs")]
    [action] = actions
    assert action["Owner (team or agency)"] == "Border Force"
    assert action["Partner summary"] == PARTNER_SUMMARY
    assert set(action["Theme"].split("; ")) == set(confirmed)
    # Pseudonymised: no force or NCCU reference and no officer's name anywhere.
    for secret in (event.incident_ref, event.nccu_reference, accounts["sergeant"].full_name):
        assert secret not in everything
