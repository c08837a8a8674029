"""A section save reads without the write lock and decides what to write only under it.

Twenty sergeants saving at once queued behind SQLite's one write lock while each
save signed its sergeant in and read the draft (issue 9). Now the save reads first,
as a GET does, and takes the lock in `drafting.lock`, which reads the draft again.
These tests put another tab's save in the gap between the two.
"""

from __future__ import annotations

from debrief.debriefs import drafting
from debrief.models import Answer, AuditEntry, Debrief
from tests.debrief_helpers import hidden, section_form, start_debrief, stored_answers

LEARNING = "/debriefs/{}/sections/learning"


def _another_tab_saves_before_the_lock(monkeypatch, db, debrief_id: int, text: str) -> list:
    """Commit another tab's save of 'what went well' after this save has read the draft
    and before it takes the lock; return a list that records each time it did."""
    taken = []
    real_lock = drafting.hold_write_lock

    def another_tab_first(session):
        db.add(Answer(debrief_id=debrief_id, question_id="went_well", value=text))
        db.get(Debrief, debrief_id).version += 1
        db.commit()  # would wait for ever if this save already held the write lock
        taken.append(text)
        return real_lock(session)

    monkeypatch.setattr(drafting, "hold_write_lock", another_tab_first)
    return taken


def test_a_save_that_read_before_another_tab_saved_is_refused(client, login_as, db, monkeypatch):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = LEARNING.format(debrief_id)
    page = client.get(url).get_data(as_text=True)
    opened = {"version": hidden(page, "version"), "base": hidden(page, "base"), "reveal": "js"}
    taken = _another_tab_saves_before_the_lock(monkeypatch, db, debrief_id, "From tab B")

    response = client.post(
        url, data={**opened, **section_form("learning", {"went_well": "From tab A"})}
    )

    assert taken == ["From tab B"]
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "This debrief was changed in another tab or window" in text
    assert "From tab A</textarea>" in text  # what this tab typed is still on the page
    assert stored_answers(db, debrief_id).get("went_well") == "From tab B"
    saves = db.query(AuditEntry).filter_by(action="debrief.save", object_id=str(debrief_id))
    assert saves.count() == 0  # the refused save recorded nothing


def test_a_save_of_another_section_after_another_tab_saved_keeps_both(
    client, login_as, db, monkeypatch
):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/welfare"
    page = client.get(url).get_data(as_text=True)
    opened = {"version": hidden(page, "version"), "base": hidden(page, "base"), "reveal": "js"}
    taken = _another_tab_saves_before_the_lock(monkeypatch, db, debrief_id, "From tab B")

    typed = section_form("welfare", {"hydra_trained": "yes"})
    response = client.post(url, data={**opened, **typed})

    assert taken == ["From tab B"]
    assert response.status_code == 302
    answers = stored_answers(db, debrief_id)
    assert answers["went_well"] == "From tab B"  # the other tab's save is not undone
    assert answers["hydra_trained"] == "yes"
    assert db.get(Debrief, debrief_id).version == int(opened["version"]) + 2
