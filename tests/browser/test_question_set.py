"""Changing the question set in the browser (issue 23): upload a draft, preview a section with
a follow-up (with and without JavaScript), compare, publish, and a sergeant starts a debrief
on the new version. The set is rolled back at the end, so the other journeys keep theirs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.debrief_steps import Event, Mouse, answer_page, event_answers
from tests.browser.pages import check_page, sign_in, sign_out
from tests.question_set_helpers import REAL_TEXT, reworded

NEW_WORDING = "What worked well at the scene?"
REASON = "Lessons learned review: clearer wording"


def _heading(page: Page):
    return page.get_by_role("heading", level=1)


def _upload(page: Page, tmp_path, text: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.get_by_label("Question file (questions.toml)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()


def test_upload_preview_compare_publish_and_a_sergeant_gets_the_new_version(
    new_context, accounts, scan_log, tmp_path
):
    admin = new_context().new_page()
    sign_in(admin, accounts["admin"])
    admin.goto("/admin/questions")
    expect(_heading(admin)).to_have_text("Question set")
    active_before = admin.locator("h2:has-text('Active version') + dl code").inner_text()
    check_page(admin, scan_log, "question set")

    # A file with a mistake: listed with its line and question id, and not kept.
    _upload(
        admin, tmp_path, REAL_TEXT.replace('id = "medical_help"', 'id = "how_reported"'), "bad.toml"
    )
    expect(admin.get_by_role("alert").first).to_contain_text("There is a problem")
    expect(admin.locator(".app-question-problems")).to_contain_text(
        re.compile(
            r"line \d+: question 'how_reported' in section 'response': duplicate question id"
        )
    )
    check_page(admin, scan_log, "question set: upload with mistakes")

    _upload(admin, tmp_path, reworded("What went well?", NEW_WORDING), "questions.toml")
    expect(_heading(admin)).to_contain_text("Version")
    check_page(admin, scan_log, "question set: a draft compared with the active version")
    # Compare: the wording change, bindings present, nothing for the DPO.
    expect(admin.locator(".app-compare-changed")).to_contain_text(NEW_WORDING)
    expect(admin.locator(".app-compare-bindings")).to_contain_text("intel_doc_route")
    draft_url = admin.url

    # Preview: the task list, then a section whose follow-up appears when "Yes" is chosen.
    admin.get_by_role("link", name="Preview it as a sergeant sees it").click()
    expect(admin.get_by_text("nothing you enter is saved")).to_be_visible()
    check_page(admin, scan_log, "question set: preview task list")
    admin.get_by_role("link", name="Learning").click()
    expect(_heading(admin)).to_have_text("Learning")
    expect(admin.get_by_label(NEW_WORDING)).to_be_visible()
    follow_up = admin.get_by_label("Describe the notable practice")
    expect(follow_up).to_be_hidden()
    admin.get_by_role("group", name="Is there notable practice to share?").get_by_label(
        "Yes", exact=True
    ).check()
    expect(follow_up).to_be_visible()  # revealed in place, with JavaScript
    check_page(admin, scan_log, "question set: preview of a section, follow-up revealed")

    # Without JavaScript: the follow-up comes after "Check this page", and nothing is saved.
    no_js = new_context(java_script_enabled=False).new_page()
    sign_in(no_js, accounts["admin"])
    no_js.goto(admin.url)
    expect(no_js.get_by_label("Describe the notable practice")).to_be_hidden()
    no_js.get_by_role("group", name="Is there notable practice to share?").get_by_label(
        "Yes", exact=True
    ).check()
    no_js.get_by_role("button", name=re.compile("Check this page")).click()
    expect(no_js.get_by_text("A question has been added because of your answers")).to_be_visible()
    expect(no_js.get_by_label("Describe the notable practice")).to_be_visible()
    check_page(no_js, scan_log, "question set: preview without JavaScript, follow-up added")
    no_js.close()  # signing out would end the administrator's other session too

    # Publish with a reason.
    admin.goto(draft_url)
    admin.get_by_label("Reason for the change").fill(REASON)
    admin.get_by_role("button", name="Publish this version").click()
    expect(_heading(admin)).to_have_text("Question set")
    expect(admin.get_by_text("new debriefs start on it")).to_be_visible()
    expect(admin.get_by_role("table").last).to_contain_text(REASON)
    check_page(admin, scan_log, "question set: published")

    try:
        # A sergeant starts a debrief: it is on the new version.
        sergeant = new_context().new_page()
        sign_in(sergeant, accounts["sergeant"])
        expect(_heading(sergeant)).to_have_text("My debriefs")
        sergeant.get_by_role("button", name="Start a new debrief").click()
        reported = datetime.now().replace(second=0, microsecond=0) - timedelta(hours=3)
        event = Event(f"INC-{reported:%Y%m%d}-2323", reported, "NCCU-2323232323")
        answer_page(Mouse(sergeant), event_answers(event))
        sergeant.get_by_role("button", name="Save and start the debrief").click()
        expect(_heading(sergeant)).to_have_text(f"Debrief of {event.incident_ref}")
        sergeant.get_by_role("link", name="Learning").click()
        expect(sergeant.get_by_label(NEW_WORDING)).to_be_visible()
        check_page(sergeant, scan_log, "sergeant: a section on the newly published version")
        sign_out(sergeant)
    finally:
        # Roll back, so the other journeys find the set they expect.
        admin.goto("/admin/questions")
        admin.get_by_role("row", name=re.compile(active_before)).get_by_role(
            "link", name=re.compile("Compare and roll back")
        ).click()
        check_page(admin, scan_log, "question set: an earlier version, to roll back to")
        admin.get_by_label("Reason for the change").fill("Back to the set the tests expect")
        admin.get_by_role("button", name="Roll back to this version").click()
        expect(admin.get_by_text("made active again")).to_be_visible()
        expect(admin.locator("h2:has-text('Active version') + dl code")).to_have_text(active_before)
        sign_out(admin)
