"""The events import from command and control, and `debrief import` on the command line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from debrief.audit import Actor
from debrief.cli import main
from debrief.compliance import imports
from debrief.models import AuditEntry, Event, NccuReferral
from tests.factories import make_event
from tests.nccu_known import SAMPLE

HEAD = (
    "Incident reference,Date and time reported,District,Location type,Event type,"
    "Adults,Accompanied children,Unaccompanied children,Age disputed,Arrested,NCCU reference\n"
)
ROW = "INC-20250601-0001,01/06/2025 03:30,North,Lorry park,HGV or lorry concealment,6,0,1,0,1,"


def _csv(*rows: str) -> bytes:
    return (HEAD + "".join(row + "\n" for row in rows)).encode()


def _preview(app, db, data: bytes):
    return imports.preview_file(db, "events", "events.csv", data, app.config)


def _import(app, db, data: bytes):
    preview = _preview(app, db, data)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()
    return preview


def test_events_are_added_as_imported_with_labels_or_ids(app, db):
    row2 = "INC-20250602-0002,02/06/2025 14:00,south,coast,small_boat,,,,,,NCCU-2025060202"
    _import(app, db, _csv(ROW, row2))
    first, second = db.scalars(select(Event).order_by(Event.incident_ref)).all()
    assert (first.source, first.location_type, first.event_type) == (
        "import",
        "lorry_park",
        "hgv_concealment",
    )
    assert first.reported_at == datetime(2025, 6, 1, 2, 30)
    assert (first.adults, first.unaccompanied_children, first.arrested) == (6, 1, 1)
    assert first.nccu_referral_made is None
    assert (second.district, second.adults, second.nccu_reference) == (
        "South",
        0,
        "NCCU-2025060202",
    )
    assert second.nccu_referral_made is True


def test_bad_event_rows_are_rejected_with_reasons(app, db):
    preview = _preview(
        app,
        db,
        _csv(
            ROW.replace("Lorry park", "Car park"),
            ROW.replace("0001", "0002").replace("HGV or lorry concealment", "Boat"),
            ROW.replace("0001", "0003").replace(",6,", ",six,"),
            ROW.replace("0001", "0004").replace(",6,", ",-2,"),
            ROW.replace("INC-20250601-0001", "12345"),
            ROW.replace("0001", "0005").replace("North", "Mars"),
        ),
    )
    assert [(r.row, r.column, r.reason.split(".")[0]) for r in preview.rejections] == [
        (2, "Location type", "Unknown location type “Car park”"),
        (3, "Event type", "Unknown event type “Boat”"),
        (4, "Adults", "“six” is not a whole number, for example 0"),
        (5, "Adults", "“-2” is not a whole number, for example 0"),
        (6, "Incident reference",
         "“12345” is not a force reference in the expected form, for example INC-20250614-0123"),
        (7, "District", "Unknown district “Mars”"),
    ]  # fmt: skip


def test_an_event_a_sergeant_recorded_is_left_alone(app, db):
    typed = make_event(incident_ref="INC-20250601-0001", adults=9)
    preview = _import(app, db, _csv(ROW))
    assert preview.summary()["kept"] == 1
    db.expire_all()
    assert db.get(Event, typed.id).adults == 9 and db.get(Event, typed.id).source == "debrief"


def test_imported_events_update_and_a_second_import_changes_nothing(app, db):
    _import(app, db, _csv(ROW))
    changed = _csv(ROW.replace(",6,0,1,", ",7,0,1,"))
    preview = _preview(app, db, changed)
    assert preview.rows("update")[0].changed == ["Adults"]
    _import(app, db, changed)
    again = _preview(app, db, changed)
    assert again.summary() == {"add": 0, "update": 0, "unchanged": 1, "kept": 0, "rejected": 0}
    assert db.scalars(select(Event.adults)).one() == 7


def test_the_events_page_previews_and_imports(client, login_as, db):
    import io

    login_as("hub_reviewer")
    upload = client.post(
        "/compliance/imports/events",
        data={"file": (io.BytesIO(_csv(ROW)), "events.csv")},
        content_type="multipart/form-data",
    )
    page = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "INC-20250601-0001" in page and "Import 1 row" in page
    done = client.post(upload.headers["Location"] + "/confirm", follow_redirects=True)
    assert "Imported events.csv: 1 added, 0 updated." in done.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Event)) == 1


def test_an_upload_that_is_refused_shows_the_reason_on_the_form(client, login_as, db):
    import io

    login_as("hub_reviewer")
    refused = client.post(
        "/compliance/imports/nccu",
        data={"file": (io.BytesIO(b"hello"), "list.pdf")},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "There is a problem" in page
    assert "list.pdf is not a CSV (.csv) or Excel workbook (.xlsx)" in page
    missing = client.post("/compliance/imports/nccu", data={}, content_type="multipart/form-data")
    assert "Select the CSV or Excel file to import" in missing.get_data(as_text=True)


def test_a_cancelled_import_writes_nothing_and_forgets_the_file(client, login_as, db):
    import io

    from debrief.models import ImportBatch

    login_as("hub_reviewer")
    upload = client.post(
        "/compliance/imports/nccu",
        data={"file": (io.BytesIO(SAMPLE.read_bytes()), "nccu.csv")},
        content_type="multipart/form-data",
    )
    cancelled = client.post(upload.headers["Location"] + "/cancel", follow_redirects=True)
    assert "The import was cancelled. Nothing was imported." in cancelled.get_data(as_text=True)
    batch = db.scalars(select(ImportBatch)).one()
    assert (batch.status, batch.content) == ("discarded", None)
    late = client.post(upload.headers["Location"] + "/confirm", follow_redirects=True)
    assert "already been dealt with" in late.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(NccuReferral)) == 0


# The command line


def test_cli_prints_the_preview_and_imports_only_when_told(runner, db):
    declined = runner.invoke(main, ["import", "nccu", str(SAMPLE)], input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "7 to add, 0 to update, 0 unchanged, 6 rejected" in declined.output
    assert (
        "Row 9, Referral date and time: “31/06/2025 10:00” is not a date and time"
        in declined.output
    )
    assert "Column “NCCU desk” is not one the import uses" in declined.output
    assert "Nothing was imported." in declined.output
    assert db.scalar(select(func.count()).select_from(NccuReferral)) == 0

    done = runner.invoke(main, ["import", "nccu", str(SAMPLE), "--yes"])
    assert done.exit_code == 0, done.output
    assert "Imported: 7 added, 0 updated." in done.output
    db.rollback()  # end the read snapshot taken before the command ran
    assert db.scalar(select(func.count()).select_from(NccuReferral)) == 7
    applied = db.scalars(select(AuditEntry).where(AuditEntry.action == "import.nccu.applied")).one()
    assert applied.username.startswith("cli:")

    again = runner.invoke(main, ["import", "nccu", str(SAMPLE), "--yes"])
    assert "0 to add, 0 to update, 7 unchanged" in again.output
    assert "This file has been imported before." in again.output
    assert "Nothing to change." in again.output


def test_cli_refuses_a_bad_file_with_the_reason(runner, tmp_path):
    bad = tmp_path / "events.xlsx"
    bad.write_text("not a workbook")
    result = runner.invoke(main, ["import", "events", str(bad), "--yes"])
    assert result.exit_code != 0
    assert "events.xlsx is not an Excel workbook" in result.output
