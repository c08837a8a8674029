"""People injured, who died and missing are event-record counts (issue 18): asked on the
event record, read from the events import, suppressed in the partner copy like the other
counts, and added by migration 0012 without losing migration 0006's triggers."""

from __future__ import annotations

import html
import re
from datetime import datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select

from debrief import schema
from debrief.audit import Actor
from debrief.compliance import imports
from debrief.config import PROJECT_ROOT
from debrief.models import Debrief, Event
from debrief.questions.loader import parse_snapshot
from tests.debrief_helpers import EVENT_FORM, start_debrief
from tests.export_helpers import (
    build_known_data,
    open_workbook,
    run_export,
    summary_figures,
    table_rows,
)
from tests.factories import db_session, make_debrief, make_event, make_user

NEW = {"injured": "People injured", "died": "People who died", "missing": "People missing"}


def test_the_sergeant_records_injured_dead_and_missing_on_the_event(client, login_as, db):
    login_as("sergeant")
    page = client.get("/debriefs/new").get_data(as_text=True)
    for words in NEW.values():
        assert words in page
    assert "for example from a small boat" in html.unescape(page)
    debrief_id = start_debrief(client, event_type="small_boat", injured="3", died="1", missing="2")
    event = db.get(Debrief, debrief_id).event
    assert (event.injured, event.died, event.missing) == (3, 1, 2)
    overview = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    assert "People who died" in overview


def test_a_missing_or_wrong_count_is_named_and_nothing_typed_is_lost(client, login_as):
    login_as("sergeant")
    data = {**EVENT_FORM, "died": "", "missing": "two"}
    page = client.post("/debriefs/new", data=data).get_data(as_text=True)
    summary = re.findall(r'href="#(?:died|missing)">([^<]*)<', page)
    assert summary == [
        "The number of people missing must be a number, for example 0",
        "Enter the number of people who died, for example 0",
    ]
    assert 'value="two"' in page


def _events_csv(head: str, *rows: str) -> bytes:
    return (head + "\n" + "".join(row + "\n" for row in rows)).encode()


def test_the_events_import_reads_the_new_counts_or_leaves_them_alone(app, db):
    head = (
        "Incident reference,Date and time reported,District,Location type,Event type,"
        "Adults,Injured,Died,Missing"
    )
    data = _events_csv(head, "INC-20250601-0001,01/06/2025 03:30,North,coast,small_boat,30,4,1,3")
    preview = imports.preview_file(db, "events", "events.csv", data, app.config)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()
    event = db.scalar(select(Event).where(Event.incident_ref == "INC-20250601-0001"))
    assert (event.adults, event.injured, event.died, event.missing) == (30, 4, 1, 3)

    # A list without those columns leaves what is recorded alone.
    old_head = "Incident reference,Date and time reported,District,Location type,Event type,Adults"
    again = _events_csv(old_head, "INC-20250601-0001,01/06/2025 03:30,North,coast,small_boat,31")
    preview = imports.preview_file(db, "events", "events.csv", again, app.config)
    assert preview.rows("update")[0].changed == ["Adults"]
    imports.confirm(db, imports.stage(db, preview, again, Actor()), app.config, Actor())
    db.commit()
    db.expire_all()
    assert (event.adults, event.injured, event.died, event.missing) == (31, 4, 1, 3)

    bad = _events_csv(head, "INC-20250601-0002,01/06/2025 03:30,North,coast,small_boat,3,0,-1,0")
    preview = imports.preview_file(db, "events", "events.csv", bad, app.config)
    assert [(r.column, r.reason) for r in preview.rejections] == [
        ("Died", "“-1” is not a whole number, for example 0")
    ]


def test_the_partner_copy_suppresses_the_new_counts_like_the_others(app, tmp_path):
    with app.app_context():
        known = build_known_data()
        for debrief, (injured, died, missing) in zip(
            known["debriefs"], [(1, 1, 2), (0, 0, 0), (5, 0, 0), (0, 0, 0), (0, 0, 0)], strict=False
        ):
            debrief.event.injured, debrief.event.died, debrief.event.missing = (
                injured,
                died,
                missing,
            )
        db_session().commit()
        hub = make_user(["hub_reviewer"], username="hub-counts")
        lead = make_user(["partnership_lead"], username="lead-counts")
        full = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
        partner = open_workbook(run_export(app, tmp_path, lead))
    full_rows = table_rows(full["Debriefs"])
    assert sorted(r["People who died"] for r in full_rows) == [0, 0, 0, 0, 1]
    assert sorted(r["People injured"] for r in full_rows) == [0, 0, 0, 1, 5]
    figures = summary_figures(full)
    assert figures["People injured"] == 6 and figures["People who died"] == 1
    # The partner copy has no row per debrief; its totals suppress the small ones.
    assert "Debriefs" not in partner.sheetnames
    shared = summary_figures(partner)
    assert shared["People who died"] == "<3" and shared["People missing"] == "<3"
    assert shared["People injured"] == 6


def _alembic(engine, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(schema.MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)
        conn.commit()


def test_migration_0012_moves_the_injured_answer_and_keeps_0006s_triggers(app, db):
    host = make_user(["sergeant"], username="sgt-0012")
    june = parse_snapshot((PROJECT_ROOT / "debrief/demo/questions_june_2025.toml").read_text())
    hurt_event = make_event(created_by=host, reported_at=datetime(2025, 6, 1, 3))
    make_debrief(host, "closed", {"medical_help": "yes", "injured": 4}, hurt_event, june)
    calm_event = make_event(created_by=host, reported_at=datetime(2025, 6, 2, 3))
    debrief_id = make_debrief(host, "closed", {"medical_help": "no"}, calm_event, june).id
    hurt, calm = hurt_event.id, calm_event.id
    db_session().close()  # no transaction may hold `events` while its columns are dropped
    db.close()
    engine = app.extensions["debrief.engine"]
    engine.dispose()
    try:
        _alembic(engine, "downgrade", "0011")
        columns = {c["name"] for c in inspect(engine).get_columns("events")}
        assert not {"injured", "died", "missing"} & columns
    finally:
        _alembic(engine, "upgrade", "head")
    assert schema.differences(engine) == []
    db.expire_all()
    assert (db.get(Event, hurt).injured, db.get(Event, calm).injured) == (4, 0)
    assert db.get(Event, hurt).died == 0
    # 0006's trigger still gives an edited event's facts to its debriefs.
    db.get(Event, calm).district = "South"
    db.commit()
    db.expire_all()
    assert db.get(Debrief, debrief_id).event_district == "South"


def test_every_partner_agency_can_be_ticked_however_long_the_list(client, login_as, db):
    """Thirteen agencies with HM Coastguard, the RNLI, BTP and the GLAA: still checkboxes."""
    login_as("sergeant")
    page = client.get("/debriefs/new").get_data(as_text=True)
    for agency in ("coastguard", "rnli", "btp", "glaa", "other"):
        assert f'name="partner_agencies" type="checkbox" value="{agency}"' in page
    assert '<select class="govuk-select" id="partner_agencies"' not in page
    chosen = ["coastguard", "rnli", "btp", "glaa"]
    debrief_id = start_debrief(client, event_type="small_boat", partner_agencies=chosen)
    assert db.get(Debrief, debrief_id).event.partner_agencies == chosen
