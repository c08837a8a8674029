"""One audit record per s.62 operation, through the real pages: view, transition, export,
disposal; each with time, user, action, object and details, and never the typed answers."""

from __future__ import annotations

from datetime import timedelta

from debrief.admin import retention
from debrief.models import AuditEntry, Debrief
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_user

FREE_TEXT = "Driver said the load came from Calais via the night ferry"
ANSWERS = {"learning_went_well": FREE_TEXT, "nccu_contacted": "yes"}


def _only(db, action: str) -> AuditEntry:
    db.commit()  # end the read snapshot: see what the requests wrote
    entries = db.query(AuditEntry).filter_by(action=action).all()
    assert len(entries) == 1, f"{action}: {len(entries)} records"
    return entries[0]


def _check_common(entry: AuditEntry, user, category: str, object_type: str, object_id) -> None:
    assert entry.category == category
    assert entry.user_id == user.id and entry.username == user.username
    assert entry.object_type == object_type and entry.object_id == str(object_id)
    assert abs(entry.at - utcnow()) < timedelta(minutes=5)  # UTC, now
    assert entry.remote_addr == "127.0.0.1"
    assert FREE_TEXT not in str(entry.details)


def test_view_transition_export_and_disposal_are_each_recorded(client, login_as, db):
    host = make_user(["sergeant"], username="sam")
    debrief = make_debrief(host, state="submitted", answers=ANSWERS)
    reviewer = login_as("hub_reviewer", username="hal")

    page = client.get(f"/review/{debrief.id}")
    assert page.status_code == 200
    view = _only(db, "debrief.view")
    _check_common(view, reviewer, "consultation", "debrief", debrief.id)

    started = client.post(
        f"/review/{debrief.id}/decide", data={"action": "start_review", "version": 1}
    )
    assert started.status_code == 302
    db.expire_all()
    version = db.get(Debrief, debrief.id).version
    client.post(f"/review/{debrief.id}/decide", data={"action": "close", "version": version})
    db.commit()
    transitions = (
        db.query(AuditEntry).filter_by(action="debrief.transition").order_by(AuditEntry.id).all()
    )
    assert [t.details["detail"] for t in transitions] == ["start_review", "close"]
    assert transitions[-1].details["state"] == "closed"
    for transition in transitions:
        _check_common(transition, reviewer, "alteration", "debrief", debrief.id)

    download = client.post(
        "/exports/",
        data={
            "period_kind": "quarter",
            "quarter": "2025-Q2",
            "shared_with": "OIC partnership meeting, 14 July 2025",
        },
    )
    assert download.status_code == 200
    download.get_data()
    download.close()
    export = _only(db, "export.themes")
    assert export.category == "disclosure" and export.user_id == reviewer.id
    assert export.object_type == "export" and export.object_id.endswith(".xlsx")
    assert export.details["shared_with"] == "OIC partnership meeting, 14 July 2025"
    assert export.details["period"] == "2025-Q2" and export.details["debriefs"] == 1
    assert FREE_TEXT not in str(export.details)

    closed = db.get(Debrief, debrief.id)
    closed.closed_at = utcnow() - timedelta(days=7 * 366)
    retention.dispose(db, closed, 6)
    db.commit()
    disposal = _only(db, "debrief.dispose")
    assert disposal.category == "erasure" and disposal.username == "retention"
    assert disposal.object_type == "debrief" and disposal.object_id == str(debrief.id)
    assert disposal.details["answers_erased"] == 2
    assert FREE_TEXT not in str(disposal.details)


def test_sign_in_sign_out_and_refusal_are_recorded(client, login_as, db):
    user = login_as("sergeant", username="sam")
    client.get("/admin/")
    client.post("/sign-out")
    db.commit()
    actions = [e.action for e in db.query(AuditEntry).filter_by(user_id=user.id)]
    assert actions[-3:] == ["sign_in", "access.refused", "sign_out"]
