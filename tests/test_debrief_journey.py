"""A sergeant records an event, answers every section, leaves, comes back, checks and submits."""

from __future__ import annotations

from debrief.models import Answer, AuditEntry, Debrief, DebriefTheme, Event, HistoryEntry
from tests.debrief_helpers import COMPLETE, answer_everything, hidden, start_debrief
from tests.factories import real_question_set


def test_start_answer_leave_return_check_submit(client, login_as, db):
    sergeant = login_as("sergeant")
    debrief_id = start_debrief(client)

    # Leave after the first section, come back from My debriefs.
    from tests.debrief_helpers import save_section

    later = save_section(client, debrief_id, "debrief", COMPLETE, action="later")
    assert later.headers["Location"] == f"/debriefs/{debrief_id}"
    listing = client.get("/debriefs/").get_data(as_text=True)
    assert "Drafts (1)" in listing and "INC-20250614-0101" in listing
    overview = client.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert "You have completed 1 of 9 sections." in overview
    assert "Cannot start yet" in overview

    answer_everything(client, debrief_id)
    check = client.get(f"/debriefs/{debrief_id}/check")
    page = check.get_data(as_text=True)
    assert "Check your answers before submitting the debrief" in page
    assert "Was the intelligence document submitted to the NCCU?" in page
    assert "Unaware of the requirement" in page  # labels, not ids
    assert f'href="/debriefs/{debrief_id}/sections/nccu#intel_doc_route"' in page
    assert "Change<span class=\"govuk-visually-hidden\"> NCCU referral made</span>" in page
    assert "I hosted this debrief and the answers are accurate" in page

    response = client.post(
        f"/debriefs/{debrief_id}/submit",
        data={"version": hidden(page, "version"), "declaration": "yes"},
        follow_redirects=True,
    )
    confirmation = response.get_data(as_text=True)
    assert "Debrief submitted" in confirmation and "INC-20250614-0101" in confirmation

    listing = client.get("/debriefs/").get_data(as_text=True)
    assert "Submitted (1)" in listing and "Drafts" not in listing

    debrief = db.get(Debrief, debrief_id)
    assert debrief.state == "submitted" and debrief.host_id == sergeant.id
    assert debrief.question_set.version_hash == real_question_set().version
    assert debrief.intel_doc_submitted is False
    stored = {a.question_id: a.value for a in db.query(Answer).filter_by(debrief_id=debrief_id)}
    # The facts the event record holds are answers too, taken from it, never typed twice.
    assert stored["nccu_referral_made"] == "yes"
    assert stored["nccu_reference"] == "NCCU-2025061401"
    assert stored["unaccompanied_children_found"] == "yes"
    assert stored["age_disputed_found"] == "yes"
    assert stored["intel_doc_route"] == "not_done"
    assert stored["nccu_wait_minutes"] == 45
    assert stored["items_seized"] == ["phones"]
    assert stored["debrief_held_at"] == "2025-06-14T06:00"
    themes = {t.theme_id: t for t in db.query(DebriefTheme).filter_by(debrief_id=debrief_id)}
    assert set(themes) == {
        "nccu_access",  # waited 45 minutes
        "intel_doc_missing",
        "training",  # unaware of the requirement
        "children",  # two unaccompanied children on the event record
        "age_dispute",
        "organised_crime",
    }
    assert all(t.suggested for t in themes.values())
    assert "45" in themes["nccu_access"].suggestion_reason
    event = db.query(Event).one()
    assert event.created_by_id == sergeant.id
    assert event.partner_agencies == ["immigration_enforcement", "border_force"]
    history = db.query(HistoryEntry).filter_by(debrief_id=debrief_id).one()
    assert (history.from_state, history.to_state) == ("draft", "submitted")
    audited = db.query(AuditEntry).filter_by(object_type="debrief", object_id=str(debrief_id))
    actions = [a.action for a in audited]
    assert actions.count("debrief.create") == 1 and "debrief.submit" in actions
    # One per section: saving the first section again unchanged altered nothing.
    assert actions.count("debrief.save") == 9
    assert "debrief.view" in actions


def test_submitted_debrief_is_read_only(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    answer_everything(client, debrief_id)
    page = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    client.post(
        f"/debriefs/{debrief_id}/submit",
        data={"version": hidden(page, "version"), "declaration": "yes"},
    )
    view = client.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert "Submitted" in view and "Save and continue" not in view and "Change" not in view
    assert "Quick handover to Immigration Enforcement." in view
    section = client.get(f"/debriefs/{debrief_id}/sections/learning")
    assert section.status_code == 302
    post = client.post(f"/debriefs/{debrief_id}/sections/learning", data={"went_well": "x"})
    assert post.status_code == 302
    assert db.query(Answer).filter_by(debrief_id=debrief_id, question_id="went_well").one().value
    assert client.get(f"/debriefs/{debrief_id}/check").status_code == 302
