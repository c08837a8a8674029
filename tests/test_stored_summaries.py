"""Stored figures (issue 22) equal a direct count after every kind of change.

The dashboard adds up months it stored once counted, and the reconciliation lists'
counts are kept likewise (`debrief/summaries.py`); the database's triggers mark what a
change puts out of date. Each test here changes the data the way the service does
(submit, return, close, reopen, a theme confirmed, an import, a match, retention
disposal, an event moved to another month, a fix by hand in SQL) and checks the stored
figures against a direct count, on SQLite and on PostgreSQL (CI's second pass).
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select, text, update
from sqlalchemy import event as sa_event

from debrief import recommendation2, summaries
from debrief.admin import retention
from debrief.audit import Actor
from debrief.compliance import chasing, dashboard, reconcile
from debrief.models import (
    Debrief,
    DebriefTheme,
    Event,
    FollowUpAction,
    NccuReferral,
    StoredSummary,
    SummaryMark,
    User,
)
from debrief.periods import ReviewTarget, custom
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_event, make_user
from tests.test_reconcile_sql import _assert_same, _import_sample, force  # noqa: F401

PERIOD = custom(date(2025, 1, 1), date(2026, 12, 31))  # every month the data touches
TODAY = date(2026, 12, 4)
LABELS = {"children": "Children", "nccu_access": "NCCU access"}


def _normal(figures: dashboard.MonthFigures) -> tuple:
    """What a month's figures say, whatever order the days were read in."""
    return (
        figures.coverage,
        figures.rec2,
        {t: n for t, n in figures.themes.items() if n},
        sorted(figures.receipt_days),
        figures.closed,
        sorted(figures.close_days),
    )


def _direct(db, period=PERIOD) -> list[tuple]:
    start, stop = period.utc_bounds()
    counted = dashboard.count_months(db, period.months(), start, stop)
    return [(month, _normal(counted[month])) for month in period.months()]


def _build(app, db, period=PERIOD) -> dashboard.Dashboard:
    return dashboard.build(
        db,
        period,
        theme_labels=LABELS,
        target=ReviewTarget(app.config["REVIEW_TARGET_WORKING_DAYS"], "england-and-wales"),
        today=TODAY,
    )


def _assert_stored_equal_direct(app, db, period=PERIOD) -> dashboard.Dashboard:
    """The stored months, the dashboard built from them and the Recommendation 2 figures
    all equal what a direct count gives now."""
    built = _build(app, db, period)
    stored = [(month, _normal(figures)) for month, figures in dashboard.monthly(db, period)]
    assert stored == _direct(db, period)
    start, stop = period.utc_bounds()
    direct_rec2 = recommendation2.figures(db, start, stop, period.months())
    assert built.rec2.months == direct_rec2.months
    assert built.rec2.total == direct_rec2.total
    assert dashboard.rec2_figures(db, period).total == direct_rec2.total
    queue = dashboard._queue(db, start, stop, _target(app), TODAY)
    assert built.queue == queue
    assert built.receipt.median_days == _receipt(db, period).median_days
    assert built.actions_by_owner == _open_actions(db)
    db.rollback()
    # The reconciliation lists: counts (against the Python definition), the references
    # sergeants typed and the outstanding list's filter choices, kept with them.
    _assert_same(app, db)
    reconcile.list_counts(db, app.config)
    kept = summaries.peek(db, summaries.RECONCILE)
    typed = db.execute(reconcile._typed_query(db)).all()
    assert kept is not None and len(kept["typed"]) == len(typed)
    assert kept["referrals"] == db.scalar(select(func.count()).select_from(NccuReferral))
    db.rollback()
    assert sorted(reconcile.typed_rows(db)) == sorted(tuple(row) for row in typed)
    assert chasing.stored_outstanding_choices(db) == chasing.outstanding_choices(db)
    db.rollback()
    # What is put to each person (kept) equals what working it out now gives.
    window = app.config["NCCU_MATCH_WINDOW_HOURS"]
    for user in db.scalars(select(User)).all():
        kept = chasing.put_to(db, user, window)
        db.rollback()
        team = chasing._team(db, user)
        direct = chasing._items(db, chasing._put_to(db, window, team), team, user)
        assert kept == direct, user.username
        db.rollback()
    return built


