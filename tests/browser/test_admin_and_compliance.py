"""Administration, the compliance dashboard and the NCCU list import, in the browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD
from tests.browser.pages import check_page, sign_in, sign_out

NCCU_LIST = (
    "NCCU reference,Referral date and time,Force reference,District,"
    "Intelligence document received,Intelligence document received date\n"
    "NCCU-77000001,02/06/2025 11:00,,North,No,\n"
    "NCCU-77000002,03/06/2025 12:00,,South,Yes,03/06/2025\n"
)


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_an_administrator_creates_an_account_that_then_signs_in(new_context, accounts, scan_log):
    """Create an account, hand over the one-time password, see it used, read the audit trail."""
    admin = new_context().new_page()
    sign_in(admin, accounts["admin"])
    expect(_heading(admin)).to_have_text("Users")
    check_page(admin, scan_log, "admin: users")

    admin.get_by_role("button", name="Create an account").click()
    expect(_heading(admin)).to_have_text("Create an account")
    check_page(admin, scan_log, "admin: create an account")
    admin.get_by_role("button", name="Create account").click()
    expect(admin.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(admin, scan_log, "admin: create an account, nothing entered")
    admin.get_by_label("Full name").fill("Priya Patel")
    admin.get_by_label("Username").fill("ppatel")
    admin.get_by_label("Partnership lead").check()
    admin.get_by_role("button", name="Create account").click()
    expect(_heading(admin)).to_have_text("Account created")
    check_page(admin, scan_log, "admin: account created, one-time password")
    one_time = admin.locator("#one-time-password").inner_text().strip()
    assert len(one_time) >= 12

    person = new_context().new_page()
    person.goto("/sign-in")
    person.get_by_label("Username").fill("ppatel")
    person.get_by_label("Password", exact=True).fill(one_time)
    person.get_by_role("button", name="Sign in").click()
    expect(_heading(person)).to_have_text("Set your password")
    person.get_by_label("One-time password").fill(one_time)
    person.get_by_label("New password", exact=True).fill(PASSWORD)
    person.get_by_label("Confirm new password").fill(PASSWORD)
    person.get_by_role("button", name="Change password").click()
    expect(person).to_have_url(re.compile(r"/exports/$"))

    admin.goto("/admin/")
    admin.get_by_role("link", name="Priya Patel").click()
    expect(admin.get_by_text("Partnership lead").first).to_be_visible()
    check_page(admin, scan_log, "admin: an account")

    admin.get_by_role("link", name="What this person did").click()
    expect(_heading(admin)).to_have_text("Audit trail")
    expect(admin.get_by_role("table")).to_contain_text("password.change")
    check_page(admin, scan_log, "admin: audit trail of one person")

    admin.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Question set"
    ).click()
    expect(_heading(admin)).to_be_visible()
    check_page(admin, scan_log, "admin: question set")
    admin.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Audit trail"
    ).click()
    expect(admin.get_by_role("table")).to_contain_text("sign_in")
    check_page(admin, scan_log, "admin: audit trail")
    sign_out(admin)


def test_the_hub_imports_the_nccu_list_and_reads_the_reconciliation(
    new_context, accounts, scan_log, tmp_path
):
    """Upload the NCCU list, preview, confirm, and find the outstanding referral listed."""
    page = new_context().new_page()
    sign_in(page, accounts["hub_reviewer"])
    page.get_by_role("link", name="Compliance").click()
    expect(_heading(page)).to_have_text("Compliance dashboard")
    check_page(page, scan_log, "hub reviewer: compliance dashboard")

    page.get_by_role("link", name="Import lists").click()
    expect(_heading(page)).to_have_text("Import lists")
    check_page(page, scan_log, "hub reviewer: import lists")
    page.get_by_role("link", name="Import the NCCU referral list").click()
    check_page(page, scan_log, "hub reviewer: import the NCCU list")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, scan_log, "hub reviewer: import the NCCU list, no file")

    upload = tmp_path / "nccu-referrals.csv"
    upload.write_text(NCCU_LIST)
    page.get_by_label("Upload the NCCU referral list").set_input_files(upload)
    page.get_by_role("button", name="Upload and preview").click()
    expect(_heading(page)).to_have_text("Check the import of nccu-referrals.csv")
    check_page(page, scan_log, "hub reviewer: NCCU list preview")
    page.get_by_role("button", name="Import 2 rows").click()
    check_page(page, scan_log, "hub reviewer: NCCU list imported")

    page.goto("/compliance/reconciliation")
    expect(page.get_by_role("main")).to_contain_text("NCCU-77000001")
    expect(page.get_by_role("main")).not_to_contain_text("NCCU-77000002")
    check_page(page, scan_log, "hub reviewer: outstanding intelligence documents")
    lists = page.get_by_role("navigation", name="Reconciliation lists")
    for name in (
        "Debriefs and the NCCU disagree",
        "NCCU referrals with no event",
        "Events with no",
    ):
        lists.get_by_role("link", name=re.compile(name)).click()
        check_page(page, scan_log, f"hub reviewer: reconciliation, {name}")

    page.goto("/review/actions")
    check_page(page, scan_log, "hub reviewer: open follow-up actions")


def test_the_partnership_lead_sees_the_dashboard_but_no_debrief(new_context, accounts, scan_log):
    """Counts only for the partnership lead: the dashboard, never an individual debrief."""
    page = new_context().new_page()
    sign_in(page, accounts["partnership_lead"])
    page.get_by_role("link", name="Compliance").click()
    expect(_heading(page)).to_have_text("Compliance dashboard")
    check_page(page, scan_log, "partnership lead: compliance dashboard")
    response = page.goto("/review/")
    assert response.status == 403
    check_page(page, scan_log, "partnership lead: no access (403)")
