"""The queue filters and sorts on each debrief's copy of its event's facts (migration 0006).

Triggers keep the copies equal to the event's, whoever writes: the app through the
ORM, a bulk insert, a debrief moved to another event. These tests fail if a later
migration loses the triggers (a table rebuild on SQLite drops them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from debrief.models import Debrief, Event
from debrief.questions.store import stored_version
from tests.debrief_helpers import EVENT_FORM, hidden, start_debrief
from tests.factories import make_event, make_user, real_question_set
from tests.review_helpers import queued


def _copies(db, debrief_id: int) -> tuple:
    db.expire_all()
    return db.execute(
        select(Debrief.event_reported_at, Debrief.event_district, Debrief.event_type).where(
            Debrief.id == debrief_id
        )
    ).one()


def _listed(client, query: str) -> str:
    return client.get(f"/review/?{query}").get_data(as_text=True)


def test_an_edited_event_moves_its_debrief_between_queue_filters(client, login_as, db):
    login_as("hub_reviewer")
    sergeant = make_user(["sergeant"], username="sgt-facts")
    debrief = queued(sergeant, district="North", event_type="hgv_concealment")
    link = f'href="/review/{debrief.id}"'
    assert link in _listed(client, "district=North")
    assert link not in _listed(client, "district=South")

    event = db.get(Event, debrief.event_id)
    event.district = "South"
    event.event_type = "small_boat"
    event.reported_at = datetime(2025, 7, 1, 23, 15)
    db.commit()

    assert link not in _listed(client, "district=North")
    south = _listed(client, "district=South&event_type=small_boat&from=2025-07-01&to=2025-07-02")
    assert link in south
    assert "1 debrief" in south
    # The row shows the corrected facts (local time: 2 July, 00:15 BST).
    row = south.split(link, 1)[1].split("</tr>", 1)[0]
    assert "South" in row and "2 Jul 2025" in row
    assert _copies(db, debrief.id) == (datetime(2025, 7, 1, 23, 15), "South", "small_boat")


def test_the_sergeants_event_record_page_updates_the_copies(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    assert _copies(db, debrief_id)[1:] == ("North", "hgv_concealment")
    url = f"/debriefs/{debrief_id}/event"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            **EVENT_FORM,
            "district": "Coastal",
            "version": hidden(page, "version"),
            "base": hidden(page, "base"),
        },
    )
    assert response.status_code == 302
    assert _copies(db, debrief_id)[1:] == ("Coastal", "hgv_concealment")


def test_a_bulk_insert_and_a_move_to_another_event_fill_the_copies(app, db):
    sergeant = make_user(["sergeant"], username="sgt-bulk")
    first = make_event(created_by=sergeant, district="East", event_type="lorry_drop")
    second = make_event(
        created_by=sergeant,
        district="West",
        event_type="small_boat",
        reported_at=datetime(2025, 1, 5, 4, 0),
    )
    version = stored_version(db, real_question_set()).id
    debrief_id = db.scalar(
        insert(Debrief).returning(Debrief.id),
        [{"event_id": first.id, "host_id": sergeant.id, "question_set_id": version}],
    )
    db.commit()
    assert _copies(db, debrief_id) == (first.reported_at, "East", "lorry_drop")

    db.execute(update(Debrief).where(Debrief.id == debrief_id).values(event_id=second.id))
    db.commit()
    assert _copies(db, debrief_id) == (datetime(2025, 1, 5, 4, 0), "West", "small_boat")


def test_every_debrief_agrees_with_its_event(app, db):
    sergeant = make_user(["sergeant"], username="sgt-all")
    for district in ("North", "South", "Central"):
        queued(sergeant, district=district)
    mismatched = db.scalar(
        select(Debrief.id)
        .join(Debrief.event)
        .where(
            (Debrief.event_district != Event.district)
            | (Debrief.event_type != Event.event_type)
            | (Debrief.event_reported_at != Event.reported_at)
            | Debrief.event_district.is_(None)
        )
        .limit(1)
    )
    assert mismatched is None
