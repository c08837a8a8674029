"""Notifications in the browser (issue 20): the sergeant finds their outstanding
intelligence document from the header's count, records it and it goes; the hub finds a
debrief past the review target and the partner agency's action it raised. axe-core
checks each page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import check_page, sign_in

REFERENCE = "NCCU-2026100888"


def test_the_sergeants_outstanding_document_from_notifications_to_done(
    new_context, server_data, scan_log
):
    account = server_data.sergeant("notified-sergeant")
    server_data.outstanding_referral(account, REFERENCE)
    page = new_context().new_page()
    sign_in(page, account)
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Notifications (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("heading", level=2)).to_have_text("1 intelligence document outstanding")
    check_page(page, scan_log, "sergeant: notifications with an outstanding document")

    page.get_by_role("link", name=re.compile(REFERENCE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record the intelligence document's submission"
    )
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("10")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Time it was submitted").fill("14:30")
    page.get_by_label("By the reporting officer, later").check()
    page.get_by_label("Who submitted it?").fill("PC 4321 Rivers")
    page.get_by_role("button", name="Record submission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My debriefs")

    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Notifications", exact=True
    ).click()
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    check_page(page, scan_log, "sergeant: notifications, nothing waiting")


def test_the_hubs_notifications(new_context, server_data, scan_log):
    hub = server_data.hub_reviewer("notified-hub")
    host = server_data.sergeant("late-review-sergeant")
    incident, action_id = server_data.waiting_for_hub(hub, host)
    page = new_context().new_page()
    sign_in(page, hub)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name=re.compile(r"^Notifications \(\d+\)$")
    ).click()
    main = page.get_by_role("main")
    expect(
        main.get_by_role("heading", name=re.compile("waiting past the review target"))
    ).to_be_visible()
    expect(main.get_by_role("link", name=re.compile(f"^{incident}: submitted"))).to_be_visible()
    expect(
        main.get_by_role("heading", name="1 follow-up action due soon or overdue")
    ).to_be_visible()
    check_page(page, scan_log, "hub: notifications")

    main.get_by_role("link", name=re.compile(f"Action for Border Force on {incident}")).click()
    expect(page).to_have_url(re.compile(f"/review/actions/{action_id}$"))