def _open_actions(db) -> list[tuple[str, int, int]]:
    """Open actions of submitted debriefs by owner, and how many are late, counted now."""
    query = (
        select(
            FollowUpAction.owner,
            func.count(),
            func.sum(case((FollowUpAction.due_date < TODAY, 1), else_=0)),
        )
        .join(Debrief, Debrief.id == FollowUpAction.debrief_id)
        .where(FollowUpAction.status == "open", Debrief.state != "draft")
        .group_by(FollowUpAction.owner)
    )
    rows = [(owner, n, int(late or 0)) for owner, n, late in db.execute(query)]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _target(app) -> ReviewTarget:
    return ReviewTarget(app.config["REVIEW_TARGET_WORKING_DAYS"], "england-and-wales")


def _receipt(db, period):
    from debrief.compliance import chasing

    start, stop = period.utc_bounds()
    return chasing.receipt_days(db, start, stop, period.months())


@pytest.fixture
def busy(app, db, force):  # noqa: F811
    """The reconciliation tests' force, with closed debriefs, confirmed themes and referrals
    received, across several months."""
    host = force["host"]
    for month in (3, 4, 9):
        at = datetime(2025, month, 10, 23, 30)  # 00:30 BST on the 11th: counted by UK month
        made = make_debrief(
            host,
            state="closed",
            event=make_event(reported_at=at, nccu_reference=f"NCCU-20250{month}1111"),
            answers={"intel_doc_submitted": "yes", "intel_doc_submitted_at": "2025-09-20T10:00"},
        )
        theme = db.get(DebriefTheme, (made.id, "children")) or DebriefTheme(
            debrief_id=made.id, theme_id="children"
        )
        theme.confirmed = True
        db.add(theme)
        db.commit()
        for owner, due in (("Hub", date(2025, 5, 1)), ("Border Force", None)):
            db.add(
                FollowUpAction(
                    debrief_id=made.id,
                    description="Check",
                    owner=owner,
                    due_date=due,
                    created_by_id=host.id,
                )
            )
        db.commit()
    db.execute(
        update(NccuReferral)
        .where(NccuReferral.nccu_reference == "NCCU-2025060101")
        .values(intel_doc_received=True, intel_doc_received_at=datetime(2025, 6, 9))
    )
    db.commit()
    return force


def test_the_dashboard_from_stored_months_is_the_direct_count(app, db, busy):
    built = _assert_stored_equal_direct(app, db)
    host = db.get(User, busy["host"].id)
    assert chasing.put_to(db, host, app.config["NCCU_MATCH_WINDOW_HOURS"])  # kept, not empty
    db.rollback()
    # Not comparing nothing: the figures have rows of every kind.
    assert built.coverage.whole and built.rec2.total.referrals_debriefed
    assert built.queue.closed_in_period and built.queue.median_days_to_close is not None
    assert any(t.total for t in built.themes) and built.receipt.received
    # Every whole month is stored, and read from the store the next time.
    keys = set(db.scalars(select(StoredSummary.key)))
    assert {summaries.month_key(m) for m in PERIOD.months()} <= keys
    statements = _statements_while(db, lambda: _build(app, db))
    assert not any("FROM events" in s for s in statements), statements


