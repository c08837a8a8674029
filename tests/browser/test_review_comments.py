"""The hub's day in the browser (issue 21): a reviewer finds a debrief by its reference,
returns it with comments on two answers; the sergeant sees each beside its question,
changes one and resubmits; the reviewer sees exactly that change and closes. Every page
on the way is checked with axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import check_page, sign_in

COMMENT_WAIT = "Was the 45 minutes waiting for the NCCU to answer, or for a call back?"
COMMENT_WELL = "Say what made the handover quick, so other teams can copy it."


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_return_with_comments_then_see_exactly_what_changed(new_context, server_data, scan_log):
    sergeant = server_data.sergeant("commented-sergeant")
    reviewer = server_data.sergeant("comment-reviewer", roles=("hub_reviewer",))
    debrief_id, reference = server_data.submitted(sergeant)
    digits = reference.rsplit("-", 1)[1]

    # The reviewer finds it by the last digits of its reference, from the header.
    hub = new_context().new_page()
    sign_in(hub, reviewer)
    hub.get_by_label("Find a debrief by incident or NCCU reference").first.fill(digits)
    hub.get_by_role("button", name="Find").click()
    expect(hub.get_by_role("heading", name="1 debrief")).to_be_visible()
    check_page(hub, scan_log, "reviewer: queue searched by reference")
    hub.get_by_role("link", name=reference).click()
    expect(hub.get_by_role("heading", level=1)).to_be_visible()
    check_page(hub, scan_log, "reviewer: debrief found by its reference")

    # Returns it with a reason and two comments beside the answers.
    hub.get_by_role("link", name="Return to sergeant").click()
    expect(_heading(hub)).to_have_text(f"Return {reference} to the sergeant")
    hub.get_by_label("Why are you returning it?").fill("Two answers need a closer look.")
    hub.get_by_text("NCCU and the intelligence document", exact=True).click()
    hub.get_by_label("How many minutes did officers wait to get through to the NCCU?").fill(
        COMMENT_WAIT
    )
    hub.get_by_text("Learning", exact=True).click()
    hub.get_by_label("What went well?").fill(COMMENT_WELL)
    check_page(hub, scan_log, "reviewer: return with comments on answers")
    hub.get_by_role("button", name="Return to sergeant").click()
    expect(hub.get_by_text("Debrief returned to the sergeant.")).to_be_visible()

    # The sergeant sees both comments on the task list, and each beside its question.
    sgt = new_context().new_page()
    sign_in(sgt, sergeant)
    sgt.goto(f"/debriefs/{debrief_id}")
    comments = sgt.locator("#hub-comments")
    expect(comments).to_contain_text(COMMENT_WAIT)
    expect(comments).to_contain_text(COMMENT_WELL)
    expect(sgt.locator(".govuk-task-list").get_by_text("To fix")).to_have_count(2)
    check_page(sgt, scan_log, "sergeant: task list with the hub's comments")
    sgt.get_by_label(re.compile("Your reply")).first.fill("Waiting for the NCCU to answer.")
    sgt.get_by_role("button", name=re.compile("Save reply")).first.click()
    expect(sgt.get_by_text("Your reply has been saved.")).to_be_visible()

    comments.get_by_role("link", name=re.compile("How many minutes")).click()
    expect(sgt.locator("#hub-comment-nccu_wait_minutes")).to_contain_text(COMMENT_WAIT)
    check_page(sgt, scan_log, "sergeant: section with the hub's comment beside the question")
    field = sgt.get_by_label("How many minutes did officers wait to get through to the NCCU?")
    field.fill("20")
    sgt.get_by_role("button", name="Save and come back later").click()
    expect(sgt.get_by_text(re.compile("Your answers have been saved"))).to_be_visible()
    sgt.goto(f"/debriefs/{debrief_id}/check")
    sgt.get_by_label(re.compile("I hosted this debrief")).check()
    sgt.get_by_role("button", name=re.compile("submit", re.I)).click()
    expect(_heading(sgt)).to_contain_text("submitted")

    # The reviewer sees exactly that change, beside the comment, and closes.
    hub.goto(f"/review/{debrief_id}")
    changes = hub.locator("table.app-changes")
    rows = changes.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(COMMENT_WAIT)
    expect(rows.nth(0)).to_contain_text("45")
    expect(rows.nth(0)).to_contain_text("→ 20")
    expect(rows.nth(1)).to_contain_text(COMMENT_WELL)
    expect(rows.nth(1)).to_contain_text("Not changed")
    check_page(hub, scan_log, "reviewer: what changed since the return")
    hub.get_by_role("button", name="Close debrief").click()
    if "/close" in hub.url:
        expect(_heading(hub)).to_have_text("Decide the suggested themes before you close")
        check_page(hub, scan_log, "reviewer: decide suggested themes before closing")
        for radio in hub.get_by_role("radio", name="Confirm").all():
            radio.check()
        hub.get_by_role("button", name="Save the themes and close").click()
    expect(hub.get_by_text("Debrief closed.")).to_be_visible()
