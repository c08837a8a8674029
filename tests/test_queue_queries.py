"""The queries behind a page do not grow with the rows it shows."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import event

from debrief.models import FollowUpAction
from debrief.questions import active
from tests.factories import make_user
from tests.review_helpers import other_reviewer, queued, tag


@contextmanager
def counting(engine):
    """Count the SQL statements sent to the database inside the block.

    The active question set's id is read again at most once a second per process
    (questions/active.py): held still here, so a slow machine does not add a statement that
    has nothing to do with the rows shown."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    every = active.CHECK_SECONDS
    active.CHECK_SECONDS = float("inf")
    try:
        yield statements
    finally:
        active.CHECK_SECONDS = every
        event.remove(engine, "before_cursor_execute", before)


def _add_debriefs(db, start: int, end: int, assignee) -> None:
    """Debriefs by different sergeants, half assigned, each with themes and an action."""
    for n in range(start, end):
        host = make_user(["sergeant"], username=f"sgt-{n}", full_name=f"Sergeant {n:03d}")
        debrief = queued(
            host,
            state=["submitted", "in_review", "returned"][n % 3],
            district=["North", "South", "East"][n % 3],
            reported=datetime(2025, 6, 1, 9) + timedelta(hours=n),
            assignee=assignee if n % 2 else None,
            # Every incident reference ends 0042, for the search below; no NCCU one does.
            incident_ref=f"INC-2025{n:04d}-0042",
            nccu_reference=f"NCCU-{7000000100 + n}",
        )
        tag(debrief, "children", "training")
        tag(debrief, "nccu_access", confirmed=True)
        db.add(
            FollowUpAction(
                debrief_id=debrief.id,
                description=f"Action {n}",
                owner=f"Owner {n % 4}",
                due_date=date(2025, 6, 1) + timedelta(days=n),
                created_by_id=assignee.id,
            )
        )
    db.commit()


def _statements_for(client, engine, url: str, rows: int) -> int:
    # Once before counting: the first request of a process reads the active question set,
    # which every later request finds cached; that is not a cost of the rows shown.
    client.get(url)
    with counting(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('name="id" type="checkbox"') == rows or "/review/actions" in url
    return len(statements)


def test_queue_page_costs_the_same_queries_for_10_and_50_rows(app, client, login_as, db):
    login_as("hub_reviewer")
    engine = app.extensions["debrief.engine"]
    reviewer = other_reviewer()
    _add_debriefs(db, 0, 10, reviewer)
    everything = "/review/?state=submitted&state=in_review&state=returned"
    ten = _statements_for(client, engine, everything, 10)
    _add_debriefs(db, 10, 50, reviewer)
    fifty = _statements_for(client, engine, everything, 50)
    assert ten == fifty
    # session user, nav counts (the queue's; Notifications': one of counts, and the chase's
    # few for someone who may record a document), total, rows, themes, audit
    assert fifty <= 13


def test_a_search_by_reference_costs_the_same_queries_for_10_and_50_rows(app, client, login_as, db):
    """The search reads the events' key index, inside the page's statements (issue 21)."""
    login_as("hub_reviewer")
    engine = app.extensions["debrief.engine"]
    reviewer = other_reviewer()
    _add_debriefs(db, 0, 10, reviewer)
    plain = _statements_for(
        client, engine, "/review/?state=submitted&state=in_review&state=returned", 10
    )
    ten = _statements_for(client, engine, "/review/?q=0042", 10)
    _add_debriefs(db, 10, 50, reviewer)
    fifty = _statements_for(client, engine, "/review/?q=-0042", 50)
    assert ten == fifty == plain


def test_actions_page_costs_the_same_queries_for_10_and_50_actions(app, client, login_as, db):
    login_as("hub_reviewer")
    engine = app.extensions["debrief.engine"]
    reviewer = other_reviewer()
    _add_debriefs(db, 0, 10, reviewer)
    ten = _statements_for(client, engine, "/review/actions", 10)
    _add_debriefs(db, 10, 50, reviewer)
    fifty = _statements_for(client, engine, "/review/actions", 50)
    assert ten == fifty
