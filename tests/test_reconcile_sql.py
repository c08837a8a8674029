"""The reconciliation lists read by the database (issue 22) are the lists the Python
definition gives (`reconcile.all_matches` and the four list rules), row for row, on a
force with every way a referral can match or not, and after every kind of change."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select, text, update

from debrief.admin import retention
from debrief.audit import Actor
from debrief.compliance import chasing, imports, reconcile, routes
from debrief.models import Answer, Debrief, Event, NccuReferral, User
from debrief.references import match_key, match_key_in_sql
from debrief.schema import expression_indexes
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_event, make_user
from tests.nccu_known import SAMPLE, make_known_data
from tests.test_notify_bulk import _tangled_force

SLUGS = ("outstanding", "disagreements", "unmatched", "undebriefed")


def _import_sample(app, db) -> None:
    data = SAMPLE.read_bytes()
    preview = imports.preview_file(db, "nccu", "nccu.csv", data, app.config)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()


def _referral(db, reference: str, at: datetime, **fields) -> NccuReferral:
    row = NccuReferral(
        nccu_reference=reference,
        referred_at=at + timedelta(minutes=20),
        intel_doc_received=False,
        rejected_event_ids=[],
        **{"district": "North", **fields},
    )
    db.add(row)
    db.commit()
    return row


def _python_lists(app, db) -> dict[str, list]:
    """The lists as the Python definition builds them, from every event and referral."""
    matches, events = reconcile.all_matches(db, app.config)
    return {
        "outstanding": chasing.annotate(db, reconcile.outstanding(matches)),
        "disagreements": reconcile.disagreements(matches),
        "unmatched": reconcile.without_debrief(matches),
        "undebriefed": reconcile.undebriefed_events(events, app.config["DEBRIEF_DUE_DAYS"]),
    }


def _sql_list(app, db, slug: str, offset: int = 0, limit: int | None = None, narrowing=None):
    if slug == "undebriefed":
        return reconcile.undebriefed_page(db, app.config["DEBRIEF_DUE_DAYS"], offset, limit)
    rows = reconcile.list_page(db, app.config, slug, offset, limit, narrowing)
    return chasing.annotate(db, rows) if slug == "outstanding" else rows


def _seen(slug: str, rows: list) -> list[tuple]:
    """What a list's page and spreadsheet show of each row."""
    if slug == "undebriefed":
        return [(e.id, e.incident_ref, e.debrief.id if e.debrief else None) for e in rows]
    return [
        (
            m.referral.id,
            m.event.id if m.event else None,
            m.how,
            m.debrief.id if m.debrief else None,
            m.debrief_answer,
            m.district,
            (m.sergeant, m.supervisor, m.chase) if slug == "outstanding" else None,
            [e.id for e in m.suggestions] if slug == "unmatched" else None,
        )
        for m in rows
    ]


def _assert_same(app, db) -> dict[str, list]:
    """Every list, and every count, read by the database equals the Python definition."""
    expected = _python_lists(app, db)
    counts = reconcile.list_counts(db, app.config)
    for slug in SLUGS:
        assert _seen(slug, _sql_list(app, db, slug)) == _seen(slug, expected[slug]), slug
        assert counts[slug] == len(expected[slug]), slug
        if slug != "undebriefed":  # the referrals kept for each list, in its order
            kept = list(reconcile.list_ids(db, slug))
            assert kept == [m.referral.id for m in expected[slug]], slug
    db.rollback()
    # The events kept as taken (which suggestions skip) are those some referral matches.
    matches, events = reconcile.all_matches(db, app.config)
    taken = reconcile.taken_events(db)
    beyond = [-1, 0, max(events, default=0) + 1, max(events, default=0) + 9]
    assert {e for e in [*events, *beyond] if e in taken} == {
        m.event.id for m in matches if m.event is not None
    }
    db.rollback()
    return expected