def test_stored_figures_equal_a_direct_count_after_every_kind_of_change(app, db, busy):
    _assert_stored_equal_direct(app, db)
    hub = make_user(["hub_reviewer"], username="hub-summaries")
    actor = Actor(hub)
    # Submit, return, close, reopen.
    draft = db.scalars(select(Debrief).where(Debrief.state == "draft")).first()
    draft.state, draft.submitted_at, draft.first_submitted_at = "submitted", utcnow(), utcnow()
    draft.intel_doc_route = "later"
    db.commit()
    _assert_stored_equal_direct(app, db)
    submitted = db.scalars(select(Debrief).where(Debrief.state == "submitted")).first()
    submitted.state = "returned"
    db.commit()
    _assert_stored_equal_direct(app, db)
    submitted.state, submitted.closed_at = "closed", datetime(2025, 8, 31, 23, 30)
    db.commit()
    closed = _assert_stored_equal_direct(app, db)
    submitted.state, submitted.closed_at = "in_review", None  # reopened
    db.commit()
    reopened = _assert_stored_equal_direct(app, db)
    assert reopened.queue.closed_in_period == closed.queue.closed_in_period - 1
    # A theme confirmed, and one withdrawn.
    theme = db.scalars(select(DebriefTheme).where(DebriefTheme.confirmed.is_(False))).first()
    theme.confirmed = True
    db.commit()
    _assert_stored_equal_direct(app, db)
    theme.confirmed = False
    db.commit()
    _assert_stored_equal_direct(app, db)
    # Follow-up actions raised, moved to another owner, done, and given a later date.
    action = db.scalars(select(FollowUpAction)).first()
    action.owner, action.due_date = "Council", date(2027, 1, 1)
    db.commit()
    _assert_stored_equal_direct(app, db)
    action.status = "done"
    db.add(
        FollowUpAction(
            debrief_id=action.debrief_id,
            description="More",
            owner="Hub",
            due_date=date(2026, 1, 5),
            created_by_id=hub.id,
        )
    )
    db.commit()
    _assert_stored_equal_direct(app, db)
    # A sergeant renamed: the outstanding list's filter names them anew.
    host = db.get(User, busy["host"].id)
    host.full_name = "Sgt Renamed"
    db.commit()
    _assert_stored_equal_direct(app, db)
    assert "Sgt Renamed" in chasing.stored_outstanding_choices(db)[0]
    # An event moved to another month, and its referral fact changed.
    moved = db.get(Event, busy["events"][1].id)
    moved.reported_at, moved.nccu_referral_made = datetime(2025, 11, 2, 10, 0), False
    db.commit()
    _assert_stored_equal_direct(app, db)
    # A match confirmed, then the NCCU's next list imported.
    unmatched = reconcile.list_page(db, app.config, "unmatched", 0, None)
    offered = [m for m in unmatched if m.suggestions]
    reconcile.confirm_match(
        db,
        db.get(NccuReferral, offered[0].referral.id),
        db.get(Event, offered[0].suggestions[0].id),
        actor,
    )
    db.commit()
    _assert_stored_equal_direct(app, db)
    db.execute(update(NccuReferral).values(intel_doc_received=False))
    db.commit()
    _import_sample(app, db)
    _assert_stored_equal_direct(app, db)
    # Retention disposal of closed debriefs, then their events deleted outright.
    for old in db.scalars(select(Debrief).where(Debrief.state == "closed")).all()[:2]:
        retention.dispose(db, old, 7)
    db.commit()
    _assert_stored_equal_direct(app, db)
    # A fix made by hand, in SQL, outside the app.
    with db.get_bind().connect() as conn:
        conn.execute(
            text("UPDATE debriefs SET intel_doc_route = 'not_done' WHERE state = 'closed'")
        )
        conn.commit()
    _assert_stored_equal_direct(app, db)
    # A period cut short at both ends: its first and last months are counted directly.
    _assert_stored_equal_direct(app, db, custom(date(2025, 6, 4), date(2025, 11, 20)))


def test_the_lists_counts_are_stored_and_equal_the_python_definition(app, db, busy):
    _assert_same(app, db)  # counts from the store, against the Python definition
    assert db.scalar(select(StoredSummary.body).where(StoredSummary.key == "reconcile"))
    statements = _statements_while(db, lambda: reconcile.list_counts(db, app.config))
    assert not any("nccu_referrals" in s for s in statements), statements
    # The undebriefed list is counted against the time of asking, not of storing.
    later = reconcile.list_counts(db, app.config, now=utcnow() + timedelta(days=30))
    assert later["undebriefed"] == reconcile.list_counts(db, app.config)["undebriefed"] + 1


def test_a_change_marks_only_what_it_can_alter(app, db, busy):
    _build(app, db)
    reconcile.list_counts(db, app.config)
    assert db.scalar(select(func.count()).select_from(SummaryMark)) == 0
    # A section saved: the answers of an event with an NCCU reference change no figure.
    debrief = db.scalars(
        select(Debrief)
        .join(Event)
        .where(Event.nccu_reference.is_not(None), Debrief.state == "submitted")
    ).first()
    debrief.version += 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(SummaryMark)) == 0
    # A debrief closed marks its event's month and its closing month, and the counts.
    debrief.state, debrief.closed_at = "closed", datetime(2026, 2, 14, 12, 0)
    db.commit()
    marks = {(kind, at) for kind, at in db.execute(select(SummaryMark.kind, SummaryMark.at))}
    event_hour = debrief.event.reported_at.replace(minute=0, second=0, microsecond=0)
    assert marks == {
        ("month", event_hour),
        ("month", datetime(2026, 2, 14, 12)),
        ("reconcile", None),
        ("actions", None),
    }


def test_figures_counted_while_a_change_came_in_are_not_kept(app, db, busy):
    key = summaries.month_key(date(2025, 6, 1))

    def compute(missing):
        # Another request changes June while this one is counting it.
        with db.get_bind().connect() as conn:
            conn.execute(
                update(Event)
                .where(Event.id == busy["events"][0].id)
                .values(reported_at=datetime(2025, 6, 1, 10, 0))
            )
            conn.commit()
        return {k: {"counted": True} for k in missing}

    assert summaries.stored(db, [key], compute) == {key: {"counted": True}}
    assert db.get(StoredSummary, key) is None  # not kept: the next read counts again
    assert summaries.stored(db, [key], lambda missing: {k: {"again": 1} for k in missing})[key]


