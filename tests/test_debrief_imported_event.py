"""Debriefing an event imported from command and control instead of typing it again."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from debrief.audit import Actor
from debrief.compliance import imports
from debrief.models import AuditEntry, Debrief, Event
from tests.debrief_helpers import EVENT_FORM
from tests.factories import make_debrief, make_event, make_user

REF = "INC-20250614-0101"


def _imported(**fields) -> Event:
    values = {
        "incident_ref": REF,
        "source": "import",
        "adults": 4,
        "unaccompanied_children": 1,
        "nccu_referral_made": None,
        "nccu_reference": None,
        "partner_agencies": [],
        "reported_at": datetime(2025, 6, 14, 1, 30),  # 02:30 British Summer Time
        "district": "North",
    }
    values.update(fields)
    return make_event(**values)


def _completing(event: Event, **overrides) -> dict:
    """The imported event's page as a sergeant sends it after completing it."""
    return {**EVENT_FORM, "imported_event": str(event.id), **overrides}


def _debrief_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/debriefs/(\d+)", response.headers["Location"]).group(1))


def _refs(page: str) -> list[str]:
    """Return the incident references in the imported events table, in order."""
    table = page.split('id="imported-events"')[1].split("</table>")[0]
    return list(dict.fromkeys(re.findall(r"INC-2025\d{4}-\d{4}", table)))


def _field_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def test_the_event_page_comes_prefilled_from_the_imported_event(client, login_as, db):
    event = _imported(adults=4, arrested=2, event_type="small_boat")
    login_as("sergeant")
    page = client.get(f"/debriefs/new?event={event.id}").get_data(as_text=True)
    assert "Check the imported event" in page
    assert _field_value(page, "adults") == "4"
    assert _field_value(page, "arrested") == "2"
    assert _field_value(page, "unaccompanied_children") == "1"
    assert _field_value(page, "reported_at-time") == "02:30"
    assert re.search(r'value="small_boat"[^>]*checked', page)
    assert _field_value(page, "incident_ref") == REF  # kept, not typed again
    assert 'type="hidden" name="incident_ref"' in page
    # What the extract does not say is left for the sergeant to answer.
    assert not re.search(r'name="nccu_referral_made"[^>]*checked', page)
    assert not re.search(r'name="partner_agencies"[^>]*checked', page)


def test_starting_completes_the_same_event_row_without_a_duplicate(client, login_as, db):
    event = _imported(adults=4)
    sergeant = login_as("sergeant")
    response = client.post(
        "/debriefs/new", data=_completing(event, adults="5", incident_ref="INC-20250614-9999")
    )
    debrief_id = _debrief_id(response)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Event)) == 1
    debrief = db.get(Debrief, debrief_id)
    assert debrief.event_id == event.id and debrief.host_id == sergeant.id
    stored = db.get(Event, event.id)
    assert stored.incident_ref == REF  # the imported reference is kept
    assert stored.adults == 5 and stored.nccu_reference == "NCCU-2025061401"
    assert sorted(stored.partner_agencies) == ["border_force", "immigration_enforcement"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "debrief.create")).one()
    assert entry.category == "collection" and entry.object_id == str(debrief_id)
    assert entry.details["source"] == "import" and "adults" in entry.details["fields"]
    overview = client.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert REF in overview
    # Correcting the record later changes the same row too.
    page = client.get(f"/debriefs/{debrief_id}/event").get_data(as_text=True)
    assert _field_value(page, "adults") == "5"