def _typed_and_tied(db, host: User) -> dict:
    """Matches the sample and the tangled force do not have: typed references against
    records, ties in time, referrals with no district, references typed loosely."""
    day = datetime(2026, 11, 2, 8, 0)
    # A typed reference (the record has none) held also by a later event's record,
    # and by an earlier one's: the earliest of either kind is matched.
    typed_early = make_event(reported_at=day, nccu_reference=None, district="South")
    make_debrief(host, state="closed", event=typed_early, answers={"nccu_reference": " nccu-7100 "})
    make_debrief(
        host,
        state="submitted",
        event=make_event(reported_at=day + timedelta(hours=1), nccu_reference="NCCU-7100"),
    )
    make_event(reported_at=day + timedelta(hours=3), nccu_reference="NCCU-7200")
    typed_late = make_event(reported_at=day + timedelta(hours=4), nccu_reference=None)
    make_debrief(host, state="draft", event=typed_late, answers={"nccu_reference": "NCCU-7200"})
    # A record reference and a typed one on the same event: the record speaks.
    both = make_event(reported_at=day + timedelta(hours=5), nccu_reference="NCCU-7300")
    make_debrief(host, state="submitted", event=both, answers={"nccu_reference": "NCCU-7399"})
    for reference in ("NCCU-7100", "nccu-7200 ", "NCCU-7300", "NCCU-7399"):
        _referral(db, reference, day)
    # Two events at the same minute, in the window of a referral without a district,
    # one of another district; and one already taken by force reference.
    for district in ("North", "East", "West"):
        make_event(reported_at=day + timedelta(days=2), nccu_reference=None, district=district)
    make_event(
        reported_at=day + timedelta(days=2, minutes=5),
        nccu_reference=None,
        incident_ref="INC-20261104-0777",
    )
    _referral(db, "NCCU-7500", day + timedelta(days=2), district=None)
    _referral(db, "NCCU-7600", day + timedelta(days=2), force_reference=" inc-20261104-0777")
    return {"typed_early": typed_early, "typed_late": typed_late}


@pytest.fixture
def force(app, db):
    known = make_known_data()
    _import_sample(app, db)
    people = _tangled_force(db)
    extra = _typed_and_tied(db, db.get(User, people["ash"].id))
    return {**known, **people, **extra}


def test_every_list_read_by_the_database_is_the_python_definition(app, db, force):
    expected = _assert_same(app, db)
    # Not comparing empty lists: every list has rows, and every way of matching is there.
    assert all(expected[slug] for slug in SLUGS)
    matches, _ = reconcile.all_matches(db, app.config)
    assert {m.how for m in matches} == {None, "confirmed", "nccu_reference", "force_reference"}
    assert any(m.suggestions for m in matches if m.referral.district is None)
    by_ref = {m.referral.nccu_reference: m for m in matches}
    assert by_ref["NCCU-7100"].event.id == force["typed_early"].id  # typed, earlier
    assert by_ref["nccu-7200 "].event.incident_ref != force["typed_late"].incident_ref
    assert by_ref["NCCU-7399"].event is None  # typed where the record has a reference


def test_the_lists_stay_equal_after_every_kind_of_change(app, db, force):
    _assert_same(app, db)
    hub = make_user(["hub_reviewer"], username="hub-change")
    actor = Actor(hub)
    # Event edit: a reference added, and an event moved earlier than another holding it.
    first = db.get(Event, force["events"][4].id)
    first.nccu_reference = " nccu-2025060707"
    db.get(Event, force["typed_late"].id).reported_at = datetime(2026, 11, 1, 0, 0)
    db.commit()
    _assert_same(app, db)
    # The same by a bulk writer (an events import updates through Core, not the ORM).
    db.execute(
        update(Event)
        .where(Event.id == force["events"][6].id)
        .values(nccu_reference="NCCU-2025060606")
    )
    db.commit()
    _assert_same(app, db)
    # Answer edit: a typed reference changed, and one removed.
    typed = db.scalars(
        select(Answer).where(
            Answer.debrief_id.in_(
                select(Debrief.id).where(Debrief.event_id == force["typed_early"].id)
            ),
            Answer.question_id == "nccu_reference",
        )
    ).one()
    typed.value = "NCCU-7600"
    db.commit()
    _assert_same(app, db)
    # Submit, return, close, reopen: a draft submitted, a submitted one returned and closed.
    drafts = list(db.scalars(select(Debrief).where(Debrief.state == "draft")))
    for debrief in drafts[:2]:
        debrief.state, debrief.submitted_at = "submitted", utcnow()
    db.commit()
    _assert_same(app, db)
    submitted = db.scalars(select(Debrief).where(Debrief.state == "submitted")).first()
    submitted.state = "returned"
    db.commit()
    _assert_same(app, db)
    submitted.state = "closed"
    db.commit()
    _assert_same(app, db)
    submitted.state = "in_review"  # reopened
    db.commit()
    _assert_same(app, db)
    # Match confirm and reject.
    unmatched = reconcile.list_page(db, app.config, "unmatched", 0, None)
    offered = [m for m in unmatched if m.suggestions]
    assert len(offered) >= 2
    for match, decide in zip(
        offered[:2], (reconcile.confirm_match, reconcile.reject_match), strict=True
    ):
        decide(
            db,
            db.get(NccuReferral, match.referral.id),
            db.get(Event, match.suggestions[0].id),
            actor,
        )
    db.commit()
    _assert_same(app, db)
    # An import: the NCCU's next list (the sample again, with a row changed).
    db.execute(update(NccuReferral).values(intel_doc_received=False))
    db.commit()
    _import_sample(app, db)
    _assert_same(app, db)
    # Retention disposal: answers erased, then the event's references with its last debrief.
    for debrief in db.scalars(select(Debrief).where(Debrief.event_id == force["typed_early"].id)):
        retention.dispose(db, debrief, 7)
    db.commit()
    _assert_same(app, db)


