"""The NCCU referral import: each kind of rejected row, updates, idempotence, one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from debrief.audit import Actor
from debrief.compliance import imports
from debrief.models import AuditEntry, ImportBatch, NccuReferral
from debrief.timeutil import to_local, utcnow
from tests.nccu_known import SAMPLE

HEAD = (
    "NCCU reference,Referral date and time,Force reference,District,"
    "Intelligence document received,Intelligence document received date\n"
)


def _csv(*rows: str) -> bytes:
    return (HEAD + "".join(row + "\n" for row in rows)).encode()


def _preview(app, db, data: bytes, name: str = "list.csv"):
    return imports.preview_file(db, "nccu", name, data, app.config)


def _import(app, db, data: bytes, name: str = "list.csv"):
    """Preview, stage and confirm as the web page does; commit once."""
    preview = _preview(app, db, data, name)
    batch = imports.stage(db, preview, data, Actor())
    imports.confirm(db, batch, app.config, Actor())
    db.commit()
    return batch


def _count(db, model=NccuReferral) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _reasons(preview) -> list[tuple[int, str, str]]:
    return [(r.row, r.column, r.reason) for r in preview.rejections]


RECEIVED_DATE = "Intelligence document received date"
GOOD = "NCCU-2025060101,01/06/2025 10:15,INC-20250601-0001,North,Yes,01/06/2025"
FUTURE = f"{to_local(utcnow() + timedelta(days=3)):%d/%m/%Y %H:%M}"


@pytest.mark.parametrize(
    "row, column, reason",
    [
        ("NCCU-2025060101,31/06/2025 10:00,,North,No,", "Referral date and time",
         "“31/06/2025 10:00” is not a date and time. Use day/month/year and 24-hour time"),
        ("NCCU-2025060101,01/06/2025,,North,No,", "Referral date and time",
         "“01/06/2025” is not a date and time"),
        (f"NCCU-2025060101,{FUTURE},,North,No,", "Referral date and time", "is in the future"),
        ("NCCU-2025060101,01/06/2025 10:00,,Atlantis,No,", "District",
         "Unknown district “Atlantis”. Use one of: North, South"),
        ("NCCU-12,01/06/2025 10:00,,North,No,", "NCCU reference",
         "“NCCU-12” is not an NCCU reference in the expected form, for example NCCU-2025061401"),
        ("NCCU-2025060101,01/06/2025 10:00,INC-1,North,No,", "Force reference",
         "“INC-1” is not a force reference in the expected form"),
        ("NCCU-2025060101,01/06/2025 10:00,,North,maybe,", "Intelligence document received",
         "“maybe” is not yes or no"),
        (",01/06/2025 10:00,,North,No,", "NCCU reference", "The NCCU reference is blank"),
        ("NCCU-2025060101,01/06/2025 10:00,,North,,", "Intelligence document received",
         "The Intelligence document received is blank"),
        ("NCCU-2025060101,01/06/2025 10:00,,North,No,02/06/2025", RECEIVED_DATE,
         "A date is given but the document is marked not received"),
        ("NCCU-2025060101,03/06/2025 10:00,,North,Yes,02/06/2025", RECEIVED_DATE,
         "The document is dated before the referral"),
        ("NCCU-2025060101,01/06/2025 10:00,,North,Yes,someday", RECEIVED_DATE,
         "“someday” is not a date"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_row_is_rejected_with_row_column_and_reason(app, db, row, column, reason):
    preview = _preview(app, db, _csv(GOOD.replace("0101", "0199"), row))
    [(number, found_column, found_reason)] = _reasons(preview)
    assert (number, found_column) == (3, column)
    assert reason in found_reason
    assert preview.summary() == {"add": 1, "update": 0, "unchanged": 0, "kept": 0, "rejected": 1}


def test_a_reference_on_two_rows_rejects_both_rows(app, db):
    preview = _preview(app, db, _csv(GOOD, "NCCU-2025060101,01/06/2025 11:00,,North,No,"))
    assert [(r.row, r.reason) for r in preview.rejections] == [
        (2, "NCCU-2025060101 is on rows 2 and 3: keep one row for it"),
        (3, "NCCU-2025060101 is on rows 2 and 3: keep one row for it"),
    ]
    assert preview.summary()["add"] == 0


def test_a_row_keeps_every_reason_it_is_rejected_for(app, db):
    preview = _preview(app, db, _csv("NCCU-1,yesterday,,Nowhere,perhaps,"))
    assert [r.column for r in preview.rejections] == [
        "NCCU reference",
        "Referral date and time",
        "District",
        "Intelligence document received",
    ]
    assert preview.summary()["rejected"] == 1


def test_nothing_is_written_until_confirmed_then_times_are_stored_as_utc(app, db):
    data = _csv(GOOD)
    preview = _preview(app, db, data)
    imports.stage(db, preview, data, Actor())
    db.commit()
    assert _count(db) == 0
    [batch] = db.scalars(select(ImportBatch)).all()
    imports.confirm(db, batch, app.config, Actor())
    db.commit()
    referral = db.scalars(select(NccuReferral)).one()
    assert referral.referred_at == datetime(2025, 6, 1, 9, 15)  # 10:15 BST
    assert referral.intel_doc_received is True
    assert referral.intel_doc_received_at == datetime(2025, 5, 31, 23, 0)  # local midnight
    assert referral.force_reference == "INC-20250601-0001"
    assert referral.batch_id == batch.id and batch.status == "applied"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(app, db):
    data = SAMPLE.read_bytes()
    _import(app, db, data)
    before = {
        r.nccu_reference: (r.updated_at, r.batch_id) for r in db.scalars(select(NccuReferral))
    }
    second = _preview(app, db, data)
    assert second.summary() == {"add": 0, "update": 0, "unchanged": 7, "kept": 0, "rejected": 6}
    assert second.previously_applied is not None
    _import(app, db, data)
    db.expire_all()
    after = {r.nccu_reference: (r.updated_at, r.batch_id) for r in db.scalars(select(NccuReferral))}
    assert after == before


def test_a_later_list_updates_what_changed_and_names_the_columns(app, db):
    _import(app, db, _csv(GOOD.replace("Yes,01/06/2025", "No,")))
    data = _csv(GOOD, GOOD.replace("0101", "0102"))
    preview = _preview(app, db, data)
    assert [(p.reference, p.action) for p in preview.plans] == [
        ("NCCU-2025060101", "update"),
        ("NCCU-2025060102", "add"),
    ]
    assert preview.plans[0].changed == [
        "Intelligence document received",
        RECEIVED_DATE,
    ]
    _import(app, db, data)
    db.expire_all()
    assert db.scalars(select(NccuReferral).order_by(NccuReferral.id)).first().intel_doc_received


def test_a_list_without_an_optional_column_leaves_it_as_recorded(app, db):
    _import(app, db, _csv(GOOD))
    slim = b"NCCU reference,Referral date and time,Intelligence document received\n"
    slim += b"NCCU-2025060101,01/06/2025 10:15,Yes\n"
    preview = _preview(app, db, slim)
    assert preview.summary()["unchanged"] == 1
    assert "Force reference" in preview.missing_columns


def test_a_failure_mid_import_leaves_nothing_behind(app, db, monkeypatch):
    data = SAMPLE.read_bytes()
    preview = _preview(app, db, data)
    batch = imports.stage(db, preview, data, Actor())
    db.commit()
    real_insert = imports.insert
    written = []

    def failing_insert(*args, **kwargs):
        if len(written) == 2:
            raise RuntimeError("disk full")
        written.append(real_insert(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(imports, "WRITE_BATCH", 2)
    monkeypatch.setattr(imports, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        imports.confirm(db, batch, app.config, Actor())
    db.rollback()
    db.expire_all()
    assert len(written) == 2  # two batches of rows were written before the failure
    assert _count(db) == 0
    assert db.get(ImportBatch, batch.id).status == "previewed"
    assert db.scalars(select(AuditEntry.action)).all() == ["import.nccu.previewed"]


def test_the_web_confirm_is_one_transaction_too(app, client, login_as, db, monkeypatch):
    import io

    login_as("hub_reviewer")
    upload = client.post(
        "/compliance/imports/nccu",
        data={"file": (io.BytesIO(SAMPLE.read_bytes()), "nccu.csv")},
        content_type="multipart/form-data",
    )

    def explode(session, preview, batch, user):
        session.add(NccuReferral(nccu_reference="NCCU-9999999999", referred_at=utcnow()))
        session.flush()
        raise RuntimeError("power cut")

    monkeypatch.setattr(imports, "apply", explode)
    with pytest.raises(RuntimeError):
        client.post(upload.headers["Location"] + "/confirm")
    db.expire_all()
    assert _count(db) == 0
    assert db.scalars(select(ImportBatch.status)).all() == ["previewed"]


def test_records_changed_since_the_preview_are_shown_again_not_imported(app, db):
    data = _csv(GOOD, GOOD.replace("0101", "0102"))
    batch = imports.stage(db, _preview(app, db, data), data, Actor())
    db.commit()
    _import(app, db, _csv(GOOD))  # someone else imports part of it meanwhile
    with pytest.raises(imports.PreviewChanged) as changed:
        imports.confirm(db, batch, app.config, Actor())
    assert changed.value.preview.summary()["unchanged"] == 1
    db.commit()
    imports.confirm(db, batch, app.config, Actor())  # confirming the new preview works
    db.commit()
    assert _count(db) == 2


def test_a_batch_can_be_confirmed_once(app, db):
    batch = _import(app, db, _csv(GOOD))
    with pytest.raises(imports.ImportRefused, match="already been dealt with"):
        imports.confirm(db, batch, app.config, Actor())


def test_imports_are_audited_without_the_file_contents(app, db):
    _import(app, db, SAMPLE.read_bytes(), name="nccu.csv")
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.category, e.action) for e in entries] == [
        ("collection", "import.nccu.previewed"),
        ("collection", "import.nccu.applied"),
    ]
    assert entries[1].details["file"] == "nccu.csv"
    assert entries[1].details["add"] == 7 and entries[1].details["rejected"] == 6
    assert "NCCU-2025060101" not in str(entries[1].details)