def test_stored_figures_refuse_to_commit_a_requests_unfinished_work(app, db, busy):
    """`stored` commits; called after a write it would commit that write early, so a
    POST that changed something and then read stored figures would keep half its work
    if it failed later. It refuses, and the work stays uncommitted."""
    key = summaries.month_key(date(2025, 6, 1))
    event = db.get(Event, busy["events"][0].id)
    event.location_type = "Changed"
    db.flush()
    with pytest.raises(RuntimeError, match="peek"):
        summaries.stored(db, [key], lambda missing: {k: {} for k in missing})
    db.rollback()
    assert db.get(Event, event.id).location_type != "Changed"
    db.execute(update(Event).where(Event.id == event.id).values(location_type="By Core"))
    with pytest.raises(RuntimeError, match="peek"):
        summaries.stored(db, [key], lambda missing: {k: {} for k in missing})
    db.rollback()
    assert summaries.stored(db, [key], lambda missing: {k: {"n": 1} for k in missing})


def test_the_triggers_that_mark_changes_are_there(app, db):
    if db.get_bind().dialect.name == "postgresql":
        names = db.scalars(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'summary_%'"))
    else:
        names = db.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'summary_%'")
        )
    tables = {name.split("_", 1)[1].rsplit("_", 1)[0] for name in names}
    assert {"events", "debriefs", "debrief_themes", "nccu_referrals", "answers"} <= {
        t.replace("_update", "") for t in tables
    }


def _statements_while(db, work) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = db.get_bind()
    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    return seen


def test_the_marks_are_read_once_a_transaction_and_again_after_a_write(app, db, busy):
    """A list page reads three kinds of stored figure and peeks at one it read: the marks
    are read once for all of them while nothing is written, and the peek reads nothing.
    A write in the same transaction marks what it changes, and the next read must see
    that mark."""
    _build(app, db)
    reconcile.list_counts(db, app.config)
    db.commit()
    key = summaries.month_key(date(2025, 6, 1))

    def reads():
        reconcile.list_counts(db, app.config)
        summaries.stored(db, [key], lambda missing: {k: {"n": 1} for k in missing})
        assert summaries.peek(db, summaries.RECONCILE) is not None

    statements = _statements_while(db, reads)
    marks_read = [s for s in statements if "summary_marks" in s]
    assert len(marks_read) == 1, marks_read
    # The peek is answered by what list_counts read: two reads of stored figures, not three.
    assert len([s for s in statements if "stored_summaries" in s]) == 2, statements
    # A debrief closed in this transaction (flushed, not committed): its mark is seen.
    debrief = db.scalars(select(Debrief).where(Debrief.state == "submitted")).first()
    debrief.state, debrief.closed_at = "closed", datetime(2026, 2, 14, 12, 0)
    db.flush()
    assert summaries.peek(db, summaries.RECONCILE) is None
    db.rollback()
    assert summaries.peek(db, summaries.RECONCILE) is not None


@settings(max_examples=200, deadline=None)
@given(
    runs=st.lists(
        st.lists(
            st.one_of(
                st.floats(min_value=0, max_value=400, allow_nan=False),
                st.integers(0, 4).map(float),  # ties, as whole days give
            ),
            max_size=30,
        ),
        max_size=6,
    ),
    sort_them=st.booleans(),
)
def test_the_median_of_months_of_days_is_the_median_of_them_all(runs, sort_them):
    """The dashboard's medians are worked out over the months' stored days (each sorted)
    or over days counted directly (not sorted): either way, the median of every day."""
    runs = [sorted(run) for run in runs] if sort_them else runs
    every = [day for run in runs for day in run]
    expected = round(statistics.median(every), 1) if every else None
    assert summaries.median_days(runs) == expected
    assert summaries.median_days([summaries.unpack(summaries.pack(every))]) == expected
    stored = [summaries.unpack(summaries.pack(run)) for run in runs]  # as months are read
    assert summaries.median_days(stored) == expected


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=5000), max_size=300), st.integers(-50, 5100))
def test_packed_ids_hold_exactly_the_ids_packed(ids, asked):
    """The bitmap the taken events are kept as answers `in` as the set itself does."""
    packed = summaries.PackedIds(summaries.pack_ids(ids))
    assert (asked in packed) == (asked in ids)
    assert all(n in packed for n in ids)