def test_a_whole_list_is_read_a_few_hundred_referrals_at_a_time(app, db, force, monkeypatch):
    """A whole list (a download) is read PAGE_CHUNK kept ids to a statement, each chunk
    with its suggestions: together, the list as the Python definition gives it."""
    monkeypatch.setattr(reconcile, "PAGE_CHUNK", 2)
    expected = _assert_same(app, db)
    assert len(expected["unmatched"]) > 2  # more than one chunk


def test_a_long_unmatched_list_is_read_whole(app, db):
    """The whole unmatched list (its download) is read with its suggestions however long:
    read in one statement, 1,200 referrals' windows made an expression SQLite refuses
    ("Expression tree is too large"), as the 13,606 of the benchmark's list did."""
    start = datetime(2026, 1, 5, 8, 0)
    db.execute(
        NccuReferral.__table__.insert(),
        [
            {
                "nccu_reference": f"NCCU-2026{n:06d}",
                "referred_at": start + timedelta(hours=n),
                "intel_doc_received": False,
                "district": "North",
                "rejected_event_ids": [],
            }
            for n in range(1200)
        ],
    )
    db.commit()
    whole = reconcile.list_page(db, app.config, "unmatched", 0, None)
    assert [m.referral.nccu_reference for m in whole] == [f"NCCU-2026{n:06d}" for n in range(1200)]


def test_paging_reads_the_list_a_page_at_a_time(app, db, force):
    expected = _python_lists(app, db)
    for slug in SLUGS:
        whole = _seen(slug, expected[slug])
        pages = []
        for offset in range(0, len(whole) + 3, 3):
            pages += _seen(slug, _sql_list(app, db, slug, offset, 3))
        assert pages == whole, slug


def test_the_outstanding_filters_read_by_the_database_are_the_python_rule(app, db, force):
    now = utcnow()
    outstanding = _python_lists(app, db)["outstanding"]
    sergeants, districts = chasing.outstanding_choices(db)
    assert sergeants == sorted({m.sergeant for m in outstanding if m.sergeant})
    assert districts == sorted({m.district for m in outstanding} - {""})
    choices = [
        *[chasing.Filters(sergeant=name) for name in [*sergeants, "Nobody"]],
        *[chasing.Filters(district=name) for name in districts],
        *[chasing.Filters(min_days=days) for days in (0, 1, 30, 400, 10_000)],
        *[chasing.Filters(state=state) for state in chasing.STATE_LABELS],
        chasing.Filters(sergeant=sergeants[0], district=districts[0], min_days=30),
    ]
    found = 0
    for filters in choices:
        narrowing = chasing.narrowing(db, filters, now)
        rows = _sql_list(app, db, "outstanding", narrowing=narrowing)
        want = chasing.filtered(outstanding, filters, now)
        assert _seen("outstanding", rows) == _seen("outstanding", want), filters
        assert reconcile.list_total(db, "outstanding", narrowing) == len(want), filters
        found += bool(want)
    assert found >= 8


def test_the_list_page_reads_the_same_statements_whatever_the_rows_shown(
    app, client, login_as, db, force, monkeypatch
):
    login_as("hub_reviewer")
    engine = app.extensions["debrief.engine"]
    for slug in SLUGS:
        counted = []
        for size in (1, 3):
            monkeypatch.setattr(routes, "LIST_PAGE_SIZE", size)
            client.get(f"/compliance/reconciliation/{slug}")
            seen: list[str] = []

            def note(_conn, _cursor, statement, *_args, seen=seen):
                if "question_set" not in statement:  # the active set's once-a-second check
                    seen.append(statement)

            sa_event.listen(engine, "before_cursor_execute", note)
            client.get(f"/compliance/reconciliation/{slug}")
            sa_event.remove(engine, "before_cursor_execute", note)
            counted.append(len(seen))
        assert counted[0] == counted[1], slug


def test_the_match_key_in_python_and_in_sql_agree_on_every_reference_accepted(app, db):
    references = [" nccu-2025060101 ", "NCCU-1", "inc-20250614-0042", "Inc-2025 0042", "abc"]
    for reference in references:
        assert db.scalar(select(match_key_in_sql(text(":r"))), {"r": reference}) == match_key(
            reference
        )


