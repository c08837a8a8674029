"""The sergeant's outstanding intelligence document, in the browser: seen on their start
page, recorded through its form (errors first), then awaiting the NCCU."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import check_page, sign_in

REFERENCE = "NCCU-2026100777"


def test_the_sergeant_records_an_outstanding_intelligence_document(
    new_context, server_data, scan_log
):
    account = server_data.sergeant("chased-sergeant")
    server_data.outstanding_referral(account, REFERENCE)
    page = new_context().new_page()
    sign_in(page, account)
    banner = page.get_by_role("region", name="Intelligence documents")
    expect(banner).to_contain_text(f"1 intelligence document outstanding ({REFERENCE})")
    check_page(page, scan_log, "sergeant: start page with an outstanding intelligence document")

    banner.get_by_role("link", name=re.compile("Record its submission")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record the intelligence document's submission"
    )
    check_page(page, scan_log, "sergeant: record an intelligence document's submission")

    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Time it was submitted").fill("25:00")
    page.get_by_label("Who submitted it?").fill("PC 4321 Rivers")
    page.get_by_role("button", name="Record submission").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Time it was submitted must be a real time")
    expect(page.get_by_label("Who submitted it?")).to_have_value("PC 4321 Rivers")
    check_page(page, scan_log, "sergeant: record an intelligence document, errors")

    page.get_by_label("Time it was submitted").fill("14:30")
    page.get_by_role("button", name="Record submission").click()
    expect(page.get_by_role("alert")).to_contain_text("after the event was reported")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("10")
    page.get_by_label("By the reporting officer, later").check()
    page.get_by_role("button", name="Record submission").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My debriefs")
    expect(page.get_by_role("main")).to_contain_text("is now submitted, awaiting the NCCU")
    expect(page.get_by_role("region", name="Intelligence documents")).to_contain_text(
        "Submitted, awaiting NCCU"
    )
    check_page(page, scan_log, "sergeant: intelligence document awaiting the NCCU")
