"""Never lose work: the same draft in two tabs, and a save after the session or token lapsed."""

from __future__ import annotations

import re

from debrief.models import Debrief, User, new_token
from tests.debrief_helpers import COMPLETE, hidden, section_form, start_debrief, stored_answers
from tests.factories import DEFAULT_PASSWORD, make_user

LEARNING = "/debriefs/{}/sections/learning"


def _open(client, url):
    """Open a page; return the hidden inputs a browser posts back with it."""
    page = client.get(url).get_data(as_text=True)
    return {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "form_key": hidden(page, "form_key"),
        "reveal": "js",
    }


def test_a_stale_tab_is_refused_with_what_changed_and_nothing_is_overwritten(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = LEARNING.format(debrief_id)
    tab_a = _open(client, url)
    tab_b = _open(client, url)
    saved = client.post(
        url, data={**tab_b, **section_form("learning", {"went_well": "From tab B"})}
    )
    assert saved.status_code == 302

    stale = client.post(
        url, data={**tab_a, **section_form("learning", {"went_well": "From tab A"})}
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "This debrief was changed in another tab or window" in page
    row = re.search(r"What went well\?</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", page)
    assert row.groups() == ("Not answered", "From tab B")
    assert "From tab A</textarea>" in page  # what this tab typed is still on the page
    assert stored_answers(db, debrief_id).get("went_well") == "From tab B"

    # Saving the page again, having seen what changed, is a deliberate choice: it saves.
    again = client.post(
        url,
        data={
            "version": hidden(page, "version"),
            "base": hidden(page, "base"),
            "reveal": "js",
            **section_form("learning", {"went_well": "From tab A"}),
        },
    )
    assert again.status_code == 302
    assert stored_answers(db, debrief_id).get("went_well") == "From tab A"


def test_a_save_sent_twice_saves_once_without_a_conflict_page(client, login_as, db):
    """A browser that resends a save (a retry after a dropped connection, a double click
    that got through) sends exactly what is now stored: there is nothing to warn about."""
    from debrief.models import AuditEntry

    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = LEARNING.format(debrief_id)
    drawn = _open(client, url)
    posted = {**drawn, **section_form("learning", {"went_well": "Kept the people calm"})}
    assert client.post(url, data=posted).status_code == 302
    version = db.get(Debrief, debrief_id).version
    db.rollback()

    resent = client.post(url, data=posted)
    assert resent.status_code == 302
    assert "changed in another tab" not in client.get(resent.location).get_data(as_text=True)
    assert stored_answers(db, debrief_id).get("went_well") == "Kept the people calm"
    assert db.get(Debrief, debrief_id).version == version  # nothing written the second time
    saves = db.query(AuditEntry).filter_by(action="debrief.save", object_id=str(debrief_id)).count()
    assert saves == 1


def test_a_stale_tab_that_typed_the_same_answer_saves_and_one_that_differs_does_not(
    client, login_as, db
):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = LEARNING.format(debrief_id)
    tab_a, tab_b, tab_c = _open(client, url), _open(client, url), _open(client, url)
    answer = {"went_well": "Interpreter came quickly"}
    assert client.post(url, data={**tab_b, **section_form("learning", answer)}).status_code == 302
    same = client.post(url, data={**tab_a, **section_form("learning", answer)})
    assert same.status_code == 302
    other = client.post(
        url, data={**tab_c, **section_form("learning", {"went_well": "Something else"})}
    )
    assert other.status_code == 409
    assert stored_answers(db, debrief_id).get("went_well") == "Interpreter came quickly"


def test_tabs_on_different_sections_do_not_block_each_other(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    learning = _open(client, LEARNING.format(debrief_id))
    welfare_url = f"/debriefs/{debrief_id}/sections/welfare"
    client.post(welfare_url, data={**_open(client, welfare_url), "hydra_trained": "yes"})
    response = client.post(
        LEARNING.format(debrief_id),
        data={**learning, **section_form("learning", {"went_well": "Fine"})},
    )
    assert response.status_code == 302
    assert stored_answers(db, debrief_id).get("went_well") == "Fine"


def test_the_event_record_in_two_tabs(client, login_as, db):
    from tests.debrief_helpers import EVENT_FORM

    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/event"
    tab_a = _open(client, url)
    tab_b = _open(client, url)
    client.post(url, data={**EVENT_FORM, **tab_b, "adults": "9"})
    stale = client.post(url, data={**EVENT_FORM, **tab_a, "adults": "7"})
    assert stale.status_code == 409
    assert re.search(
        r"Adults</th>\s*<td[^>]*>6</td>\s*<td[^>]*>9</td>", stale.get_data(as_text=True)
    )


def test_a_save_after_the_session_ended_comes_back_after_signing_in(client, login_as, db):
    user = login_as("sergeant")
    debrief_id = start_debrief(client)
    url = LEARNING.format(debrief_id)
    opened = _open(client, url)
    # The session ends while the page is open (timed out, or signed out in another window).
    db.get(User, user.id).session_token = new_token()
    db.commit()
    typed = section_form("learning", {**COMPLETE, "went_well": "Typed before the timeout"})
    response = client.post(url, data={**opened, **typed, "action": "continue"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    signed_in = client.post(
        response.headers["Location"],
        data={"username": "sergeant-user", "password": DEFAULT_PASSWORD},
    )
    assert signed_in.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "We kept what you typed before your session ended" in page
    assert "Typed before the timeout</textarea>" in page
    # Kept, not saved behind the sergeant's back.
    assert stored_answers(db, debrief_id).get("went_well") is None
    # The restored page carries the version it was drawn from; saving it works.
    saved = client.post(
        url,
        data={
            "version": hidden(page, "version"),
            "base": hidden(page, "base"),
            "reveal": "js",
            **typed,
        },
    )
    assert saved.status_code == 302
    assert stored_answers(db, debrief_id).get("went_well") == "Typed before the timeout"
    # Only once: reloading the page shows the saved answers, no message.
    assert "We kept what you typed" not in client.get(url).get_data(as_text=True)


def test_a_lapsed_form_token_keeps_what_was_typed(build_app, db):
    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    token = hidden(client.get("/sign-in").get_data(as_text=True), "csrf_token")
    client.post(
        "/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    new_page = client.get("/debriefs/new").get_data(as_text=True)
    from tests.debrief_helpers import EVENT_FORM

    created = client.post(
        "/debriefs/new", data={**EVENT_FORM, "csrf_token": hidden(new_page, "csrf_token")}
    )
    debrief_id = int(created.headers["Location"].rsplit("/", 1)[1])
    url = LEARNING.format(debrief_id)
    opened = _open(client, url)
    typed = section_form("learning", {"went_well": "Typed with an old token"})
    response = client.post(url, data={**opened, **typed, "csrf_token": "lapsed"})
    assert response.status_code == 302 and response.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "Typed with an old token</textarea>" in page
    assert "could not be saved because it was open for too long" in page


def test_an_event_record_typed_as_the_session_ended_comes_back(client, login_as, db):
    from tests.debrief_helpers import EVENT_FORM

    user = login_as("sergeant")
    form_key = hidden(client.get("/debriefs/new").get_data(as_text=True), "form_key")
    db.get(User, user.id).session_token = new_token()
    db.commit()
    response = client.post(
        "/debriefs/new", data={**EVENT_FORM, "adults": "17", "form_key": form_key}
    )
    client.post(
        response.headers["Location"],
        data={"username": "sergeant-user", "password": DEFAULT_PASSWORD},
    )
    page = client.get("/debriefs/new").get_data(as_text=True)
    assert "We kept what you typed before your session ended" in page
    assert 'value="17"' in page and 'value="INC-20250614-0101"' in page


def test_the_event_record_sent_twice_saves_once(client, login_as, db):
    from debrief.models import AuditEntry
    from tests.debrief_helpers import EVENT_FORM

    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/event"
    posted = {**EVENT_FORM, **_open(client, url), "adults": "9"}
    assert client.post(url, data=posted).status_code == 302
    resent = client.post(url, data=posted)
    assert resent.status_code == 302
    assert db.get(Debrief, debrief_id).event.adults == 9
    saves = db.query(AuditEntry).filter_by(action="debrief.event.save", object_id=str(debrief_id))
    assert saves.count() == 1
