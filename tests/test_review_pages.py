"""The hub's pages through the test client: access, audit, header count, forms and conflicts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from debrief.audit import Actor
from debrief.models import AuditEntry, Debrief, FollowUpAction, HistoryEntry, ReviewNote
from tests.factories import make_debrief, make_user
from tests.review_helpers import other_reviewer, queued


@pytest.fixture
def submitted(db):
    """One submitted debrief by a sergeant, with suggested themes."""
    sgt = make_user(["sergeant"], username="sgt", full_name="Sam Sergeant")
    return make_debrief(
        sgt,
        state="submitted",
        answers={"intel_doc_submitted": "no", "risk_to_life": "yes", "risk_to_life_action": "CPR"},
    ).id


@pytest.mark.parametrize("role", ["sergeant", "partnership_lead", "admin"])
@pytest.mark.parametrize(
    "path", ["/review/", "/review/{id}", "/review/actions", "/review/{id}/return"]
)
def test_only_hub_reviewers_reach_the_review_pages(client, login_as, submitted, role, path):
    login_as(role)
    assert client.get(path.format(id=submitted)).status_code == 403


def test_hub_reviewer_sees_any_non_draft_debrief_but_no_draft(client, login_as, db, submitted):
    login_as("hub_reviewer")
    draft = make_debrief(make_user(["sergeant"], username="sgt2"), state="draft").id
    page = client.get(f"/review/{submitted}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Was the intelligence document submitted to the NCCU?" in text
    assert "Intelligence document missing or late" in text
    # the reason
    assert "Was the intelligence document submitted to the NCCU? No, not yet submitted" in text
    assert client.get(f"/review/{draft}").status_code == 404
    assert client.get("/review/999999").status_code == 404
    assert "Debrief " + str(draft) not in client.get("/review/").get_data(as_text=True)


def test_viewing_the_queue_and_a_debrief_is_audited(client, login_as, db, submitted):
    reviewer = login_as("hub_reviewer")
    client.get("/review/?district=North")
    client.get(f"/review/{submitted}")
    entries = db.query(AuditEntry).filter_by(user_id=reviewer.id, category="consultation").all()
    by_action = {e.action: e for e in entries}
    assert by_action["queue.view"].details["debrief_ids"] == [submitted]
    assert ["district", "North"] in by_action["queue.view"].details["filter"]
    assert by_action["debrief.view"].object_id == str(submitted)


def test_header_shows_the_queue_count(client, login_as, db, submitted):
    login_as("hub_reviewer")
    queued(make_user(["sergeant"], username="sgt3"), state="returned")
    queued(make_user(["sergeant"], username="sgt4"), state="closed")
    # What waits for the hub (issue 21): not the returned one, as the dashboard counts.
    assert "Review queue (1)" in client.get("/review/actions").get_data(as_text=True)


def test_queue_sort_links_flip_and_the_filter_stays_in_the_url(client, login_as, db, submitted):
    login_as("hub_reviewer")
    page = client.get("/review/?district=North&intel_doc=not_submitted").get_data(as_text=True)
    assert 'href="/review/?district=North&amp;intel_doc=not_submitted&amp;sort=district' in page
    assert '<option value="North" selected>' in page
    assert 'id="intel_doc" name="intel_doc" type="checkbox" value="not_submitted" checked' in page
    flipped = client.get("/review/?sort=district&direction=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in flipped
    assert "sort=district&amp;direction=desc" in flipped
    bad = client.get("/review/?from=2025-13-01").get_data(as_text=True)
    assert "The ‘from’ date must be a real date" in bad


def test_self_review_is_refused_on_every_form_and_audited(client, login_as, db):
    both = login_as("sergeant", "hub_reviewer", username="both")
    debrief_id = make_debrief(both, state="submitted", answers={"intel_doc_submitted": "no"}).id
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    assert "You hosted this debrief, so you cannot review it" in page
    assert "Close debrief" not in page and "Assign to me" not in page
    form = {"version": 1, "seen": 0}
    for url, data in [
        ("assign", {}),
        ("themes", {"theme_id": "intel_doc_missing", "op": "confirm"}),
        ("notes", {"text": "Fine"}),
        ("decide", {"action": "close"}),
        ("return", {"reason": "More detail"}),
        ("actions/new", {"description": "x", "owner": "y", "status": "open"}),
    ]:
        response = client.post(f"/review/{debrief_id}/{url}", data={**form, **data})
        assert response.status_code == 403, url
        assert "You cannot review a debrief you hosted yourself" in response.get_data(as_text=True)
    assert db.get(Debrief, debrief_id).state == "submitted"
    assert db.query(HistoryEntry).count() == 0
    assert db.query(AuditEntry).filter_by(action="review.refused").count() == 6


def test_a_second_reviewer_gets_409_with_both_sides_and_keeps_their_note(
    client, login_as, db, submitted
):
    login_as("hub_reviewer")
    page = client.get(f"/review/{submitted}").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    # Meanwhile another reviewer takes it and returns it.
    from debrief.review import reviewing

    other = db.merge(other_reviewer())
    debrief = db.get(Debrief, submitted)
    reviewing.assign_to_me(db, debrief, Actor(other), 1)
    reviewing.decide(db, debrief, Actor(other), "return", "Add the NCCU reference", debrief.version)
    db.commit()
    response = client.post(
        f"/review/{submitted}/notes", data={"version": 1, "seen": 0, "text": "My careful note"}
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Someone else changed this debrief" in text
    assert "It is now: <strong>Returned to sergeant</strong>" in text  # the label, not the id
    assert "Assigned to Zed Other" in text and "Reason: Add the NCCU reference" in text
    assert "My careful note</textarea>" in text  # nothing lost
    assert db.query(ReviewNote).count() == 0
    assert f'name="version" value="{debrief.version}"' in text
    again = client.post(
        f"/review/{submitted}/notes",
        data={"version": debrief.version, "seen": 99, "text": "My careful note"},
    )
    assert again.status_code == 302
    assert db.query(ReviewNote).one().text == "My careful note"


def test_a_stale_close_is_409_and_does_not_close(client, login_as, db, submitted):
    login_as("hub_reviewer")
    from debrief.review import reviewing

    other = db.merge(other_reviewer())
    reviewing.add_note(db, db.get(Debrief, submitted), Actor(other), "Wait for NCCU", 1)
    db.commit()
    response = client.post(f"/review/{submitted}/decide", data={"version": 1, "action": "close"})
    assert response.status_code == 409
    assert "close it" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Debrief, submitted).state == "submitted"


def test_return_needs_a_reason_written_for_people(client, login_as, db, submitted):
    login_as("hub_reviewer")
    assert "Why are you returning it?" in client.get(f"/review/{submitted}/return").get_data(
        as_text=True
    )
    response = client.post(f"/review/{submitted}/return", data={"version": 1, "reason": "  "})
    assert response.status_code == 400
    assert "Enter the reason" in response.get_data(as_text=True)
    assert db.get(Debrief, submitted).state == "submitted"
    closed = queued(make_user(["sergeant"], username="s9"), state="closed").id
    assert client.get(f"/review/{closed}/return").status_code == 409


def test_follow_up_action_form_errors_and_a_conflicting_update(client, login_as, db, submitted):
    login_as("hub_reviewer")
    response = client.post(
        f"/review/{submitted}/actions/new",
        data={"description": "", "due_date": ["31", "2", "2025"], "status": "open"},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for message in (
        "Enter what needs to be done",
        "Select who owns the action",
        "The due date must be a real date",
    ):
        assert message in text
    response = client.post(
        f"/review/{submitted}/actions/new",
        data={
            "description": "Chase the intelligence document",
            "owner_kind": "agency",
            "owner_agency": "border_force",
            "due_date": ["", "", ""],
            "status": "open",
        },
    )
    assert response.status_code == 302
    action_id = db.query(FollowUpAction).one().id
    # Someone else marks it done first.
    action = db.get(FollowUpAction, action_id)
    action.status, action.outcome, action.version = "done", "Sent 2 July", 2
    db.commit()
    response = client.post(
        f"/review/actions/{action_id}",
        data={
            "description": "Chase the intelligence document",
            "owner_kind": "agency",
            "owner_agency": "nca",
            "due_date": ["", "", ""],
            "status": "open",
            "version": 1,
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Someone else updated this action" in text
    assert "Sent 2 July" in text and "National Crime Agency" in text
    assert '<option value="nca" selected>' in text
    assert 'name="version" value="2"' in text
    db.expire_all()
    assert db.get(FollowUpAction, action_id).owner == "Border Force"


def test_bulk_assign_confirms_the_count_then_changes_exactly_that(client, login_as, db):
    me = login_as("hub_reviewer")
    sgt = make_user(["sergeant"], username="sgtx")
    north = [queued(sgt, district="North").id for _ in range(3)]
    queued(sgt, district="South")
    queued(me, district="North")  # hosted by the reviewer: never changes
    confirm = client.get("/review/bulk?district=North&bulk_action=assign&scope=filter")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Assign to you: 3 debriefs will change" in text
    assert "1 you hosted yourself will not change" in text
    assert db.query(Debrief).filter(Debrief.assignee_id.is_not(None)).count() == 0
    done = client.post(
        "/review/bulk",
        data={"district": "North", "bulk_action": "assign", "scope": "filter"},
        follow_redirects=True,
    )
    assert "3 debriefs assigned to you." in done.get_data(as_text=True)
    assigned = {d.id for d in db.query(Debrief).filter_by(assignee_id=me.id)}
    assert assigned == set(north)
    ticked = client.get(
        f"/review/bulk?bulk_action=theme&theme_id=training&scope=ticked&id={north[0]}&id={north[1]}"
    )
    assert "Tag with ‘Training and awareness’: 2 debriefs will change" in ticked.get_data(
        as_text=True
    )
    nothing = client.get("/review/bulk?bulk_action=assign&scope=ticked", follow_redirects=True)
    assert "Select at least one debrief" in nothing.get_data(as_text=True)


def test_actions_page_lists_overdue_first_and_filters_by_owner(client, login_as, db):
    reviewer = login_as("hub_reviewer")
    debrief = queued(
        make_user(["sergeant"], username="sgty"), state="closed", reported=datetime(2025, 6, 1, 9)
    )
    for owner, due in [("NCA", date(2999, 1, 1)), ("Border Force", date(2020, 1, 1))]:
        db.add(
            FollowUpAction(
                debrief_id=debrief.id,
                description=f"Do {owner}",
                owner=owner,
                due_date=due,
                created_by_id=reviewer.id,
            )
        )
    db.commit()
    text = client.get("/review/actions").get_data(as_text=True)
    assert text.index("Do Border Force") < text.index("Do NCA")
    assert "Overdue" in text
    only = client.get("/review/actions?owner=NCA").get_data(as_text=True)
    assert "Do NCA" in only and "Do Border Force" not in only


def test_queue_rows_show_theme_and_event_type_words_and_a_retired_id_as_itself(
    client, login_as, db, submitted
):
    from tests.review_helpers import tag

    login_as("hub_reviewer")
    debrief = queued(make_user(["sergeant"], username="sgt5"), event_type="small_boat")
    tag(debrief, "children", confirmed=True)
    tag(debrief, "retired_theme_2024")
    page = client.get("/review/").get_data(as_text=True)
    assert '<span class="app-queue__theme">Children and unaccompanied minors</span>' in page
    assert "<li>retired_theme_2024</li>" in page  # suggested once, since removed
    assert 'data-label="Type">Small boat or coastal landing</td>' in page
