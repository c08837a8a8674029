"""Submitting: the declaration, double clicks, returned debriefs, and question set versions."""

from __future__ import annotations

import shutil

from debrief.models import Answer, Debrief, DebriefTheme, HistoryEntry
from debrief.timeutil import utcnow
from tests.debrief_helpers import COMPLETE, answer_everything, hidden, save_section, start_debrief
from tests.factories import make_debrief, make_user
from tests.question_set_helpers import publish_text, reworded


def _ready(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    answer_everything(client, debrief_id)
    page = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    return debrief_id, hidden(page, "version")


def test_submitting_needs_the_declaration(client, login_as, db):
    debrief_id, version = _ready(client, login_as)
    response = client.post(f"/debriefs/{debrief_id}/submit", data={"version": version})
    page = response.get_data(as_text=True)
    assert '<a href="#declaration">Confirm that you hosted this debrief' in page
    assert db.get(Debrief, debrief_id).state == "draft"


def test_a_double_click_submits_once(client, login_as, db):
    debrief_id, version = _ready(client, login_as)
    data = {"version": version, "declaration": "yes"}
    first = client.post(f"/debriefs/{debrief_id}/submit", data=data)
    second = client.post(f"/debriefs/{debrief_id}/submit", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].startswith(f"/debriefs/{debrief_id}/submitted")
    assert db.query(HistoryEntry).filter_by(debrief_id=debrief_id).count() == 1
    assert db.get(Debrief, debrief_id).version == int(version) + 1


def test_answers_changed_in_another_tab_are_checked_again_before_submitting(client, login_as, db):
    debrief_id, version = _ready(client, login_as)
    save_section(client, debrief_id, "learning", {**COMPLETE, "went_well": "Changed elsewhere"})
    response = client.post(
        f"/debriefs/{debrief_id}/submit", data={"version": version, "declaration": "yes"}
    )
    assert response.status_code == 409
    assert "Check them again below, then submit" in response.get_data(as_text=True)
    assert db.get(Debrief, debrief_id).state == "draft"


def test_a_returned_debrief_shows_the_reason_and_can_be_resubmitted(client, login_as, db):
    sergeant = login_as("sergeant")
    hub = make_user(["hub_reviewer"], username="hub")
    debrief = make_debrief(sergeant, state="returned", answers={**COMPLETE})
    # The factory stores no answers for the event record's facts: they are read from it.
    db.add(DebriefTheme(debrief_id=debrief.id, theme_id="notable_practice", confirmed=True))
    db.add(
        HistoryEntry(
            debrief_id=debrief.id,
            at=utcnow(),
            actor_id=hub.id,
            kind="transition",
            from_state="submitted",
            to_state="returned",
            reason="Say when the intelligence document will be submitted.",
        )
    )
    db.commit()
    assert "My debriefs (1 returned)" in client.get("/debriefs/").get_data(as_text=True)
    overview = client.get(f"/debriefs/{debrief.id}").get_data(as_text=True)
    assert "The safeguarding hub returned this debrief to you" in overview
    assert "Say when the intelligence document will be submitted." in overview
    assert "Check answers and resubmit" in overview
    page = client.get(f"/debriefs/{debrief.id}/check").get_data(as_text=True)
    assert "Resubmit the debrief" in page
    response = client.post(
        f"/debriefs/{debrief.id}/submit",
        data={"version": hidden(page, "version"), "declaration": "yes"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Debrief, debrief.id).state == "submitted"
    themes = {t.theme_id: t for t in db.query(DebriefTheme).filter_by(debrief_id=debrief.id)}
    # The hub's own confirmation stays, no longer marked as suggested by the answers.
    assert themes["notable_practice"].confirmed and not themes["notable_practice"].suggested
    assert themes["intel_doc_missing"].suggested
    assert "My debriefs (1 returned)" not in client.get("/debriefs/").get_data(as_text=True)


def test_a_draft_keeps_the_question_wording_it_was_started_on(app, client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    save_section(client, debrief_id, "learning", COMPLETE)

    # The force rewords a question and publishes it while the app runs.
    publish_text(app, reworded("What went well?", "What worked well?"))
    new_id = start_debrief(client, incident_ref="INC-20250614-0202")
    new = client.get(f"/debriefs/{new_id}/sections/learning").get_data(as_text=True)
    assert "What worked well?" in new
    old = client.get(f"/debriefs/{debrief_id}/sections/learning").get_data(as_text=True)
    assert "What went well?" in old and "What worked well?" not in old
    assert "Quick handover to Immigration Enforcement." in old

    db.commit()
    old_version = db.get(Debrief, debrief_id).question_set
    new_version = db.get(Debrief, new_id).question_set
    assert old_version.version_hash != new_version.version_hash
    assert "What went well?" in old_version.source_text
    # The answer is stored under the stable id, whichever wording asked it.
    assert db.query(Answer).filter_by(debrief_id=debrief_id, question_id="went_well").one()


def test_editing_the_question_file_changes_nothing_once_a_version_is_active(build_app, tmp_path):
    from debrief.config import PROJECT_ROOT
    from debrief.questions.active import active_question_set

    questions = tmp_path / "questions.toml"
    shutil.copy(PROJECT_ROOT / "questions.toml", questions)
    app = build_app(QUESTIONS_PATH=str(questions))
    before = active_question_set(app)
    questions.write_text(questions.read_text().replace("What went well?", "What worked well?"))
    assert active_question_set(app) is before
    questions.write_text(questions.read_text() + "\n[[sections]]\nid = 'broken'\n")
    assert active_question_set(app) is before
    assert build_app(QUESTIONS_PATH=str(questions)) is not None  # the seed is not needed now
