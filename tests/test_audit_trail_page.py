"""The audit trail for administrators: filters, pages, and the xlsx export (itself audited)."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from debrief import audit
from debrief.extensions import db_session
from debrief.models import AuditEntry


def _add(db, at: datetime, username: str, action: str, category="consultation", **fields):
    entry = AuditEntry(
        at=at,
        username=username,
        category=category,
        action=action,
        object_type=fields.get("object_type", "debrief"),
        object_id=str(fields.get("object_id", "1")),
        details=fields.get("details", {}),
        remote_addr="10.0.0.1",
    )
    db.add(entry)
    db.commit()
    return entry


def _rows(client, query: str) -> str:
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    return page[page.index("<tbody") : page.index("</tbody>")]


def test_filters_by_user_action_object_and_dates(client, login_as, db):
    login_as("admin", username="boss")
    _add(db, datetime(2025, 6, 1, 9), "alice", "debrief.view", object_id=7)
    _add(db, datetime(2025, 6, 2, 9), "bob", "debrief.view", object_id=8)
    _add(db, datetime(2025, 6, 3, 9), "alice", "export.themes", "disclosure", object_type="export")
    _add(db, datetime(2025, 6, 30, 23, 30), "carol", "debrief.close", "alteration", object_id=7)

    by_user = _rows(client, "username=alice")
    assert by_user.count("<tr") == 2 and "bob" not in by_user
    by_action = _rows(client, "action=debrief.view")
    assert "alice" in by_action and "bob" in by_action and "export.themes" not in by_action
    by_object = _rows(client, "object_type=debrief&object_id=7")
    assert "alice" in by_object and "carol" in by_object and "bob" not in by_object
    by_kind = _rows(client, "category=disclosure")
    assert by_kind.count("<tr") == 1 and "export.themes" in by_kind
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK (summer time).
    june = _rows(
        client,
        "date_from=2&date_from=6&date_from=2025&date_to=30&date_to=6&date_to=2025",
    )
    assert "bob" in june and "export.themes" in june
    assert june.count("<tr") == 2  # not 1 June, not carol's 1 July (UK time)
    assert "carol" not in june and "1 June 2025" not in june
    # Bounded: each view of this page is itself a record now, dated today.
    july = _rows(client, "date_from=1&date_from=7&date_from=2025&date_to=31&date_to=7&date_to=2025")
    assert "carol" in july and "bob" not in july and "alice" not in july


def test_bad_dates_are_explained(client, login_as):
    login_as("admin")
    response = client.get(
        "/admin/audit?date_from=31&date_from=2&date_from=2025&date_to=1&date_to=1&date_to=2025"
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The from date must be a real date" in page


def test_pages_of_fifty_newest_first(client, login_as, db):
    login_as("admin", username="boss")
    for n in range(60):
        _add(db, datetime(2025, 1, 1, 0, n), "clerk", f"test.{n:02d}")
    first = _rows(client, "username=clerk")
    assert first.count("<tr") == 50 and "test.59" in first and "test.09" not in first
    second = _rows(client, "username=clerk&page=2")
    assert second.count("<tr") == 10 and "test.09" in second and "test.10" not in second


def test_export_writes_every_matching_record_as_text_and_is_itself_audited(client, login_as, db):
    login_as("admin", username="boss")
    _add(db, datetime(2025, 6, 1, 9), "alice", "debrief.view", details={"page": "=HYPERLINK(1)"})
    _add(db, datetime(2025, 6, 2, 9), "bob", "debrief.view")
    response = client.get("/admin/audit/export?username=alice")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=audit-trail")
    book = load_workbook(io.BytesIO(response.data))
    response.close()
    sheet = book["Audit trail"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "OFFICIAL-SENSITIVE"
    assert "username: alice" in rows[1][0]
    header = rows[2]
    assert header[:5] == ["Time (UTC)", "Time (UK)", "User", "Kind", "Action"]
    data = rows[3:]
    assert len(data) == 1
    assert data[0][0] == datetime(2025, 6, 1, 9) and data[0][2] == "alice"
    details_cell = sheet.cell(row=4, column=8)
    assert details_cell.data_type == "s" and details_cell.value.startswith("{")
    assert sheet.oddHeader.center.text.endswith("OFFICIAL-SENSITIVE")

    entry = db.query(AuditEntry).filter_by(action="audit.export").one()
    assert entry.category == "disclosure" and entry.username == "boss"
    assert entry.details == {"filters": {"username": "alice"}, "rows": 1}


def test_audit_records_cannot_be_changed_or_deleted_through_the_code(app, db):
    import pytest
    from sqlalchemy import delete, update

    from debrief.admin.audit_trail import AuditTrailIsAppendOnly

    with app.app_context():
        session = db_session()
        entry = audit.record(session, audit.Actor(), audit.Category.SECURITY, "test.one")
        session.commit()
        entry.action = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            session.commit()
        session.rollback()
        session.delete(entry)
        with pytest.raises(AuditTrailIsAppendOnly):
            session.commit()
        session.rollback()
        with pytest.raises(AuditTrailIsAppendOnly):
            session.execute(update(AuditEntry).values(action="rewritten"))
        with pytest.raises(AuditTrailIsAppendOnly):
            session.execute(delete(AuditEntry))
        session.rollback()
    assert db.query(AuditEntry).filter_by(action="test.one").count() == 1
