"""Who may see a debrief: only its sergeant; everyone else gets the same 'not found'."""

from __future__ import annotations

import re

import pytest

from debrief.models import Answer, AuditEntry, Debrief
from tests.debrief_helpers import EVENT_FORM, hidden, section_form, start_debrief
from tests.factories import make_debrief, make_user

PAGES = [
    ("GET", "/debriefs/{}"),
    ("GET", "/debriefs/{}/event"),
    ("POST", "/debriefs/{}/event"),
    ("GET", "/debriefs/{}/sections/learning"),
    ("POST", "/debriefs/{}/sections/learning"),
    ("GET", "/debriefs/{}/check"),
    ("POST", "/debriefs/{}/submit"),
    ("GET", "/debriefs/{}/submitted"),
]


@pytest.mark.parametrize("method,url", PAGES)
def test_another_sergeants_debrief_is_not_found_like_a_missing_one(
    client, login_as, db, method, url
):
    other = make_user(["sergeant"], username="other")
    theirs = make_debrief(other, answers={"went_well": "Theirs"})
    login_as("sergeant")
    data = {"went_well": "Mine now", "declaration": "yes", "version": "1"}
    response = client.open(url.format(theirs.id), method=method, data=data)
    missing = client.open(url.format(999999), method=method, data=data)
    assert response.status_code == missing.status_code == 404

    def page(r):
        return re.sub(r'nonce="[^"]+"', "", r.get_data(as_text=True))

    assert page(response) == page(missing)
    db.expire_all()
    assert db.get(Debrief, theirs.id).state == "draft"
    assert db.query(Answer).filter_by(debrief_id=theirs.id).one().value == "Theirs"


def test_a_hub_reviewer_cannot_use_the_sergeants_pages(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sam")
    debrief = make_debrief(sergeant, state="submitted")
    login_as("hub_reviewer")
    assert client.get(f"/debriefs/{debrief.id}").status_code == 403
    assert client.get("/debriefs/new").status_code == 403


def test_my_debriefs_lists_only_mine(client, login_as, db):
    other = make_user(["sergeant"], username="other")
    from tests.factories import make_event

    make_debrief(other, event=make_event(incident_ref="INC-20250101-0001"))
    login_as("sergeant")
    start_debrief(client)
    page = client.get("/debriefs/").get_data(as_text=True)
    assert "INC-20250614-0101" in page and "INC-20250101-0001" not in page


def test_extra_fields_cannot_change_owner_or_state(client, login_as, db):
    me = login_as("sergeant")
    other = make_user(["sergeant"], username="other")
    response = client.post(
        "/debriefs/new",
        data={**EVENT_FORM, "host_id": str(other.id), "state": "closed", "created_by_id": "99"},
    )
    debrief_id = int(response.headers["Location"].rsplit("/", 1)[1])
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = client.get(url).get_data(as_text=True)
    client.post(
        url,
        data={
            "version": hidden(page, "version"),
            "base": hidden(page, "base"),
            "state": "closed",
            "host_id": str(other.id),
            "assignee_id": str(other.id),
            "question_set_id": "99",
            **section_form("learning", {"went_well": "Fine"}),
        },
    )
    debrief = db.get(Debrief, debrief_id)
    assert (debrief.host_id, debrief.state, debrief.assignee_id) == (me.id, "draft", None)
    assert debrief.event.created_by_id == me.id


def test_every_view_of_a_debrief_is_audited(client, login_as, db):
    me = login_as("sergeant")
    debrief_id = start_debrief(client)
    for url in ("", "/event", "/sections/nccu", "/check"):
        client.get(f"/debriefs/{debrief_id}{url}")
    views = (
        db.query(AuditEntry)
        .filter_by(action="debrief.view", object_type="debrief", object_id=str(debrief_id))
        .all()
    )
    assert [v.details["page"] for v in views] == ["overview", "event", "section:nccu", "check"]
    assert all(v.category == "consultation" and v.user_id == me.id for v in views)
    created = db.query(AuditEntry).filter_by(action="debrief.create").one()
    assert created.category == "collection"
    assert "Quick" not in str(created.details)


def test_the_header_counts_debriefs_returned_to_me(client, login_as, db):
    me = login_as("sergeant")
    assert "My debriefs (" not in client.get("/debriefs/").get_data(as_text=True)
    make_debrief(me, state="returned")
    make_debrief(me, state="returned")
    make_debrief(me, state="submitted")
    assert "My debriefs (2 returned)" in client.get("/debriefs/").get_data(as_text=True)