def test_the_indexes_the_matching_reads_are_there(app, db):
    names = expression_indexes()
    assert names >= {"ix_events_nccu_match", "ix_events_incident_match"}
    engine = app.extensions["debrief.engine"]
    if engine.dialect.name == "sqlite":
        found = set(db.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
        assert names <= found
        plan = " ".join(
            str(row)
            for row in db.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM events "
                    "WHERE upper(trim(nccu_reference)) = 'NCCU-1' ORDER BY reported_at, id"
                )
            )
        )
        assert "ix_events_nccu_match" in plan
    else:
        found = {
            index["name"]
            for table in ("events", "nccu_referrals")
            for index in inspect(db.connection()).get_indexes(table)
        }
        assert names <= found


def _typed_answers(db):
    """Select the answers giving a reference typed where the event record has none."""
    unrecorded = select(Debrief.id).join(Event).where(Event.nccu_reference.is_(None))
    return select(Answer).where(
        Answer.question_id == "nccu_reference", Answer.debrief_id.in_(unrecorded)
    )


def test_the_lists_are_the_same_with_many_references_typed_or_none(app, db, force, monkeypatch):
    """Typed references are written into each statement when few, read by each statement
    when more than TYPED_INLINE_MAX, and left out where there are none: the same lists."""
    assert db.scalars(_typed_answers(db)).all()  # the force has some
    monkeypatch.setattr(reconcile, "TYPED_INLINE_MAX", 0)  # "many": each statement reads them
    _assert_same(app, db)
    test_paging_reads_the_list_a_page_at_a_time(app, db, force)
    test_the_outstanding_filters_read_by_the_database_are_the_python_rule(app, db, force)
    monkeypatch.undo()
    for answer in db.scalars(_typed_answers(db)).all():
        db.delete(answer)
    db.commit()
    expected = _assert_same(app, db)  # none typed
    assert all(expected[slug] for slug in SLUGS)


def test_a_reference_typed_in_the_same_transaction_is_matched_at_once(app, db, force):
    """The typed references are read once a page, and forgotten at a bulk write: a list read
    after one, before anything is committed, matches by what it wrote."""
    before = _seen("unmatched", _sql_list(app, db, "unmatched"))  # typed references read
    typed = db.scalars(_typed_answers(db)).first()
    db.execute(
        update(Answer)
        .where(Answer.debrief_id == typed.debrief_id, Answer.question_id == "nccu_reference")
        .values(value="NCCU-7500")  # the referral without a district, unmatched until now
        .execution_options(synchronize_session=False)
    )
    after = _seen("unmatched", _sql_list(app, db, "unmatched"))
    assert after != before
    assert after == _seen("unmatched", _python_lists(app, db)["unmatched"])
    db.rollback()


def test_an_event_matched_in_the_same_transaction_is_taken_at_once(app, db, force):
    """The events kept as taken are only read where the request has written something:
    a match confirmed and not yet committed takes its event at once, so it is no longer
    suggested for another referral."""
    offered = [m for m in _sql_list(app, db, "unmatched") if m.suggestions]
    match = offered[0]
    event = db.get(Event, match.suggestions[0].id)
    assert event.id not in reconcile.taken_events(db)
    hub = make_user(["hub_reviewer"], username="hub-taking")
    reconcile.confirm_match(db, db.get(NccuReferral, match.referral.id), event, Actor(hub))
    db.flush()
    assert event.id in reconcile.taken_events(db)
    assert all(event.id not in [e.id for e in m.suggestions]
               for m in _sql_list(app, db, "unmatched"))  # fmt: skip
    db.rollback()
    assert event.id not in reconcile.taken_events(db)


def test_a_handful_of_events_reads_as_the_whole_force_does(app, db, force):
    """The pages read only the events they show (`load_events` by ids, or by a condition
    near unmatched referrals), with the reference each debrief typed in the same
    statement; each event must read exactly as when every event is read: its debrief,
    the reference that debrief typed, and the references it can be matched by."""
    every = reconcile.load_events(db)
    typed = {a.debrief_id for a in db.scalars(_typed_answers(db))}
    assert typed  # the force has debriefs that typed a reference
    ids = sorted(every)
    chosen = select(Event.id).where(Event.id.in_(ids))
    by_ids = reconcile.load_events(db, event_ids=chosen)
    by_condition = reconcile.load_events(db, where=Event.id.in_(ids))

    def seen(events):
        return {
            i: (
                e.references,
                e.debrief and (e.debrief.id, e.debrief.nccu_reference, e.debrief.state),
            )
            for i, e in events.items()
        }

    assert seen(by_ids) == seen(every)
    assert seen(by_condition) == seen(every)
    assert any(e.debrief and e.debrief.id in typed and e.debrief.nccu_reference
               for e in by_ids.values())  # fmt: skip