def test_invalid_completion_shows_errors_and_keeps_the_imported_page(client, login_as, db):
    event = _imported()
    login_as("sergeant")
    response = client.post("/debriefs/new", data=_completing(event, adults="lots"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The number of adults must be a number, for example 0" in page
    assert "Check the imported event" in page
    assert f'name="imported_event" value="{event.id}"' in page
    assert db.scalar(select(func.count()).select_from(Debrief)) == 0


def test_an_event_with_a_debrief_cannot_get_a_second_one(client, login_as, db):
    event = _imported()
    other = make_user(["sergeant"], username="other")
    make_debrief(other, event=event, answers={"went_well": "Their draft"})
    login_as("sergeant")
    page = client.get(f"/debriefs/new?event={event.id}", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"A debrief for {REF} has already been started" in text
    assert "Their draft" not in text
    response = client.post("/debriefs/new", data=_completing(event), follow_redirects=True)
    assert f"A debrief for {REF} has already been started" in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Debrief)) == 1
    assert db.get(Event, event.id).adults == 4  # nothing the refused form said was written


def test_a_typed_event_record_cannot_be_debriefed_as_imported(client, login_as, db):
    typed = make_event(source="debrief")
    login_as("sergeant")
    assert client.get(f"/debriefs/new?event={typed.id}").status_code == 404
    assert client.post("/debriefs/new", data=_completing(typed)).status_code == 404


def test_typing_an_imported_reference_offers_the_imported_event(client, login_as, db):
    event = _imported()
    login_as("sergeant")
    response = client.post("/debriefs/new", data=EVENT_FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already exists" not in page and "has already been started" not in page
    assert "was imported from command and control and has no debrief yet" in page
    assert f'href="/debriefs/new?event={event.id}"' in page
    assert db.scalar(select(func.count()).select_from(Event)) == 1


def test_the_most_recent_waiting_events_are_listed_newest_first(client, login_as, db):
    _imported(incident_ref="INC-20250601-0001", reported_at=datetime(2025, 6, 1, 9, 0))
    _imported(incident_ref="INC-20250603-0003", reported_at=datetime(2025, 6, 3, 9, 0))
    _imported(incident_ref="INC-20250602-0002", reported_at=datetime(2025, 6, 2, 9, 0))
    taken = _imported(incident_ref="INC-20250604-0004", reported_at=datetime(2025, 6, 4, 9, 0))
    make_debrief(make_user(["sergeant"], username="other"), event=taken)
    make_event(incident_ref="INC-20250605-0005", reported_at=datetime(2025, 6, 5, 9, 0))
    for n in range(10, 16):  # older than the first three: beyond the short list
        _imported(incident_ref=f"INC-20250501-00{n}", reported_at=datetime(2025, 5, 1, n, 0))
    login_as("sergeant")
    home = client.get("/debriefs/").get_data(as_text=True)
    listed = _refs(home)
    assert listed == ["INC-20250603-0003", "INC-20250602-0002", "INC-20250601-0001"] + [
        "INC-20250501-0015",
        "INC-20250501-0014",
    ]
    page = client.get("/debriefs/imported").get_data(as_text=True)
    listed = _refs(page)
    assert len(listed) == 9 and "INC-20250604-0004" not in listed
    assert "INC-20250605-0005" not in listed  # typed by a sergeant: it has its debrief
    assert "North" in page and "HGV or lorry concealment" in page


def test_search_by_reference_finds_waiting_events_only(client, login_as, db):
    wanted = _imported(incident_ref="INC-20250614-0777")
    _imported(incident_ref="INC-20250614-0123")
    login_as("sergeant")
    page = client.get("/debriefs/imported?ref=inc-20250614- 0777").get_data(as_text=True)
    assert "INC-20250614-0777" in page and "INC-20250614-0123" not in page
    assert f'href="/debriefs/new?event={wanted.id}"' in page
    partial = client.get("/debriefs/imported?ref=0614").get_data(as_text=True)
    assert "INC-20250614-0777" in partial and "INC-20250614-0123" in partial
    none = client.get("/debriefs/imported?ref=INC-2099").get_data(as_text=True)
    assert 'id="no-match"' in none and 'id="imported-events"' not in none


def test_search_does_not_show_another_sergeants_draft(client, login_as, db):
    event = _imported()
    other = make_user(["sergeant"], username="other")
    theirs = make_debrief(other, event=event, answers={"went_well": "Secret lesson"})
    me = login_as("sergeant")
    page = client.get(f"/debriefs/imported?ref={REF}").get_data(as_text=True)
    assert f"A debrief for {REF} has already been started" in page
    assert "Secret lesson" not in page and f"/debriefs/{theirs.id}" not in page
    assert 'id="imported-events"' not in page
    assert client.get(f"/debriefs/{theirs.id}").status_code == 404
    mine = _imported(incident_ref="INC-20250614-0202")
    make_debrief(me, event=mine)
    own = client.get("/debriefs/imported?ref=INC-20250614-0202").get_data(as_text=True)
    assert "You have already started a debrief for INC-20250614-0202" in own


def test_a_reimport_leaves_the_sergeants_completed_record_alone(app, client, login_as, db):
    event = _imported(
        incident_ref="INC-20250601-0001",
        reported_at=datetime(2025, 6, 1, 2, 30),
        location_type="lorry_park",
        adults=6,
        unaccompanied_children=1,
        arrested=1,
    )
    login_as("sergeant")
    form = _completing(
        event,
        **{"reported_at-day": "1", "reported_at-time": "03:30", "location_type": "lorry_park"},
        adults="8",
    )
    _debrief_id(client.post("/debriefs/new", data=form))
    data = (
        b"Incident reference,Date and time reported,District,Location type,Event type,"
        b"Adults,Accompanied children,Unaccompanied children,Age disputed,Arrested,NCCU reference\n"
        b"INC-20250601-0001,01/06/2025 03:30,North,Lorry park,HGV or lorry concealment,6,0,1,0,1,\n"
    )
    preview = imports.preview_file(db, "events", "events.csv", data, app.config)
    assert preview.summary()["kept"] == 1 and preview.summary()["update"] == 0
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()
    db.expire_all()
    assert db.get(Event, event.id).adults == 8
