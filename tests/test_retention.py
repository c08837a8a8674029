"""Retention: review and dispose of debriefs past the period; a tombstone is kept for counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from debrief.admin import retention
from debrief.cli import main
from debrief.models import (
    Answer,
    AuditEntry,
    Debrief,
    DebriefTheme,
    Event,
    FollowUpAction,
    HistoryEntry,
    ReviewNote,
)
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_user

ANSWERS = {
    "learning_went_well": "The custody sergeant and the interpreter were quick",
    "nccu_contacted": "yes",
    "adults": 6,
}


def _old_closed_debrief(db, host, reviewer, *, years_ago: float, **fields):
    closed = utcnow() - timedelta(days=365.25 * years_ago)
    debrief = make_debrief(
        host,
        state="closed",
        answers=ANSWERS,
        submitted_at=closed - timedelta(days=3),
        closed_at=closed,
        **fields,
    )
    db.add(ReviewNote(debrief_id=debrief.id, author_id=reviewer.id, text="Spoke to the PC"))
    db.add(
        FollowUpAction(
            debrief_id=debrief.id,
            description="Brief the team on NCCU",
            owner="Insp Jones",
            created_by_id=reviewer.id,
        )
    )
    db.add(
        HistoryEntry(
            debrief_id=debrief.id,
            actor_id=reviewer.id,
            kind="transition",
            from_state="submitted",
            to_state="returned",
            summary="Returned to the sergeant",
            reason="Please add the NCCU reference for the van driver",
        )
    )
    db.commit()
    return debrief


def _people(db):
    return make_user(["sergeant"], username="sam"), make_user(["hub_reviewer"], username="hal")


def test_review_lists_only_closed_debriefs_past_the_period_and_changes_nothing(runner, db):
    host, reviewer = _people(db)
    old = _old_closed_debrief(db, host, reviewer, years_ago=6.1)
    _old_closed_debrief(db, host, reviewer, years_ago=5.9)
    make_debrief(host, state="submitted", answers=ANSWERS)
    result = runner.invoke(main, ["retention", "review"])
    assert result.exit_code == 0, result.output
    assert "1 debrief(s) closed before" in result.output
    assert f"debrief {old.id} ({old.export_ref})" in result.output
    assert db.query(Answer).count() == 9


def test_apply_is_a_dry_run_without_yes(runner, db):
    host, reviewer = _people(db)
    _old_closed_debrief(db, host, reviewer, years_ago=7)
    result = runner.invoke(main, ["retention", "apply"])
    assert result.exit_code == 0
    assert "Dry run: 1 debrief(s) would be disposed of" in result.output
    assert "Nothing was changed" in result.output
    assert db.query(Debrief).one().disposed_at is None
    assert db.query(Answer).count() == 3
    assert db.query(AuditEntry).filter_by(category="erasure").count() == 0


def test_apply_yes_erases_content_keeps_a_tombstone_and_audits_without_content(runner, db):
    host, reviewer = _people(db)
    old = _old_closed_debrief(db, host, reviewer, years_ago=7)
    keep = _old_closed_debrief(db, host, reviewer, years_ago=1)
    themes_before = db.query(DebriefTheme).filter_by(debrief_id=old.id).count()
    incident_ref = db.get(Event, old.event_id).incident_ref

    result = runner.invoke(main, ["retention", "apply", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Disposed of debrief {old.id}" in result.output
    db.commit()  # end the read snapshot taken before the command ran

    tomb = db.get(Debrief, old.id)
    assert tomb.disposed_at is not None and tomb.state == "closed" and tomb.closed_at
    assert db.query(Answer).filter_by(debrief_id=old.id).count() == 0
    assert db.query(ReviewNote).filter_by(debrief_id=old.id).count() == 0
    assert db.query(FollowUpAction).filter_by(debrief_id=old.id).count() == 0
    history = db.query(HistoryEntry).filter_by(debrief_id=old.id).one()
    assert history.summary == "" and history.reason is None and history.to_state == "returned"
    themes = db.query(DebriefTheme).filter_by(debrief_id=old.id).all()
    assert len(themes) == themes_before and all(t.suggestion_reason == "" for t in themes)
    event = db.get(Event, old.event_id)
    assert event.adults == 6  # the counts stay for the figures
    assert event.incident_ref != incident_ref and event.nccu_reference is None

    assert db.query(Answer).filter_by(debrief_id=keep.id).count() == 3  # not due yet
    assert db.get(Debrief, keep.id).disposed_at is None

    entry = db.query(AuditEntry).filter_by(action="debrief.dispose").one()
    assert entry.category == "erasure"
    assert entry.object_type == "debrief" and entry.object_id == str(old.id)
    assert entry.username == "retention" and entry.at is not None
    assert entry.details["answers_erased"] == 3
    assert entry.details["notes_erased"] == 1 and entry.details["actions_erased"] == 1
    assert entry.details["retention_years"] == 6
    recorded = str(entry.details)
    for erased in ("custody sergeant", "Spoke to the PC", "NCCU reference", incident_ref):
        assert erased not in recorded

    again = runner.invoke(main, ["retention", "apply", "--yes"])
    assert "Nothing to dispose of." in again.output  # disposal happens once


def test_the_period_comes_from_the_settings(build_app):
    from debrief.extensions import db_session

    app = build_app(RETENTION_YEARS=2)
    with app.app_context():
        session = db_session()
        host = make_user(["sergeant"], username="sam")
        closed = utcnow() - timedelta(days=365 * 3)
        make_debrief(host, state="closed", closed_at=closed, submitted_at=closed)
        result = app.test_cli_runner().invoke(main, ["retention", "review"])
        assert "(2 years)" in result.output and "1 debrief(s)" in result.output
        assert session is not None


def test_cutoff_handles_29_february():
    assert retention.cutoff(6, datetime(2024, 2, 29, 12)) == datetime(2018, 2, 28, 12)


def test_apply_yes_leaves_no_stored_figure_made_from_what_it_erased(runner, db, app):
    """The dashboard's stored figures name the owner of open actions as typed: once the
    debrief is disposed of, no stored copy of that name is left waiting for a reader."""
    from datetime import date

    from debrief.compliance import dashboard
    from debrief.models import StoredSummary, SummaryMark

    host, reviewer = _people(db)
    _old_closed_debrief(db, host, reviewer, years_ago=7)
    assert dashboard._actions(db, date.today())[2][0][0] == "Insp Jones"  # now stored
    db.commit()
    assert "Insp Jones" in str(db.scalars(select(StoredSummary.body)).all())

    result = runner.invoke(main, ["retention", "apply", "--yes"])
    assert result.exit_code == 0, result.output
    db.commit()
    assert "Insp Jones" not in str(db.scalars(select(StoredSummary.body)).all())
    assert db.scalar(select(func.count()).select_from(SummaryMark)) == 0
    assert dashboard._actions(db, date.today()) == (0, 0, [])
