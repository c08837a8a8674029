"""Reconciliation against a known data set: matching, suggestions and the four lists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from debrief.audit import Actor
from debrief.compliance import imports, reconcile
from debrief.models import AuditEntry, NccuReferral
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_event
from tests.nccu_known import (
    DISAGREEMENTS,
    OUTSTANDING,
    SAMPLE,
    UNDEBRIEFED,
    WITHOUT_DEBRIEF,
    make_known_data,
)


def _import_sample(app, db) -> None:
    data = SAMPLE.read_bytes()
    preview = imports.preview_file(db, "nccu", "nccu.csv", data, app.config)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()


def _matches(app, db):
    matches, events = reconcile.all_matches(db, app.config)
    return {m.referral.nccu_reference: m for m in matches}, matches, events


def _refs(matches) -> list[str]:
    return [m.referral.nccu_reference for m in matches]


def test_referrals_match_by_nccu_reference_then_debrief_answer_then_force_reference(app, db):
    make_known_data()
    _import_sample(app, db)
    by_ref, _, _ = _matches(app, db)
    found = {ref: (m.event.incident_ref if m.event else None, m.how) for ref, m in by_ref.items()}
    assert found == {
        "NCCU-2025060101": ("INC-20250601-0001", "nccu_reference"),
        "NCCU-2025060202": ("INC-20250602-0002", "nccu_reference"),
        "NCCU-2025060303": ("INC-20250603-0003", "nccu_reference"),
        "NCCU-2025060404": ("INC-20250604-0004", "nccu_reference"),  # from the debrief's answer
        "NCCU-2025060505": ("INC-20250605-0005", "force_reference"),
        "NCCU-2025060606": (None, None),
        "NCCU-2025060707": (None, None),
    }


def test_the_four_lists_are_right_for_the_known_data(app, db):
    make_known_data()
    _import_sample(app, db)
    by_ref, matches, events = _matches(app, db)
    outstanding = reconcile.outstanding(matches)
    assert _refs(outstanding) == OUTSTANDING  # oldest first
    assert [m.debrief_answer for m in outstanding] == [
        "Yes, by the call taker on first report",  # the factory's "yes" on the current set
        "No",
        "No debrief",
        "No matching event",
    ]
    assert _refs(reconcile.disagreements(matches)) == DISAGREEMENTS
    assert _refs(reconcile.without_debrief(matches)) == WITHOUT_DEBRIEF
    late = reconcile.undebriefed_events(events, app.config["DEBRIEF_DUE_DAYS"])
    assert [e.incident_ref for e in late] == UNDEBRIEFED  # the 2-day-old event is not yet due


def test_undebriefed_uses_the_days_setting(app, db):
    make_known_data()
    events = reconcile.load_events(db)
    assert "INC-20250614-0999" not in [
        e.incident_ref for e in reconcile.undebriefed_events(events, 7)
    ]
    assert "INC-20250614-0999" in [e.incident_ref for e in reconcile.undebriefed_events(events, 1)]


def test_suggestions_are_same_district_and_close_in_time_and_can_be_confirmed(app, db):
    data = make_known_data()
    _import_sample(app, db)
    by_ref, _, _ = _matches(app, db)
    assert [e.incident_ref for e in by_ref["NCCU-2025060606"].suggestions] == ["INC-20250606-0006"]
    assert by_ref["NCCU-2025060707"].suggestions == []  # East: no event there that day
    referral = db.scalars(
        select(NccuReferral).where(NccuReferral.nccu_reference == "NCCU-2025060606")
    ).one()
    user = data["host"]
    reconcile.confirm_match(db, referral, data["events"][5], Actor(user))
    db.commit()
    by_ref, matches, _ = _matches(app, db)
    assert by_ref["NCCU-2025060606"].how == "confirmed"
    assert by_ref["NCCU-2025060606"].event.incident_ref == "INC-20250606-0006"
    # Matched now, but its debrief is still a draft, so it stays on the no-debrief list.
    assert "NCCU-2025060606" in _refs(reconcile.without_debrief(matches))
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "nccu.match.confirmed")).one()
    assert entry.category == "combination"


def test_a_rejected_suggestion_is_not_offered_again(app, db):
    data = make_known_data()
    _import_sample(app, db)
    referral = db.scalars(
        select(NccuReferral).where(NccuReferral.nccu_reference == "NCCU-2025060606")
    ).one()
    reconcile.reject_match(db, referral, data["events"][5], Actor(data["host"]))
    db.commit()
    by_ref, _, _ = _matches(app, db)
    assert by_ref["NCCU-2025060606"].event is None
    assert by_ref["NCCU-2025060606"].suggestions == []


def test_an_event_typed_after_the_import_is_matched_at_once(app, db):
    _import_sample(app, db)
    by_ref, _, _ = _matches(app, db)
    assert by_ref["NCCU-2025060707"].event is None
    db.rollback()  # end this session's read snapshot before the event is added
    event = make_event(incident_ref="INC-20250607-0001", nccu_reference=" nccu-2025060707 ")
    by_ref, _, _ = _matches(app, db)
    assert by_ref["NCCU-2025060707"].event.id == event.id


def test_a_submitted_debrief_speaks_for_its_event_over_a_later_draft(app, db):
    data = make_known_data()
    _import_sample(app, db)
    make_debrief(data["host"], state="draft", event=data["events"][1], answers={})
    by_ref, _, _ = _matches(app, db)
    assert by_ref["NCCU-2025060202"].debrief_answer == "Yes, by the call taker on first report"


def test_an_event_already_matched_is_not_suggested_for_another_referral(app, db):
    data = make_known_data()
    e5 = data["events"][4]
    db.add(
        NccuReferral(
            nccu_reference="NCCU-2025060555",
            referred_at=e5.reported_at + timedelta(minutes=5),
            district="North",
        )
    )
    db.commit()
    _import_sample(app, db)  # NCCU-2025060505 takes INC-20250605-0005 by force reference
    by_ref, _, _ = _matches(app, db)
    assert by_ref["NCCU-2025060555"].suggestions == []


def test_undebriefed_events_count_drafts_as_not_debriefed(app, db):
    data = make_known_data()
    events = reconcile.load_events(db)
    late = {e.incident_ref: e for e in reconcile.undebriefed_events(events, 7, now=utcnow())}
    assert late["INC-20250606-0006"].debrief.is_draft
    assert late["INC-20250605-0005"].debrief is None
    assert data["events"][0].incident_ref not in late
